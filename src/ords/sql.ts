// Loads the PL/SQL in sql/*.sql: whole files, named sections, the apply wrapper, and the ORDS calls inside them.
// It never builds SQL from values: a block is fixed text from these files plus binds; composing only joins sections.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where the PL/SQL lives; the files are part of the kit and readable by a DBA. */
export const SQL_DIR = join(__dirname, "..", "..", "sql");

/** Files of the ORDS step, and the doctor's mirror module. */
export const SQL_FILES = {
  readState: "read-state.sql",
  readStateAdmin: "read-state-admin.sql",
  apply: "apply.sql",
  jwtProfile: "jwt-profile.sql",
  privilege: "privilege.sql",
  demoModule: "demo-module.sql",
  /** doctor --mirror-jwks: the temporary module that serves a copy of the JWKS. */
  jwksMirror: "jwks-mirror.sql",
} as const;

export type SqlFileName = (typeof SQL_FILES)[keyof typeof SQL_FILES];

const SECTION_MARKER = /^-- @section ([a-z_]+\.[a-z_]+)\s*$/;
const STEPS_MARKER = /^\s*-- @steps\s*$/m;

const cache = new Map<string, string>();

/** The file's text exactly as committed. */
export function readSqlFile(file: SqlFileName): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(join(SQL_DIR, file), "utf8");
    cache.set(file, text);
  }
  return text;
}

/** The text without the leading comment header, which is documentation for people, not for the database. */
export function withoutHeader(text: string): string {
  const lines = text.split("\n");
  let first = 0;
  while (first < lines.length && (lines[first]?.startsWith("--") || lines[first]?.trim() === "")) first++;
  return lines.slice(first).join("\n").trimEnd();
}

/** `package.name` → section text, for files made of `-- @section` blocks. */
export function sectionsOf(file: SqlFileName): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (current !== undefined) sections.set(current, body.join("\n").trim());
  };
  for (const line of readSqlFile(file).split("\n")) {
    const marker = SECTION_MARKER.exec(line);
    if (marker) {
      flush();
      current = marker[1];
      body = [];
    } else if (current !== undefined) {
      body.push(line);
    }
  }
  flush();
  return sections;
}

/** A reference to one section, such as `privilege.sql#ords.define`. */
export interface SectionRef {
  readonly file: SqlFileName;
  readonly section: string;
}

export function sectionText(ref: SectionRef): string {
  const text = sectionsOf(ref.file).get(ref.section);
  if (text === undefined) throw new Error(`internal: ${ref.file} has no section ${ref.section}`);
  return text;
}

export function refName(ref: SectionRef): string {
  return `${ref.file}#${ref.section}`;
}

/** The apply wrapper with the given sections in place of `-- @steps`, each preceded by a comment naming it. */
export function composeApplyBlock(refs: readonly SectionRef[]): string {
  const wrapper = withoutHeader(readSqlFile(SQL_FILES.apply));
  if (!STEPS_MARKER.test(wrapper)) throw new Error(`internal: ${SQL_FILES.apply} has no "-- @steps" line`);
  const steps = refs
    .map((ref) =>
      [`-- ${refName(ref)}`, ...sectionText(ref).split("\n")].map((line) => `  ${line}`.trimEnd()).join("\n"),
    )
    .join("\n");
  return wrapper.replace(STEPS_MARKER, steps);
}

/**
 * Bind names in PL/SQL text, in order of first use, lower case. Comments and string literals
 * (including q'{…}' quoting) are skipped, as node-oracledb does when it parses a statement.
 */
export function bindNames(text: string): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  let i = 0;
  const closing: Record<string, string> = { "[": "]", "{": "}", "<": ">", "(": ")" };
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (ch === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (ch === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if ((ch === "q" || ch === "Q") && next === "'" && !/[A-Za-z0-9_$#]/.test(text[i - 1] ?? " ")) {
      const open = text[i + 2] as string;
      const close = closing[open] ?? open;
      const end = text.indexOf(`${close}'`, i + 3);
      i = end === -1 ? text.length : end + 2;
    } else if (ch === "'") {
      let j = i + 1;
      while (j < text.length && !(text[j] === "'" && text[j + 1] !== "'")) j += text[j] === "'" ? 2 : 1;
      i = j + 1;
    } else if (ch === ":" && next !== "=" && /[A-Za-z]/.test(next ?? "")) {
      const match = /^[A-Za-z][A-Za-z0-9_$#]*/.exec(text.slice(i + 1));
      const name = (match?.[0] ?? "").toLowerCase();
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
      i += 1 + name.length;
    } else {
      i++;
    }
  }
  return names;
}

/** An argument of an ORDS call: `p_issuer => :profile_issuer`. */
export interface CallArgument {
  readonly name: string;
  /** The expression as written: a bind (`:x`), a local (`l_roles`, `l_names(i)`) or a package constant. */
  readonly expression: string;
}

/** One call of an ORDS package procedure as written in a section. */
export interface OrdsCall {
  /** `ORDS_SECURITY.CREATE_JWT_PROFILE` */
  readonly procedure: string;
  readonly arguments: readonly CallArgument[];
  /** `true` when the call sits in a loop over a list (one call per element). */
  readonly perElement: boolean;
  /** Positional arguments, if any were written (the static test refuses them). */
  readonly positional: readonly string[];
}

export const ORDS_PACKAGES = [
  "ords",
  "ords_admin",
  "ords_security",
  "ords_security_admin",
  "oauth",
  "oauth_admin",
] as const;
const CALL = new RegExp(`\\b(${ORDS_PACKAGES.join("|")})\\.([a-z_]+)\\s*(\\(([^;]*?)\\))?\\s*;`, "gi");

/** Package constants such as `ords.source_type_query_one_row` are allowed as arguments; they are not calls. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

/** The ORDS calls in a piece of PL/SQL, in order. Comments are removed first. */
export function ordsCalls(text: string): OrdsCall[] {
  const code = text.replace(/--[^\n]*/g, "");
  const calls: OrdsCall[] = [];
  for (const match of code.matchAll(CALL)) {
    const args = match[4] === undefined ? [] : splitArguments(match[4]);
    const named = args.flatMap((arg) => {
      const parts = /^(p_[a-z_]+)\s*=>\s*([\s\S]+)$/i.exec(arg);
      return parts ? [{ name: (parts[1] as string).toLowerCase(), expression: (parts[2] as string).trim() }] : [];
    });
    calls.push({
      procedure: `${(match[1] as string).toUpperCase()}.${(match[2] as string).toUpperCase()}`,
      arguments: named,
      // Inside `for i in 1 .. l_names.count loop`, the list element is written `l_names(i)`.
      perElement: named.some((arg) => /^l_[a-z_]+\(i\)$/i.test(arg.expression)),
      positional: args.filter((arg) => !/^p_[a-z_]+\s*=>/i.test(arg)),
    });
  }
  return calls;
}

/** `fill(:privilege_roles, l_roles)` lines: which bind fills which owa.vc_arr local. */
export function listFills(text: string): Map<string, string> {
  const fills = new Map<string, string>();
  for (const match of text.matchAll(/\bfill\(\s*:([a-z_]+)\s*,\s*(l_[a-z_]+)\s*\)/gi)) {
    fills.set((match[2] as string).toLowerCase(), (match[1] as string).toLowerCase());
  }
  return fills;
}
