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

/** Stack ids end up in file names, Terraform state keys and resource names. */
const SAFE_ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

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
  return new KitError("CONFIG_INVALID", `Invalid environment configuration (${count}):\n${formatProblems(problems)}`, {
    fix: "Correct the fields named above; nothing was synthesized or deployed.",
    details: { problems },
  });
}

/** zod's names for expected types, as a sentence says them. */
const EXPECTED: Readonly<Record<string, string>> = { object: "an object", array: "an array", int: "a whole number" };

function describeZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `is required (expected ${issue.expected}); add it`
        : `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, not ${describeValue(issue.input)}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${visible(k, 60)}"`).join(", ")}: remove or fix the spelling (unknown keys are errors)`;
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
      message: `environment name "${visible(name, 80)}" is not a safe stack id: rename the file to start with a letter and use only letters, digits, "-" and "_" (at most 63 characters)`,
    });
  }
  const secretPaths = findSecretKeys(json);
  for (const path of secretPaths) problems.push({ file, path: formatPath(path), message: SECRET_SOURCES });

  // The rest of the file is still checked, so every problem shows at once; secret values never reach zod.
  // reportInput lets a message tell a wrong value from a missing one.
  const parsed = environmentSchema.safeParse(withoutPaths(json, secretPaths), { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ file, path: formatPath(issue.path), message: describeZodIssue(issue) });
    }
  }
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
    json = parseStrictJson(text);
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

function readEnvironmentFile(file: string): { environment?: Environment; problems: ConfigProblem[] } {
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
        message: `its name differs from ${other} only in letter case: on a case-insensitive file system they are one file; rename one of them`,
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
      // ORDS keeps one JWT profile per REST-enabled schema (facts.md §2): two environments would overwrite each other's.
      const schema = (ords.schema ?? ords.user).toUpperCase();
      const key = `${ords.connectString.toLowerCase()}|${schema}`;
      const other = bySchema.get(key);
      if (other !== undefined) {
        problems.push({
          file: environment.file,
          path: "ords.schema",
          message: `schema ${schema} at ${visible(ords.connectString, 200)} is also configured by ${other.file}: ORDS keeps one JWT profile per schema, so the two environments would replace each other's profile; give each its own schema`,
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
        message: `"${domain.displayName}" is also created by ${other.file}: give each environment its own domain display name, or reuse the domain with mode "existing"`,
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
  /** Load only these environment names (all files are still checked for cross-file clashes). */
  readonly only?: readonly string[];
}

/** Loads every environment file in the directory; throws one CONFIG_INVALID error listing all problems. */
export function loadEnvironments(options: LoadOptions = {}): Environment[] {
  const dir = options.dir ?? DEFAULT_ENVIRONMENTS_DIR;
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((entry) => entry.endsWith(".json"))
      .sort();
  } catch {
    throw new KitError("CONFIG_NOT_FOUND", `No environments directory at ${dir}`, {
      fix: "Run from the project root, or copy environments/example.json to environments/<name>.json.",
    });
  }
  const display = (file: string) => relative(process.cwd(), join(dir, file)) || file;
  const results = files.map((file) => readEnvironmentFile(display(file)));
  const environments = results.flatMap((result) => (result.environment ? [result.environment] : []));
  const problems = [
    ...caseCollisions(files.map(display)),
    ...results.flatMap((result) => result.problems),
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
        fix: `Create ${missing.map((name) => join(dir, `${name}.json`)).join(", ")} (copy example.json), or pick one of: ${environments.map((e) => e.name).join(", ")}.`,
      },
    );
  }
  return environments.filter((environment) => options.only?.includes(environment.name));
}
