// A corpus of hostile environment files: each ends in a refusal naming file, JSON path and fix, or a documented
// acceptance. No case may crash, hang, or put a secret or a raw control character into the message.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Environment, loadEnvironments } from "../src/config/load";
import { isKitError } from "../src/errors";
import { entraExampleJson, exampleJson } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const SECRET = sentinelSecret("password");
/** Raw controls a terminal would act on; a message may hold newlines between problems, nothing else. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

type Json = Record<string, any>;

interface Case {
  readonly name: string;
  /** Files to write: name → contents (a string is written as is; anything else as JSON). */
  readonly files?: () => Record<string, unknown>;
  /** Extra set-up in the directory (FIFOs, symlinks, directories). */
  readonly setup?: (dir: string) => void;
  /** Refused: the file, the JSON path ("" for the whole file) and a pattern the message must match. */
  readonly refused?: { readonly file: string; readonly path: string; readonly message: RegExp };
  /** Accepted, with a check of what was read. */
  readonly accepted?: (environments: Environment[]) => void;
}

/** The example environment with one change. */
function example(mutate: (json: Json) => void): () => Record<string, unknown> {
  return () => {
    const json = exampleJson();
    mutate(json);
    return { "dev.json": json };
  };
}

function entra(mutate: (json: Json) => void): () => Record<string, unknown> {
  return () => {
    const json = entraExampleJson();
    mutate(json);
    return { "dev.json": json };
  };
}

/** The example's text with `from` replaced by `to` (for cases JSON.stringify cannot produce). */
function exampleText(from: string | RegExp, to: string): () => Record<string, unknown> {
  return () => {
    const text = JSON.stringify(exampleJson(), null, 2);
    const changed = text.replace(from, to);
    if (changed === text) throw new Error(`corpus case does not apply: ${String(from)}`);
    return { "dev.json": changed };
  };
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const app = "identityProvider.app";
const domain = "identityProvider.domain";

const CASES: Case[] = [
  // Terraform templates: accepted, and synthesized as literals (test/terraform-literal.test.ts runs terraform on them).
  {
    name: "a ${file()} template in a display name",
    files: example((j) => (j.identityProvider.app.displayName = '${file("/etc/hostname")}')),
    accepted: ([e]) => expect(JSON.stringify(e.settings)).toContain("${file("),
  },
  {
    name: "a %{ } directive in a description",
    files: example((j) => (j.identityProvider.domain.description = "%{ if true }x%{ endif }")),
    accepted: ([e]) => expect(JSON.stringify(e.settings)).toContain("%{ if true }"),
  },
  {
    name: "a template in the audience",
    files: example((j) => (j.identityProvider.app.primaryAudience = "${var.x}/")),
    accepted: ([e]) => expect(JSON.stringify(e.settings)).toContain("${var.x}/"),
  },
  {
    name: "a byte-order mark before the JSON",
    files: () => ({ "dev.json": `\ufeff${JSON.stringify(exampleJson())}` }),
    accepted: (environments) => expect(environments).toHaveLength(1),
  },
  {
    name: "non-ASCII text in a display name",
    files: example((j) => (j.identityProvider.app.displayName = "Zürich API 東京 ✓")),
    accepted: (environments) => expect(environments).toHaveLength(1),
  },
  {
    name: "a file that is not JSON (a dotfile or README) next to the environments",
    files: () => ({ "dev.json": exampleJson(), "README.md": "not json", ".dev.json.swp": "\u0000" }),
    accepted: (environments) => expect(environments.map((e) => e.name)).toEqual(["dev"]),
  },
  // Terminal escapes and invisible characters in free text.
  ...(
    [
      ["ESC (CSI colour)", "\u001b[31mred"],
      ["an OSC title sequence", "\u001b]0;pwned\u0007"],
      ["a C1 CSI", "a\u009b31mb"],
      ["a bidi override", "abc\u202edcba"],
      ["a bidi isolate", "a\u2066b\u2069"],
      ["a zero-width space", "a\u200bb"],
      ["a newline", "line one\nline two"],
      ["a tab", "a\tb"],
      ["NUL", "a\u0000b"],
      ["DEL", "a\u007fb"],
      ["a line separator", "a\u2028b"],
    ] as const
  ).map(
    ([what, value]): Case => ({
      name: `${what} in the app display name`,
      files: example((j) => (j.identityProvider.app.displayName = value)),
      refused: { file: "dev.json", path: `${app}.displayName`, message: /visible text/ },
    }),
  ),
  {
    name: "ESC in the domain description",
    files: example((j) => (j.identityProvider.domain.description = "x\u001b[2Jy")),
    refused: { file: "dev.json", path: `${domain}.description`, message: /visible text/ },
  },
  {
    name: "a C1 control in a scope description",
    files: example((j) => (j.identityProvider.app.scopes[0].description = "x\u0085y")),
    refused: { file: "dev.json", path: `${app}.scopes[0].description`, message: /visible text/ },
  },
  {
    name: "a bidi override in the ORDS privilege label",
    files: example((j) => (j.ords.privilege.label = "x\u202ey")),
    refused: { file: "dev.json", path: "ords.privilege.label", message: /visible text/ },
  },
  {
    name: "ESC in an Entra display name",
    files: entra((j) => (j.identityProvider.displayName = "\u001b[5mblink")),
    refused: { file: "dev.json", path: "identityProvider.displayName", message: /visible text/ },
  },
  {
    name: "ESC in the config file profile",
    files: example((j) => (j.identityProvider.provider.configFileProfile = "DEFAULT\u001b[0m")),
    refused: { file: "dev.json", path: "identityProvider.provider.configFileProfile", message: /visible text/ },
  },
  {
    name: "ESC in the issuer URL",
    files: example((j) => (j.identityProvider.issuer = "https://identity.oraclecloud.com/\u001b[31m")),
    refused: { file: "dev.json", path: "identityProvider.issuer", message: /control characters/ },
  },
  {
    name: "a space in a redirect URI",
    files: example((j) => (j.identityProvider.app.redirectUris = ["https://example.com/a b"])),
    refused: { file: "dev.json", path: `${app}.redirectUris[0]`, message: /whitespace/ },
  },
  {
    name: "ESC in the $schema string",
    files: example((j) => (j.$schema = "x\u001by")),
    refused: { file: "dev.json", path: "$schema", message: /visible text/ },
  },
  // The audience travels inside the space-separated scope parameter.
  ...(
    [
      ["a space", "ords api/"],
      ["a newline", "ords\napi/"],
      ["NUL", "ords\u0000api/"],
      ["a tab", "ords\tapi/"],
    ] as const
  ).map(
    ([what, value]): Case => ({
      name: `${what} in the primary audience`,
      files: example((j) => (j.identityProvider.app.primaryAudience = value)),
      refused: { file: "dev.json", path: `${app}.primaryAudience`, message: /whitespace|visible text/ },
    }),
  ),
  // Length limits.
  {
    name: "a 1 MB display name",
    files: example((j) => (j.identityProvider.app.displayName = "x".repeat(1_000_000))),
    refused: { file: "dev.json", path: `${app}.displayName`, message: /longer than 255 characters/ },
  },
  {
    name: "a 256-character domain display name",
    files: example((j) => (j.identityProvider.domain.displayName = "d".repeat(256))),
    refused: { file: "dev.json", path: `${domain}.displayName`, message: /longer than 255/ },
  },
  {
    name: "a 1001-character scope description",
    files: example((j) => (j.identityProvider.app.scopes[0].description = "d".repeat(1001))),
    refused: { file: "dev.json", path: `${app}.scopes[0].description`, message: /longer than 1000/ },
  },
  {
    name: "a 3000-character issuer",
    files: example((j) => (j.identityProvider.issuer = `https://a.example/${"p".repeat(3000)}`)),
    refused: { file: "dev.json", path: "identityProvider.issuer", message: /longer than 2000/ },
  },
  {
    name: "a whitespace-only display name",
    files: example((j) => (j.identityProvider.app.displayName = "   ")),
    refused: { file: "dev.json", path: `${app}.displayName`, message: /must not be empty/ },
  },
  // Duplicate keys: the last one must never silently win.
  {
    name: "two protected keys",
    files: () => ({ "dev.json": JSON.stringify(exampleJson()).replace("{", '{"protected": true, ') }),
    refused: { file: "dev.json", path: "protected", message: /duplicate key \(also at line 1, column 2\)/ },
  },
  {
    name: "two user keys in ords",
    files: exampleText('"user": "HR",', '"user": "HR",\n    "user": "SYSTEM",'),
    refused: { file: "dev.json", path: "ords.user", message: /duplicate key \(also at line \d+, column 5\)/ },
  },
  {
    name: "the same key spelled once with a \\u escape",
    files: exampleText('"protected": false,', '"protected": false,\n  "prot\\u0065cted": true,'),
    refused: { file: "dev.json", path: "protected", message: /duplicate key/ },
  },
  {
    name: "two value keys in a scope",
    files: exampleText('"value": "demo.read"', '"value": "demo.read", "value": "demo.write"'),
    refused: { file: "dev.json", path: `${app}.scopes[0].value`, message: /duplicate key/ },
  },
  // Syntax errors: line and column, never the text around them.
  {
    name: "a syntax error right after a password-like value",
    files: () => ({ "dev.json": `{\n  "protected": false,\n  "note": "${SECRET}" oops\n}` }),
    refused: { file: "dev.json", path: "", message: /line 3, column \d+: expected "," or "}"/ },
  },
  {
    name: "a trailing comma",
    files: () => ({ "dev.json": '{"protected": false,}' }),
    refused: { file: "dev.json", path: "", message: /line 1, column 21: expected a key/ },
  },
  {
    name: "an unterminated string",
    files: () => ({ "dev.json": `{"a": "${SECRET}` }),
    refused: { file: "dev.json", path: "", message: /line 1, column 7: a string is not closed/ },
  },
  {
    name: "single quotes",
    files: () => ({ "dev.json": "{'protected': false}" }),
    refused: { file: "dev.json", path: "", message: /expected a key in double quotes/ },
  },
  {
    name: "a comment",
    files: () => ({ "dev.json": "// dev\n{}" }),
    refused: { file: "dev.json", path: "", message: /line 1, column 1: expected a value/ },
  },
  {
    name: "an empty file",
    files: () => ({ "dev.json": "" }),
    refused: { file: "dev.json", path: "", message: /expected a value, found the end of the file/ },
  },
  {
    name: "a raw newline inside a string",
    files: () => ({ "dev.json": '{"a": "x\ny"}' }),
    refused: { file: "dev.json", path: "", message: /control character/ },
  },
  {
    name: "an invalid escape",
    files: () => ({ "dev.json": '{"a": "\\x41"}' }),
    refused: { file: "dev.json", path: "", message: /invalid escape/ },
  },
  {
    name: "two documents in one file",
    files: () => ({ "dev.json": "{} {}" }),
    refused: { file: "dev.json", path: "", message: /after the document/ },
  },
  {
    name: "NaN as a number",
    files: () => ({ "dev.json": '{"protected": NaN}' }),
    refused: { file: "dev.json", path: "", message: /expected a value/ },
  },
  // Not an object, or objects the schema does not know.
  {
    name: "null as the document",
    files: () => ({ "dev.json": "null" }),
    refused: { file: "dev.json", path: "", message: /must be an object, not null/ },
  },
  {
    name: "an array as the document",
    files: () => ({ "dev.json": "[1, 2]" }),
    refused: { file: "dev.json", path: "", message: /must be an object, not an array/ },
  },
  {
    name: "a __proto__ key",
    files: exampleText('"protected": false,', '"protected": false,\n  "__proto__": {"protected": true},'),
    refused: { file: "dev.json", path: "", message: /unknown key "__proto__"/ },
  },
  {
    name: "an unknown key holding ESC",
    files: example((j) => (j["x\u001b[31my"] = 1)),
    refused: { file: "dev.json", path: "", message: /unknown key "x\\x1b\[31my"/ },
  },
  {
    name: "an unknown key 10,000 characters long",
    files: example((j) => (j["k".repeat(10_000)] = 1)),
    refused: { file: "dev.json", path: "", message: /more characters/ },
  },
  {
    name: "a key differing only in case (User next to user)",
    files: example((j) => (j.ords.User = "SYSTEM")),
    refused: { file: "dev.json", path: "ords", message: /unknown key "User"/ },
  },
  // Wrong types: described, never echoed.
  {
    name: "a password typed into a boolean field",
    files: example((j) => (j.protected = SECRET)),
    refused: { file: "dev.json", path: "protected", message: /must be a boolean, not a string \(\d+ characters\)/ },
  },
  {
    name: "a 1 MB string in a number field",
    files: example((j) => (j.identityProvider.app.accessTokenExpirySeconds = "9".repeat(1_000_000))),
    refused: { file: "dev.json", path: `${app}.accessTokenExpirySeconds`, message: /not a string \(1000000 char/ },
  },
  {
    name: "an object where a string belongs",
    files: example((j) => (j.identityProvider.app.displayName = { password: SECRET })),
    refused: { file: "dev.json", path: `${app}.displayName`, message: /not an object/ },
  },
  {
    name: "a number too large for a double",
    files: exampleText('"accessTokenExpirySeconds": 3600', '"accessTokenExpirySeconds": 1e400'),
    refused: { file: "dev.json", path: `${app}.accessTokenExpirySeconds`, message: /.+/ },
  },
  {
    name: "a fraction where whole seconds belong",
    files: example((j) => (j.ords.readinessTimeoutSeconds = 1.5)),
    refused: { file: "dev.json", path: "ords.readinessTimeoutSeconds", message: /whole number/ },
  },
  {
    name: "a readiness timeout of a billion seconds",
    files: example((j) => (j.ords.readinessTimeoutSeconds = 1e9)),
    refused: { file: "dev.json", path: "ords.readinessTimeoutSeconds", message: /at most 3600/ },
  },
  // Secrets in the file.
  {
    name: "a dbPassword key",
    files: example((j) => (j.ords.dbPassword = SECRET)),
    refused: { file: "dev.json", path: "ords.dbPassword", message: /secrets never live in environment files/ },
  },
  {
    name: "a client secret deep inside an array",
    files: example((j) => (j.identityProvider.app.scopes[0].extra = [{ client_secret: SECRET }])),
    refused: {
      file: "dev.json",
      path: `${app}.scopes[0].extra[0].client_secret`,
      message: /secrets never live/,
    },
  },
  // Nesting.
  {
    name: "2,000 levels of nesting",
    files: () => ({ "dev.json": `{"protected": ${nested(2000)}}` }),
    refused: { file: "dev.json", path: `protected${"[0]".repeat(63)}`, message: /deeper than 64 levels/ },
  },
  {
    name: "100,000 levels of nesting",
    files: () => ({ "dev.json": nested(100_000) }),
    refused: { file: "dev.json", path: "[0]".repeat(64), message: /deeper than 64 levels/ },
  },
  // Names, identifiers and values that become ORDS names.
  {
    name: "a scope value holding a template",
    files: example((j) => (j.identityProvider.app.scopes[0].value = "${x}")),
    refused: { file: "dev.json", path: `${app}.scopes[0].value`, message: /can only hold/ },
  },
  {
    name: "a schema holding SQL",
    files: example((j) => (j.ords.schema = "HR;DROP USER HR")),
    refused: { file: "dev.json", path: "ords.schema", message: /unquoted Oracle identifier/ },
  },
  {
    name: "a module name with a quote",
    files: example((j) => (j.ords.privilege.modules = ["a'b"])),
    refused: { file: "dev.json", path: "ords.privilege.modules[0]", message: /module name can only hold/ },
  },
  {
    name: "a javascript: redirect URI",
    files: example((j) => (j.identityProvider.app.redirectUris = ["javascript:alert(1)"])),
    refused: { file: "dev.json", path: `${app}.redirectUris[0]`, message: /https/ },
  },
  // The file itself.
  {
    name: "invalid UTF-8",
    files: () => ({ "dev.json": Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    refused: { file: "dev.json", path: "", message: /is not UTF-8 text/ },
  },
  {
    name: "a file over 1 MiB",
    files: () => ({ "dev.json": `${" ".repeat(1024 * 1024)}{}` }),
    refused: { file: "dev.json", path: "", message: /larger than 1048576 bytes/ },
  },
  {
    name: "a FIFO named like an environment file",
    setup: (dir) => execFileSync("mkfifo", [join(dir, "dev.json")]),
    refused: { file: "dev.json", path: "", message: /is a FIFO/ },
  },
  {
    name: "a symlink to /dev/zero",
    setup: (dir) => symlinkSync("/dev/zero", join(dir, "dev.json")),
    refused: { file: "dev.json", path: "", message: /is a character device/ },
  },
  {
    name: "a directory named like an environment file",
    setup: (dir) => mkdirSync(join(dir, "dev.json")),
    refused: { file: "dev.json", path: "", message: /is a directory/ },
  },
  {
    name: "a dangling symlink",
    setup: (dir) => symlinkSync(join(dir, "missing"), join(dir, "dev.json")),
    refused: { file: "dev.json", path: "", message: /cannot be read \(ENOENT\)/ },
  },
  {
    name: "two names that differ only in case",
    files: () => ({ "Dev.json": exampleJson(), "dev.json": exampleJson() }),
    refused: { file: "dev.json", path: "", message: /differs from .*Dev\.json only in letter case/ },
  },
  {
    name: "a file name holding ESC",
    files: () => ({ "x\u001b[31m.json": exampleJson() }),
    refused: { file: "x\\x1b[31m.json", path: "", message: /is not a safe stack id/ },
  },
  {
    name: "a file name holding a space",
    files: () => ({ "my env.json": exampleJson() }),
    refused: { file: "my env.json", path: "", message: /is not a safe stack id/ },
  },
];

describe("hostile environment files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hostile-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("the corpus holds at least 60 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_, corpusCase) => {
    for (const [name, content] of Object.entries(corpusCase.files?.() ?? {})) {
      writeFileSync(
        join(dir, name),
        typeof content === "string" || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2),
      );
    }
    corpusCase.setup?.(dir);
    let environments: Environment[] | undefined;
    let error: unknown;
    try {
      environments = loadEnvironments({ dir });
    } catch (caught) {
      error = caught;
    }
    if (corpusCase.accepted !== undefined) {
      expect(error).toBeUndefined();
      corpusCase.accepted(environments ?? []);
      return;
    }
    const refused = corpusCase.refused;
    if (refused === undefined) throw new Error("a corpus case is either accepted or refused");
    if (!isKitError(error, "CONFIG_INVALID")) throw error;
    expect(error.fix).toBeTruthy();
    const lines = error.message.split("\n").slice(1);
    const where = refused.path === "" ? "" : `: ${refused.path}`;
    const prefix = `${relative(process.cwd(), join(dir, refused.file))}${where}: `;
    const line = lines.find((candidate) => candidate.startsWith(prefix));
    if (line === undefined) throw new Error(`no problem at ${prefix}\n${error.message.slice(0, 2000)}`);
    expect(line.slice(prefix.length)).toMatch(refused.message);
    expect(error.message).not.toMatch(RAW_CONTROL);
    expect(error.message).not.toContain(SECRET);
    expect(error.message.length).toBeLessThan(5000);
  });
});
