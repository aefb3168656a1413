// Static checks of sql/*.sql (the doctor's jwks-mirror.sql included): every ORDS call uses named arguments whose values
// are binds (or locals filled from binds), skew and age are never a literal 0, dynamic SQL is fixed text, and
// node-oracledb sees the same binds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bindNames, ordsCalls, SQL_DIR, SQL_FILES, type SqlFileName, sectionsOf } from "../src/ords/sql";

/** node-oracledb's own statement parser (thin mode): the bind names the driver will expect. */
const { Statement } = require("oracledb/lib/thin/statement.js") as {
  Statement: new () => { _prepare(sql: string): void; bindInfoList: { bindName: string }[] };
};

function driverBinds(sql: string): string[] {
  const statement = new Statement();
  statement._prepare(sql);
  return [...new Set(statement.bindInfoList.map((info) => info.bindName.toLowerCase()))];
}

const files = readdirSync(SQL_DIR)
  .filter((file) => file.endsWith(".sql"))
  .sort();
const text = (file: string) => readFileSync(join(SQL_DIR, file), "utf8");
const code = (file: string) => text(file).replace(/--[^\n]*/g, "");
/** Text outside q'{…}' literals (the fixed queries of the state read). */
const outsideQuotedQueries = (sql: string) => sql.replace(/q'\{[\s\S]*?\}'/g, "q'{}'");

const STEP_FILES: SqlFileName[] = [SQL_FILES.jwtProfile, SQL_FILES.privilege, SQL_FILES.demoModule];

test("the sql directory holds every file the ORDS runner loads", () => {
  expect(files).toEqual(expect.arrayContaining(Object.values(SQL_FILES)));
});

test.each(files)("%s opens with a comment saying what it does", (file) => {
  expect(text(file).split("\n")[0]).toMatch(new RegExp(`^-- ${file.replace(".", "\\.")}: .{20,}`));
});

test.each(files)("%s passes every ORDS argument by name", (file) => {
  const calls = ordsCalls(text(file));
  for (const call of calls)
    expect({ call: call.procedure, positional: call.positional }).toEqual({ call: call.procedure, positional: [] });
});

test.each(STEP_FILES)("%s passes only binds, list locals filled from binds, or ORDS constants", (file) => {
  for (const [name, body] of sectionsOf(file)) {
    const filled = new Set([...body.matchAll(/\bfill\(\s*:[a-z_]+\s*,\s*(l_[a-z_]+)\s*\)/g)].map((match) => match[1]));
    const calls = ordsCalls(body);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      for (const arg of call.arguments) {
        const local = /^(l_[a-z_]+)(\(i\))?$/.exec(arg.expression)?.[1];
        const ok =
          /^:[a-z_]+$/.test(arg.expression) ||
          (local !== undefined && filled.has(local)) ||
          /^ords(_admin)?\.source_type_[a-z_]+$/.test(arg.expression);
        expect({ section: `${file}#${name}`, argument: arg.name, expression: arg.expression, ok }).toEqual({
          section: `${file}#${name}`,
          argument: arg.name,
          expression: arg.expression,
          ok: true,
        });
      }
    }
  }
});

test.each(files)("%s never passes a literal 0 for p_allowed_skew or p_allowed_age", (file) => {
  expect(code(file)).not.toMatch(/p_allowed_(skew|age)\s*=>\s*[-+]?0\b/i);
  for (const call of ordsCalls(text(file))) {
    for (const arg of call.arguments.filter((a) => a.name === "p_allowed_skew" || a.name === "p_allowed_age")) {
      expect(arg.expression).toMatch(/^:profile_allowed_(skew|age)$/);
    }
  }
});

test.each(files)("%s has no string or number literal as an ORDS argument", (file) => {
  for (const call of ordsCalls(text(file))) {
    for (const arg of call.arguments) expect(arg.expression).not.toMatch(/^('|q'|[-+]?\d|true$|false$|null$)/i);
  }
});

test.each([SQL_FILES.readState, SQL_FILES.readStateAdmin])(
  "%s runs only fixed query text: no concatenation into dynamic SQL",
  (file) => {
    const sql = code(file);
    expect(outsideQuotedQueries(sql)).not.toContain("||");
    const dynamic = [...sql.matchAll(/execute immediate\s+([^\s;]+)/gi)].map((match) => match[1]);
    // p_query: the fixed view queries; c_lock_block: the fixed DBMS_LOCK block (its values are binds).
    expect(new Set(dynamic)).toEqual(new Set(["p_query", "c_lock_block"]));
    const captures = [...sql.matchAll(/\bcapture\('([a-z_.]+)',\s*(\S{3})/g)].map((match) => match[2]);
    expect(captures.length).toBeGreaterThan(10);
    expect(new Set(captures)).toEqual(new Set(["q'{"]));
  },
);

test.each([SQL_FILES.readState, SQL_FILES.readStateAdmin])(
  "%s reports a value longer than 32767 bytes under truncated instead of cutting it",
  (file) => {
    const store = /procedure store[\s\S]*?end store;/.exec(code(file))?.[0] ?? "";
    expect(store).toMatch(
      new RegExp(
        /elsif byte_length\(p_value\) > 32767 then\s+l_truncated\.put\(p_key, byte_length\(p_value\)\);\s+/.source +
          /else\s+l_values\.put\(p_key, dbms_lob\.substr\(p_value, 32767, 1\)\);/.source,
      ),
    );
    expect(code(file)).toContain("l_state.put('truncated', l_truncated);");
  },
);

test.each([SQL_FILES.readState, SQL_FILES.readStateAdmin])(
  "%s drops every doctor-only all.* key, rather than fail, when the document would not fit the bind",
  (file) => {
    const sql = code(file);
    const extras = [...sql.matchAll(/\bcapture\('(all\.[a-z_.]+)'/g)].map((match) => match[1]);
    expect(extras).toEqual([
      "all.privileges",
      "all.privilege_modules",
      "all.privilege_patterns",
      "all.privilege_roles",
      "all.modules",
    ]);
    const overflow =
      /if byte_length\(l_state\.to_clob\) > 32767 then([\s\S]*?)end if;\s*if byte_length/.exec(sql)?.[1] ?? "";
    expect([...overflow.matchAll(/drop_extra\('([a-z_.]+)'\)/g)].map((match) => match[1])).toEqual(extras);
    expect(overflow).toMatch(/put_state;\s*$/);
  },
);

test.each([SQL_FILES.readState, SQL_FILES.readStateAdmin])("%s documents every bind it uses in its header", (file) => {
  const header = text(file)
    .split("\n")
    .filter((line) => line.startsWith("--"))
    .join("\n");
  for (const name of bindNames(text(file))) expect(header).toContain(`:${name}`);
});

test.each(files)("%s: the kit's bind scan agrees with node-oracledb's parser", (file) => {
  if (STEP_FILES.includes(file as SqlFileName)) {
    for (const body of sectionsOf(file as SqlFileName).values())
      expect(bindNames(body).sort()).toEqual(driverBinds(`begin\n${body}\nend;`).sort());
  } else {
    expect(bindNames(text(file)).sort()).toEqual(driverBinds(text(file)).sort());
  }
});

describe("jwks-mirror.sql (doctor --mirror-jwks)", () => {
  const sections = [...sectionsOf(SQL_FILES.jwksMirror)];

  test("has a define and a delete block for ORDS and ORDS_ADMIN", () => {
    expect(sections.map(([name]) => name).sort()).toEqual([
      "ords.define",
      "ords.delete",
      "ords_admin.define",
      "ords_admin.delete",
    ]);
  });

  test.each(sections)("%s passes only binds or ORDS constants, by name", (_name, body) => {
    const calls = ordsCalls(body);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.positional).toEqual([]);
      for (const arg of call.arguments)
        expect({ argument: arg.name, expression: arg.expression }).toEqual({
          argument: arg.name,
          expression: expect.stringMatching(/^(:[a-z_]+|ords(_admin)?\.source_type_[a-z_]+)$/),
        });
    }
  });

  test.each(sections)("%s calls the _ADMIN package with p_schema first and ORDS without it", (name, body) => {
    const pkg = name.split(".")[0] as string;
    for (const call of ordsCalls(body)) {
      expect(call.procedure.split(".")[0]).toBe(pkg.toUpperCase());
      if (pkg.endsWith("_admin")) expect(call.arguments[0]).toEqual({ name: "p_schema", expression: ":schema" });
      else expect(call.arguments.map((arg) => arg.name)).not.toContain("p_schema");
    }
  });

  test.each(sections)("%s: the kit's bind scan agrees with node-oracledb's parser", (_name, body) => {
    expect(bindNames(body).sort()).toEqual(driverBinds(body).sort());
  });

  test.each(sections)("%s is a block that commits, or rolls back and re-raises", (_name, body) => {
    const sql = body.replace(/--[^\n]*/g, "").trim();
    expect(sql).toMatch(
      /^begin\b[\s\S]*\bcommit;\s*exception\s+when others then\s+rollback;[\s\S]*\braise;[\s\S]*end;$/,
    );
  });
});

test("apply.sql commits at the end and rolls back and re-raises on any error", () => {
  const sql = code(SQL_FILES.apply);
  expect(text(SQL_FILES.apply).match(/^\s*-- @steps\s*$/gm)).toHaveLength(1);
  expect(sql.trim()).toMatch(/commit;\s*exception\s+when others then\s+rollback;\s+raise;\s+end;$/);
  expect(sql.match(/\bcommit\b/gi)).toHaveLength(1);
});

test("the step files commit nothing themselves (apply.sql commits once, at the end)", () => {
  for (const file of STEP_FILES) expect(code(file)).not.toMatch(/\bcommit\b/i);
});

test.each([
  [SQL_FILES.jwtProfile, ["ords_security", "ords_security_admin", "oauth", "oauth_admin"], ["create", "delete"]],
  [SQL_FILES.jwtProfile, ["ords_security", "ords_security_admin"], ["create_role_mode"]],
  [SQL_FILES.jwtProfile, ["ords_security_admin", "oauth_admin"], ["delete_if_any"]],
  [SQL_FILES.privilege, ["ords", "ords_admin"], ["create_roles", "define", "delete", "delete_roles"]],
  [SQL_FILES.demoModule, ["ords", "ords_admin"], ["define", "delete"]],
] as const)("%s has a section for every package the runner may choose", (file, packages, steps) => {
  const sections = sectionsOf(file);
  for (const pkg of packages) for (const step of steps) expect(sections.has(`${pkg}.${step}`)).toBe(true);
});

test.each(STEP_FILES)("%s calls the _ADMIN packages with p_schema first and the others without it", (file) => {
  for (const [name, body] of sectionsOf(file)) {
    const pkg = name.split(".")[0] as string;
    for (const call of ordsCalls(body)) {
      expect(call.procedure.split(".")[0]).toBe(pkg.toUpperCase());
      if (pkg.endsWith("_admin")) expect(call.arguments[0]).toEqual({ name: "p_schema", expression: ":schema" });
      else expect(call.arguments.map((arg) => arg.name)).not.toContain("p_schema");
    }
  }
});

test("p_role_claim_name appears only in the role-mode sections", () => {
  for (const [name, body] of sectionsOf(SQL_FILES.jwtProfile)) {
    expect({ name, roleClaim: /p_role_claim_name/.test(body) }).toEqual({
      name,
      roleClaim: name.endsWith(".create_role_mode"),
    });
  }
});

test.each([SQL_FILES.readState, SQL_FILES.readStateAdmin])(
  "%s counts bytes, not characters, and checks the document again after dropping the all.* keys",
  (file) => {
    const sql = code(file);
    expect(sql).not.toMatch(/dbms_lob\.getlength/);
    expect(sql).toMatch(/l_total := l_total \+ lengthb\(l_chunk\);/);
    expect(sql).toMatch(
      new RegExp(
        /if byte_length\(l_state\.to_clob\) > 32767 then\s+/.source +
          /l_truncated\.put\('state', byte_length\(l_state\.to_clob\)\);/.source +
          /[\s\S]*?put_state;\s+end if;\s+:state := l_state\.to_string;/.source,
      ),
    );
  },
);
