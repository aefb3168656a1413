// Reads a deployed environment's stack outputs (the names in OUTPUT_NAMES) and resolves the client secret.
// Sources sit behind one small interface so a per-environment outputs file can be added later; nothing is cached on disk.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KitError } from "./errors";
import { neverPrinted, Secret } from "./secret";

/** Output names of the environment stack (stacks/environment-stack.ts writes them); part of the kit's contract. */
export const OUTPUT_NAMES = {
  issuer: "issuer",
  audience: "audience",
  jwkUrl: "jwk_url",
  scopes: "scopes",
  fqs: "fqs",
  privilege: "privilege",
  clientId: "client_id",
  clientSecret: "client_secret",
  tokenUrl: "token_url",
  authorizeUrl: "authorize_url",
  domainUrl: "domain_url",
} as const;

/** Environment variable that overrides the stack's sensitive `client_secret` output. */
export const CLIENT_SECRET_ENV = "ORDS_JWT_CLIENT_SECRET";

/** Default timeout of one `terraform output` run. */
export const DEFAULT_TERRAFORM_TIMEOUT_MS = 30_000;

/** The non-secret outputs the CLI uses, plus the secret wrapped so it cannot be printed by accident. */
export interface StackOutputs {
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
  readonly scopes?: readonly string[];
  readonly fqs?: readonly string[];
  readonly privilege?: string;
  readonly clientId?: string;
  readonly clientSecret?: Secret;
  readonly tokenUrl?: string;
  readonly authorizeUrl?: string;
  readonly domainUrl?: string;
}

/** Where outputs come from: terraform today, a per-environment outputs file later. */
export interface OutputsSource {
  /** Human description for messages, e.g. `terraform output in cdktf.out/stacks/dev`. */
  readonly description: string;
  read(): Promise<StackOutputs>;
}

/** `terraform output -json` shape: { name: { value, sensitive, type } }. */
export function parseTerraformOutputs(json: unknown): StackOutputs {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new KitError("OUTPUTS_UNAVAILABLE", "terraform output -json did not print an object", {
      fix: "Run `terraform output -json` in the stack directory to see what it prints.",
    });
  }
  const raw = json as Record<string, { value?: unknown } | undefined>;
  const text = (name: string): string | undefined => {
    const value = raw[name]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const list = (name: string): string[] | undefined => {
    const value = raw[name]?.value;
    return Array.isArray(value) && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;
  };
  const secret = text(OUTPUT_NAMES.clientSecret);
  return {
    issuer: text(OUTPUT_NAMES.issuer),
    audience: text(OUTPUT_NAMES.audience),
    jwkUrl: text(OUTPUT_NAMES.jwkUrl),
    scopes: list(OUTPUT_NAMES.scopes),
    fqs: list(OUTPUT_NAMES.fqs),
    privilege: text(OUTPUT_NAMES.privilege),
    clientId: text(OUTPUT_NAMES.clientId),
    clientSecret: secret === undefined ? undefined : neverPrinted(new Secret(secret)),
    tokenUrl: text(OUTPUT_NAMES.tokenUrl),
    authorizeUrl: text(OUTPUT_NAMES.authorizeUrl),
    domainUrl: text(OUTPUT_NAMES.domainUrl),
  };
}

export interface TerraformOutputsOptions {
  /** The synthesized stack directory, `<outdir>/stacks/<env>`. */
  readonly stackDir: string;
  /**
   * The terraform binary.
   * @default "terraform"
   */
  readonly terraformBinary?: string;
  /**
   * Kill terraform after this many milliseconds.
   * @default DEFAULT_TERRAFORM_TIMEOUT_MS (30 000)
   */
  readonly timeoutMs?: number;
}

/** The synthesized stack directory of an environment. */
export function stackDirFor(environment: string, outdir = "cdktf.out"): string {
  return join(outdir, "stacks", environment);
}

/** Runs `terraform output -json` in the stack directory; stdout is parsed, never logged (it holds the secret). */
export function terraformOutputsSource(options: TerraformOutputsOptions): OutputsSource {
  const binary = options.terraformBinary ?? "terraform";
  const timeout = options.timeoutMs ?? DEFAULT_TERRAFORM_TIMEOUT_MS;
  const description = `terraform output in ${options.stackDir}`;
  const notDeployed = (why: string, cause?: unknown) =>
    new KitError("OUTPUTS_UNAVAILABLE", `Cannot read the stack outputs (${description}): ${why}`, {
      cause,
      fix:
        "Deploy the environment first (npx cdktf deploy <env>), or pass the values as flags " +
        `(--token-url, --client-id, --jwk-url …) and set ${CLIENT_SECRET_ENV}.`,
      details: { stackDir: options.stackDir },
    });
  return {
    description,
    read: () =>
      new Promise<StackOutputs>((resolve, reject) => {
        if (!existsSync(options.stackDir)) {
          reject(notDeployed("the directory does not exist (the stack was never synthesized here)"));
          return;
        }
        execFile(
          binary,
          ["output", "-json", "-no-color"],
          {
            cwd: options.stackDir,
            timeout,
            maxBuffer: 4 * 1024 * 1024,
            env: { ...process.env, CHECKPOINT_DISABLE: "1" },
            encoding: "utf8",
          },
          (error, stdout, stderr) => {
            if (error) {
              const code = (error as NodeJS.ErrnoException).code;
              if (code === "ENOENT") {
                reject(notDeployed(`no "${binary}" binary on the PATH`, error));
              } else if (error.killed) {
                reject(notDeployed(`terraform did not finish within ${timeout} ms`, error));
              } else if (/terraform init|Backend initialization required/i.test(stderr)) {
                reject(notDeployed("the stack directory is not initialized (never deployed from this machine)", error));
              } else {
                // stderr of `terraform output` names files and errors, never output values.
                const firstError = stderr
                  .split("\n")
                  .find((line) => /Error/.test(line))
                  ?.replace(/[│╷╵]/g, "")
                  .trim();
                reject(notDeployed(firstError ?? `terraform exited with ${String(error.code)}`, error));
              }
              return;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(stdout);
            } catch (cause) {
              reject(notDeployed("terraform output -json printed something that is not JSON", cause));
              return;
            }
            try {
              const outputs = parseTerraformOutputs(parsed);
              if (Object.values(outputs).every((value) => value === undefined)) {
                reject(notDeployed("the state holds no outputs (not deployed yet, or destroyed)"));
                return;
              }
              resolve(outputs);
            } catch (cause) {
              reject(cause);
            }
          },
        );
      }),
  };
}

/** A source that reads nothing; used when every value came from flags or the config. */
export function staticOutputsSource(outputs: StackOutputs, description = "given values"): OutputsSource {
  return { description, read: async () => outputs };
}

/**
 * Reads the source at most once, and only if some value is actually needed: `terraform output` takes
 * about a second, and commands with every value given as flags never pay for it.
 */
export class LazyOutputs {
  #pending: Promise<StackOutputs> | undefined;

  constructor(readonly source: OutputsSource | undefined) {}

  async get(): Promise<StackOutputs> {
    if (this.source === undefined) return {};
    this.#pending ??= this.source.read();
    return this.#pending;
  }

  /** A required output, or OUTPUT_MISSING naming the output and the flag that replaces it. */
  async require<K extends keyof StackOutputs>(key: K, flag: string): Promise<NonNullable<StackOutputs[K]>> {
    if (this.source === undefined) {
      throw new KitError("USAGE_INVALID", `Missing ${flag}: there is no environment to read it from`, {
        fix: `Pass ${flag}, or name an environment.`,
      });
    }
    const outputs = await this.get();
    const value = outputs[key];
    if (value === undefined) {
      throw new KitError(
        "OUTPUT_MISSING",
        `The stack has no "${OUTPUT_NAMES[key]}" output (${this.source.description})`,
        {
          fix: `Deploy the environment (npx cdktf deploy <env>), or pass ${flag}.`,
          details: { output: OUTPUT_NAMES[key] },
        },
      );
    }
    return value as NonNullable<StackOutputs[K]>;
  }
}

/**
 * The client secret: the environment variable wins (explicit, and no terraform run needed),
 * then the stack's sensitive output. It is returned wrapped and never printed.
 */
export async function resolveClientSecret(outputs: LazyOutputs, env: NodeJS.ProcessEnv = process.env): Promise<Secret> {
  const fromEnv = env[CLIENT_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return neverPrinted(new Secret(fromEnv));
  if (outputs.source === undefined) {
    throw new KitError(
      "SECRET_MISSING",
      `No client secret: ${CLIENT_SECRET_ENV} is not set and there is no environment to read it from`,
      {
        fix: `export ${CLIENT_SECRET_ENV}=… (the app's client secret), or name a deployed environment.`,
      },
    );
  }
  let stack: StackOutputs;
  try {
    stack = await outputs.get();
  } catch (error) {
    if (error instanceof KitError) {
      throw new KitError("SECRET_MISSING", `No client secret: ${CLIENT_SECRET_ENV} is not set, and ${error.message}`, {
        cause: error,
        fix: `export ${CLIENT_SECRET_ENV}=… (the app's client secret), or ${error.fix ?? "deploy the environment"}`,
      });
    }
    throw error;
  }
  if (stack.clientSecret === undefined) {
    throw new KitError(
      "SECRET_MISSING",
      `No client secret: ${CLIENT_SECRET_ENV} is not set and the stack has no "client_secret" output`,
      {
        fix: `export ${CLIENT_SECRET_ENV}=…, or deploy the environment so the sensitive output exists.`,
      },
    );
  }
  return stack.clientSecret;
}
