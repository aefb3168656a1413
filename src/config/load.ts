// Reads environment files into typed, validated environments; collects every problem before failing.
// It never reads secrets: a secret-looking key in a file is an error that says where the value comes from.
import { readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { z } from "zod";
import { KitError } from "../errors";
import { visible } from "../terminal-safe";
import { FileReadProblem, readRegularTextFile } from "./regular-file";
import { type EnvironmentSettings, environmentSchema } from "./schema";
import { JsonSyntaxProblem, parseStrictJson } from "./strict-json";
import { closestKey, keysAt } from "./suggest";

export interface Environment {
  /** The file name without `.json`; also the cdktf stack id. */
  readonly name: string;
  readonly file: string;
  readonly settings: EnvironmentSettings;
}

export interface ConfigProblem {
  readonly file: string;
  /** JSON path such as `identityProvider.app.scopes[1].value`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export const DEFAULT_ENVIRONMENTS_DIR = "environments";

/**
 * The examples live in `<environments dir>/examples/`: they are not environments (nothing deploys them by accident,
 * and their names never clash with a copy), `init` copies them, and `plan` shows them while the user has none.
 */
export const EXAMPLES_SUBDIR = "examples";

export function examplesDirOf(dir: string = DEFAULT_ENVIRONMENTS_DIR): string {
  return join(dir, EXAMPLES_SUBDIR);
}

/** Stack ids end up in file names, Terraform state keys and resource names. */
export const SAFE_ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** Keys that would hold a secret, compared without case, `_` or `-`. */
const SECRET_KEY = /(secret|password|passwd|pwd|privatekey|apikey|token)$/;
const SECRET_KEY_ALLOWED = new Set(["accesstokenexpiryseconds"]);
const SECRET_SOURCES =
  "secrets never live in environment files: the client secret is the stack's sensitive output " +
  "(the kit reads it through terraform, or from ORDS_JWT_CLIENT_SECRET), and the database password comes from " +
  "ORDS_DB_PASSWORD or an interactive prompt. Remove this key";

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`))
    .join("");
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  // File names and key names come from the file system and the file: shown with their controls escaped.
  return problems
    .map((p) => `${visible(p.file, 300)}${p.path === "" ? "" : `: ${visible(p.path, 300)}`}: ${p.message}`)
    .join("\n");
}

function configError(problems: readonly ConfigProblem[]): KitError {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const namesFields = problems.some((problem) => problem.path !== "");
  return new KitError("CONFIG_INVALID", `Invalid environment configuration (${count}):\n${formatProblems(problems)}`, {
    fix:
      `${namesFields ? "Correct the fields named above" : "Correct the files named above"}; nothing was ` +
      "synthesized or deployed.",
    details: { problems },
  });
}

/** "a string", "an array", "an object": the article by the sound of the type name. */
function withArticle(type: string): string {
  // zod says "int" where a sentence says "a whole number".
  if (type === "int") return "a whole number";
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** What a union accepts, from each option's first type complaint: "a boolean or an object". */
function unionExpectation(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  const expected = issue.errors.map((errors) => errors.find((error) => error.code === "invalid_type"));
  if (expected.some((error) => error === undefined)) return undefined;
  const types = [...new Set(expected.map((error) => withArticle(String((error as { expected: string }).expected))))];
  return types.length < 2 ? types[0] : `${types.slice(0, -1).join(", ")} or ${types.at(-1)}`;
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `is required (expected ${issue.expected}); add it`
        : `must be ${withArticle(issue.expected)}, not ${describeValue(issue.input)}`;
    case "invalid_union": {
      // A union whose options all failed on the type says what it accepts instead of zod's "Invalid input".
      const expectation = unionExpectation(issue);
      return expectation === undefined || issue.input === undefined
        ? issue.message
        : `must be ${expectation}, not ${describeValue(issue.input)}`;
    }
    case "unrecognized_keys":
      return (
        `unknown key${issue.keys.length > 1 ? "s" : ""} ` +
        (`${issue.keys.map((k) => `"${visible(k, 60)}"`).join(", ")}: remove or fix the spelling (unknown keys are ` +
          "errors)")
      );
    case "invalid_value":
      return issue.message.startsWith("Invalid")
        ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
        : issue.message;
    default:
      return issue.message;
  }
}

/**
 * The kind of a wrong value, never the value: it may be a password typed into the wrong field, or a megabyte of text.
 */
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `a string (${value.length} characters)`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Secret-looking keys anywhere in the tree; an explicit stack, so no nesting depth can overflow the call stack. */
function findSecretKeys(root: unknown): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) stack.push({ value: item, path: [...path, index] });
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        const normalized = key.toLowerCase().replace(/[-_]/g, "");
        if (SECRET_KEY.test(normalized) && !SECRET_KEY_ALLOWED.has(normalized)) found.push([...path, key]);
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return found.sort((a, b) => formatPath(a).localeCompare(formatPath(b)));
}

/** A copy of `json` without the values at `paths` (the secret keys, already reported). */
function withoutPaths(json: unknown, paths: readonly PropertyKey[][]): unknown {
  if (paths.length === 0) return json;
  const copy = structuredClone(json) as Record<PropertyKey, unknown>;
  for (const path of paths) {
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key], copy);
    delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1] as PropertyKey];
  }
  return copy;
}

/**
 * One problem per issue, with "did you mean" for a misspelt key: the unknown key names the key it resembles, and
 * the "is required" of that key is dropped, since both say the same thing.
 */
function issueProblems(file: string, json: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const explained = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const present = Object.keys(valueAtPath(json, issue.path) ?? {});
    const candidates = keysAt(environmentSchema, issue.path).filter((key) => !present.includes(key));
    for (const key of issue.keys) {
      const suggestion = closestKey(key, candidates);
      const path = formatPath(issue.path);
      if (suggestion === undefined) {
        problems.push({ file, path, message: describeZodIssue({ ...issue, keys: [key] }) });
        continue;
      }
      explained.add(formatPath([...issue.path, suggestion]));
      problems.push({ file, path, message: `unknown key "${key}": did you mean "${suggestion}"?` });
    }
  }
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") continue;
    const path = formatPath(issue.path);
    if (issue.code === "invalid_type" && issue.input === undefined && explained.has(path)) continue;
    problems.push({ file, path, message: describeZodIssue(issue) });
  }
  return problems;
}

function valueAtPath(json: unknown, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  const value = path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    json,
  );
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Validates already-parsed JSON; `file` is used in messages only. */
export function parseEnvironment(
  name: string,
  file: string,
  json: unknown,
): { environment?: Environment; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  if (!SAFE_ENVIRONMENT_NAME.test(name)) {
    problems.push({
      file,
      path: "",
      message:
        `environment name "${visible(name, 80)}" is not a safe stack id: rename the file to start with a ` +
        `letter and use only letters, digits, "-" and "_" (at most 63 characters)`,
    });
  }
  const secretPaths = findSecretKeys(json);
  for (const path of secretPaths) problems.push({ file, path: formatPath(path), message: SECRET_SOURCES });

  // The rest of the file is still checked, so every problem shows at once; secret values never reach zod.
  // reportInput lets a message tell a wrong value from a missing one.
  const parsed = environmentSchema.safeParse(withoutPaths(json, secretPaths), { reportInput: true });
  if (!parsed.success) problems.push(...issueProblems(file, json, parsed.error.issues));
  if (problems.length > 0 || !parsed.success) return { problems };
  return { environment: { name, file, settings: parsed.data }, problems };
}

/** Environment files are a few KiB; the cap keeps a wrong file (or /dev/zero) from filling memory. */
export const ENVIRONMENT_FILE_MAX_BYTES = 1024 * 1024;

/** Parses an environment file's text; syntax problems give line and column, never the text around them. */
export function parseEnvironmentText(
  name: string,
  file: string,
  text: string,
): { environment?: Environment; problems: ConfigProblem[] } {
  let json: unknown;
  try {
    // An editor's UTF-8 byte order mark is not JSON, but it is not a mistake either.
    json = parseStrictJson(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    if (!(error instanceof JsonSyntaxProblem)) throw error;
    const { line, column } = error.location;
    return {
      problems: [
        {
          file,
          path: formatPath(error.path),
          message: `is not valid JSON at line ${line}, column ${column}: ${error.message}`,
        },
      ],
    };
  }
  return parseEnvironment(name, file, json);
}

export function readEnvironmentFile(file: string): { environment?: Environment; problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readRegularTextFile(file, ENVIRONMENT_FILE_MAX_BYTES, "an environment file");
  } catch (error) {
    if (!(error instanceof FileReadProblem)) throw error;
    return { problems: [{ file, path: "", message: `${error.message}; fix or remove the file` }] };
  }
  return parseEnvironmentText(basename(file, ".json"), file, text);
}

/**
 * `Dev.json` and `dev.json` are two environments here but one file on a case-insensitive file system (macOS,
 * Windows), where one would silently replace the other, and their state files would collide the same way.
 */
function caseCollisions(files: readonly string[]): ConfigProblem[] {
  const byFolded = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    const folded = basename(file, ".json").toLowerCase();
    const other = byFolded.get(folded);
    if (other === undefined) byFolded.set(folded, file);
    else
      problems.push({
        file,
        path: "",
        message:
          `its name differs from ${other} only in letter case: on a case-insensitive file system they are one ` +
          "file; rename one of them",
      });
  }
  return problems;
}

/** Rules that only show when several environments are read together. */
export function crossEnvironmentProblems(environments: readonly Environment[]): ConfigProblem[] {
  const byDomainName = new Map<string, Environment>();
  const bySchema = new Map<string, Environment>();
  const problems: ConfigProblem[] = [];
  for (const environment of environments) {
    const ords = environment.settings.ords;
    if (ords !== undefined) {
      // ORDS keeps one JWT profile per REST-enabled schema (facts.md §2): two environments would overwrite each
      // other's.
      const schema = (ords.schema ?? ords.user).toUpperCase();
      const key = `${ords.connectString.toLowerCase()}|${schema}`;
      const other = bySchema.get(key);
      if (other !== undefined) {
        problems.push({
          file: environment.file,
          path: "ords.schema",
          message:
            `schema ${schema} at ${visible(ords.connectString, 200)} is also configured by ${other.file}: ` +
            ("ORDS keeps one JWT profile per schema, so the two environments would replace each other's " +
              "profile; give " +
              "each its own schema"),
        });
      } else {
        bySchema.set(key, environment);
      }
    }
    const idp = environment.settings.identityProvider;
    if (idp.type !== "oci") continue;
    const domain = idp.domain;
    if (domain.mode !== "create" || domain.displayName === undefined) continue;
    const other = byDomainName.get(domain.displayName);
    if (other !== undefined) {
      problems.push({
        file: environment.file,
        path: "identityProvider.domain.displayName",
        message:
          `"${domain.displayName}" is also created by ${other.file}: give each environment its own domain ` +
          `display name, or reuse the domain with mode "existing"`,
      });
    } else {
      byDomainName.set(domain.displayName, environment);
    }
  }
  return problems;
}

export interface LoadOptions {
  /** Directory of `<name>.json` files. */
  readonly dir?: string;
  /**
   * Load only these environment names. Other files are still read for cross-file clashes with these, but a problem
   * that lies only in another file (a stray `dev.old.json`) does not block them.
   */
  readonly only?: readonly string[];
}

/** The `<name>.json` files of a directory (only these are environments; subdirectories such as examples/ are not). */
export function environmentFiles(dir: string): string[] {
  try {
    // Every *.json entry counts, whatever its type: a FIFO, a directory or a device must be refused by name when it
    // is read, not skipped in silence.
    return readdirSync(dir)
      .filter((entry) => entry.endsWith(".json"))
      .sort();
  } catch {
    throw new KitError("CONFIG_NOT_FOUND", `No environments directory at ${dir}`, {
      fix: 'Run from the project root (where package.json is), then "npx ords-jwt init dev" to create an environment.',
    });
  }
}

/** Loads every environment file in the directory; throws one CONFIG_INVALID error listing all problems. */
export function loadEnvironments(options: LoadOptions = {}): Environment[] {
  const dir = options.dir ?? DEFAULT_ENVIRONMENTS_DIR;
  const files = environmentFiles(dir);
  if (files.length === 0) {
    throw new KitError(
      "CONFIG_NOT_FOUND",
      `No environment in ${dir}/ yet (only ${dir}/*.json files are environments)`,
      {
        fix:
          `Run "npx ords-jwt init dev" to create ${join(dir, "dev.json")} from an example, then fill in the ` +
          "fields it names.",
      },
    );
  }
  const display = (file: string) => relative(process.cwd(), join(dir, file)) || file;
  const results = files.map((file) => readEnvironmentFile(display(file)));
  const environments = results.flatMap((result) => (result.environment ? [result.environment] : []));
  const selected = (file: string) => options.only === undefined || options.only.includes(basename(file, ".json"));
  const problems = [
    // Two names for one file on a case-insensitive file system endanger both, so they block any selection.
    ...caseCollisions(files.map(display)),
    ...results.flatMap((result) => result.problems).filter((problem) => selected(problem.file)),
    // A clash (one schema, one domain name) endangers both environments, so it blocks whichever is selected.
    ...crossEnvironmentProblems(environments),
  ];
  if (problems.length > 0) throw configError(problems);

  if (options.only === undefined) return environments;
  const missing = options.only.filter((name) => !environments.some((environment) => environment.name === name));
  if (missing.length > 0) {
    throw new KitError(
      "CONFIG_NOT_FOUND",
      `No environment file for ${missing.map((name) => `"${visible(name, 80)}"`).join(", ")} in ${visible(dir, 300)}`,
      {
        fix:
          `Run ${missing.map((name) => `"npx ords-jwt init ${name}"`).join(", ")} to create it from an ` +
          `example${
            environments.length === 0 ? "" : `, or pick one of: ${environments.map((e) => e.name).join(", ")}`
          }.`,
      },
    );
  }
  return environments.filter((environment) => options.only?.includes(environment.name));
}

/**
 * The user's environments, or the examples while the user has none: what `plan` with no names and `cdktf synth`
 * show on a fresh clone. `examples` says which it is.
 */
export function loadEnvironmentsOrExamples(dir: string = DEFAULT_ENVIRONMENTS_DIR): {
  environments: Environment[];
  examples: boolean;
} {
  if (environmentFiles(dir).length > 0) return { environments: loadEnvironments({ dir }), examples: false };
  return { environments: loadEnvironments({ dir: examplesDirOf(dir) }), examples: true };
}
