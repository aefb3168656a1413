// Reads a deployed environment's stack outputs (the names in OUTPUT_NAMES) and resolves the client secret: from what
// deploy wrote (state/<env>.outputs.json, the local state file), else through terraform. It writes nothing to disk.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KitError } from "./errors";
import { neverPrinted, Secret } from "./secret";
import { DEFAULT_STATE_DIR, localStateFile, outputsFileFor } from "./state-files";

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

/** Where outputs come from: the deploy's outputs file, the local state file, or terraform. */
export interface OutputsSource {
  /** Human description for messages, e.g. `terraform output in cdktf.out/stacks/dev`. */
  readonly description: string;
  read(): Promise<StackOutputs>;
  /** The client secret, when read() leaves it out (the outputs file never holds it). */
  readSecret?(): Promise<Secret | undefined>;
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
  /** The environment's name, for the fix texts. */
  readonly environment?: string;
  /**
   * Run `terraform init` when the stack directory is not initialized (remote state deployed from elsewhere), and
   * write the stack directory first with this function when it is missing.
   * @default undefined: neither; a missing or uninitialized directory is an error
   */
  readonly prepare?: { readonly synthesize?: () => void };
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
        `Deploy the environment first (npx ords-jwt deploy ${options.environment ?? "<environment>"}), or pass the ` +
        "values as flags " +
        `(--token-url, --client-id, --jwk-url …) and set ${CLIENT_SECRET_ENV}.`,
      details: { stackDir: options.stackDir },
    });
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  // Loaded here, when terraform must run: doctor, token and call read the outputs file and never need it.
  const childProcess = () => require("node:child_process") as typeof import("node:child_process");
  const initialize = () =>
    new Promise<void>((resolve, reject) => {
      childProcess().execFile(
        binary,
        ["init", "-input=false", "-no-color"],
        { cwd: options.stackDir, timeout: 10 * timeout, maxBuffer: 4 * 1024 * 1024, env, encoding: "utf8" },
        (error, _stdout, stderr) => {
          if (error === null) {
            resolve();
            return;
          }
          const firstError = stderr
            .split("\n")
            .find((line) => /Error/.test(line))
            ?.replace(/[│╷╵]/g, "")
            .trim();
          reject(notDeployed(`terraform init failed: ${firstError ?? `exit ${String(error.code)}`}`, error));
        },
      );
    });
  const read = (): Promise<StackOutputs> =>
    readOnce().catch(async (error: unknown) => {
      if (options.prepare === undefined || !(error instanceof KitError) || error.details.uninitialized !== true) {
        throw error;
      }
      await initialize();
      return readOnce();
    });
  const readOnce = () =>
    new Promise<StackOutputs>((resolve, reject) => {
      if (!existsSync(options.stackDir) && options.prepare?.synthesize !== undefined) {
        try {
          options.prepare.synthesize();
        } catch (cause) {
          reject(cause);
          return;
        }
      }
      if (!existsSync(options.stackDir)) {
        reject(notDeployed("the directory does not exist (the stack was never synthesized here)"));
        return;
      }
      childProcess().execFile(
        binary,
        ["output", "-json", "-no-color"],
        {
          cwd: options.stackDir,
          timeout,
          maxBuffer: 4 * 1024 * 1024,
          env,
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
              const uninitialized = notDeployed(
                "the stack directory is not initialized (never deployed from this machine)",
                error,
              );
              reject(
                new KitError(uninitialized.code, uninitialized.message, {
                  cause: error,
                  fix: uninitialized.fix,
                  details: { ...uninitialized.details, uninitialized: true },
                }),
              );
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
    });
  return { description, read };
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

  #secret: Promise<Secret | undefined> | undefined;

  async get(): Promise<StackOutputs> {
    if (this.source === undefined) return {};
    this.#pending ??= this.source.read();
    return this.#pending;
  }

  /** The client secret output: from what get() read, else from the source's secret reader (terraform). */
  async secret(): Promise<Secret | undefined> {
    const outputs = await this.get();
    if (outputs.clientSecret !== undefined) return outputs.clientSecret;
    const source = this.source;
    if (source?.readSecret === undefined) return undefined;
    this.#secret ??= source.readSecret();
    return this.#secret;
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
          fix: `Deploy the environment (npx ords-jwt deploy <environment>), or pass ${flag}.`,
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
  let secret: Secret | undefined;
  try {
    secret = await outputs.secret();
  } catch (error) {
    if (error instanceof KitError) {
      throw new KitError("SECRET_MISSING", `No client secret: ${CLIENT_SECRET_ENV} is not set, and ${error.message}`, {
        cause: error,
        fix: `export ${CLIENT_SECRET_ENV}=… (the app's client secret), or ${error.fix ?? "deploy the environment"}`,
      });
    }
    throw error;
  }
  if (secret === undefined) {
    throw new KitError(
      "SECRET_MISSING",
      `No client secret: ${CLIENT_SECRET_ENV} is not set and the stack has no "client_secret" output`,
      {
        fix: `export ${CLIENT_SECRET_ENV}=…, or deploy the environment so the sensitive output exists.`,
      },
    );
  }
  return secret;
}

export interface DeploymentOptions {
  readonly environment: string;
  /** The environment's `state.backend`. */
  readonly backend: "local" | "oci" | "s3-compatible";
  /** Where deploy keeps local state and the outputs file. @default "state" */
  readonly stateDir?: string;
  /** Where the stacks are synthesized. @default "cdktf.out" */
  readonly outdir?: string;
}

/** Whether an environment is deployed, as far as the files on this machine can tell without terraform. */
export interface Deployment {
  readonly status: "deployed" | "not deployed" | "unknown";
  /** The file that says so, or why it cannot be told. */
  readonly evidence: string;
}

/**
 * A file deploy wrote (the outputs file, the local state). A broken one is named with its fix and never quoted: the
 * state holds the client secret, and V8's JSON errors show the text around the fault.
 */
function readJsonFile(file: string): unknown {
  const unreadable = (why: string, cause: unknown) =>
    new KitError("OUTPUTS_UNAVAILABLE", `Cannot read the stack outputs: ${file} ${why}`, {
      cause,
      fix:
        "It was cut short or edited by hand. Restore it (terraform keeps the previous state in <state file>.backup), " +
        "or deploy again to rewrite the outputs file, or pass the values as flags.",
      details: { file },
    });
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw unreadable(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    throw unreadable(`is not valid JSON${position === undefined ? "" : ` (at character ${position})`}`, undefined);
  }
}

/** Resources a (version 4) state file holds; data sources do not count, since destroy leaves none of them either. */
function managedResourceCount(state: unknown): number {
  const resources = (state as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) return 0;
  return resources.filter((resource) => (resource as { mode?: unknown } | null)?.mode === "managed").length;
}

export function deploymentOf(options: DeploymentOptions): Deployment {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const outputsFile = outputsFileFor(stateDir, options.environment);
  if (options.backend === "local") {
    const stateFile = localStateFile(stateDir, options.environment);
    if (existsSync(stateFile)) {
      let count: number;
      try {
        count = managedResourceCount(readJsonFile(stateFile));
      } catch {
        return { status: "unknown", evidence: `${stateFile} is not readable JSON` };
      }
      return count > 0
        ? { status: "deployed", evidence: `${stateFile} holds ${count} resource(s)` }
        : { status: "not deployed", evidence: `${stateFile} holds no resource (destroyed)` };
    }
    // A stack directory with its own state (terraform run there by hand) is the one case terraform must answer.
    const stackState = join(stackDirFor(options.environment, options.outdir), "terraform.tfstate");
    if (existsSync(stackState)) return { status: "unknown", evidence: `${stackState} exists` };
    return { status: "not deployed", evidence: `no state file at ${stateFile}` };
  }
  if (existsSync(outputsFile)) return { status: "deployed", evidence: `${outputsFile} exists` };
  return { status: "unknown", evidence: `state is remote (${options.backend}) and there is no ${outputsFile}` };
}

/** The error for an environment that is not deployed: it names the command that deploys it. */
export function notDeployedError(environment: string, evidence: string): KitError {
  return new KitError("ENVIRONMENT_NOT_DEPLOYED", `Environment "${environment}" is not deployed yet (${evidence})`, {
    fix:
      `Run "npx ords-jwt deploy ${environment}" first, or pass the values as flags (--token-url, --client-id, ` +
      "--jwk-url …).",
    details: { environment },
  });
}

/** The outputs file's shape: `{ "<env>": { "<output name>": value } }`, as `cdktf deploy --outputs-file` writes it. */
export function parseOutputsFile(json: unknown, environment: string): StackOutputs {
  const stack = (json as Record<string, unknown> | null)?.[environment];
  if (stack === null || typeof stack !== "object" || Array.isArray(stack)) return {};
  const asTerraform = Object.fromEntries(Object.entries(stack).map(([name, value]) => [name, { value }]));
  // The file never holds the secret; a client_secret key there would be a hand edit and is ignored.
  return { ...parseTerraformOutputs(asTerraform), clientSecret: undefined };
}

export interface DeployedOutputsOptions extends DeploymentOptions {
  readonly terraformBinary?: string;
  readonly timeoutMs?: number;
  /** Writes the stack directory when terraform must answer and it is missing (remote state). */
  readonly synthesize?: () => void;
}

/**
 * The outputs of a deployed environment, read from what deploy wrote wherever it can: the outputs file for the
 * non-secret values, the local state file for the secret, and terraform output (initializing or synthesizing the
 * stack directory when the state is remote) only when neither file can answer.
 */
export function deployedOutputsSource(options: DeployedOutputsOptions): OutputsSource {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const outputsFile = outputsFileFor(stateDir, options.environment);
  const stateFile = localStateFile(stateDir, options.environment);
  const terraform = terraformOutputsSource({
    stackDir: stackDirFor(options.environment, options.outdir),
    terraformBinary: options.terraformBinary,
    timeoutMs: options.timeoutMs,
    environment: options.environment,
    prepare: options.backend === "local" ? undefined : { synthesize: options.synthesize },
  });
  const fromStateFile = (): StackOutputs => {
    const state = readJsonFile(stateFile) as { outputs?: unknown } | null;
    return parseTerraformOutputs(state?.outputs ?? {});
  };
  /** Throws ENVIRONMENT_NOT_DEPLOYED when the files say so; true when the local state file can answer. */
  const checkDeployed = (): boolean => {
    const deployment = deploymentOf(options);
    if (deployment.status === "not deployed") throw notDeployedError(options.environment, deployment.evidence);
    return options.backend === "local" && existsSync(stateFile);
  };
  return {
    description: `${outputsFile}, or the state`,
    read: async () => {
      const localState = checkDeployed();
      if (existsSync(outputsFile)) {
        const outputs = parseOutputsFile(readJsonFile(outputsFile), options.environment);
        if (Object.values(outputs).some((value) => value !== undefined)) return outputs;
      }
      return localState ? fromStateFile() : terraform.read();
    },
    readSecret: async () => (checkDeployed() ? fromStateFile() : await terraform.read()).clientSecret,
  };
}
