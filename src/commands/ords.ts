// `ords plan|apply|teardown|status <env>`: resolves the ORDS spec (environment file, or the cdktf hook's input),
// opens the connection and runs the step. Returns result objects; printing and exit codes belong to cli.ts.
import { loadEnvironments } from "../config/load";
import { KitError } from "../errors";
import { stackDirFor, terraformOutputsSource } from "../stack-outputs";
import { openConnection, type OpenConnectionOptions } from "../ords/connect";
import type { Connector } from "../ords/db";
import type { ReadinessResult } from "../ords/readiness";
import { checkTeardownAllowed, runOrds, type OrdsCommand, type OrdsRunResult } from "../ords/runner";
import { renderRun } from "../ords/render";
import { configuredJwkUrl, ordsConfigOf, ordsSpecFor, specFromHookInput, type OrdsSpec } from "../ords/spec";

export interface OrdsCommandOptions {
  readonly environment: string;
  /** @default "environments" */
  readonly environmentsDir?: string;
  /** Where the synthesized stacks are, for reading the jwk_url output. @default "cdktf.out" */
  readonly outdir?: string;
  /** The JWKS URL, when the configuration cannot say it (a domain the kit creates). */
  readonly jwkUrl?: string;
  /** Read the spec from this environment variable (the cdktf hook's flat input) instead of the environment file. */
  readonly specEnv?: string;
  /** Tear down a protected environment anyway. */
  readonly force?: boolean;
}

export interface OrdsCommandDeps {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default node-oracledb thin */
  readonly connector?: Connector;
  readonly connectOptions?: Omit<OpenConnectionOptions, "connector" | "env" | "log">;
  readonly waitForJwks?: (url: string, timeoutSeconds: number) => Promise<ReadinessResult>;
  /** Reads the deployed stack's jwk_url output. @default terraform output in <outdir>/stacks/<env> */
  readonly jwkUrlFromOutputs?: (environment: string, outdir: string) => Promise<string | undefined>;
  /** Progress lines. @default stderr */
  readonly log?: (line: string) => void;
}

async function terraformJwkUrl(environment: string, outdir: string): Promise<string | undefined> {
  return (await terraformOutputsSource({ stackDir: stackDirFor(environment, outdir) }).read()).jwkUrl;
}

function checkJwkUrlFlag(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "https:") {
    throw new KitError("USAGE_INVALID", `--jwk-url ${JSON.stringify(url)} is not an https:// URL`, {
      fix: "ORDS only accepts https JWK URLs: give the domain URL + /admin/v1/SigningCert/jwk.",
    });
  }
  return url;
}

/** The spec for a command: from the hook's variable, or from the environment file plus the JWK URL. */
export async function resolveOrdsSpec(command: OrdsCommand, options: OrdsCommandOptions, deps: OrdsCommandDeps = {}): Promise<OrdsSpec> {
  const env = deps.env ?? process.env;
  if (options.specEnv !== undefined) {
    const text = env[options.specEnv];
    if (text === undefined || text === "") {
      throw new KitError("CONFIG_ORDS_SPEC_INVALID", `--spec-env ${options.specEnv}: the variable is not set`, {
        fix: "This option is for the cdktf hook; run the command with just the environment name instead.",
      });
    }
    const spec = specFromHookInput(text, `$${options.specEnv}`);
    if (spec.environment !== options.environment) {
      throw new KitError("CONFIG_ORDS_SPEC_INVALID", `$${options.specEnv} is for environment "${spec.environment}", not "${options.environment}"`, {
        fix: "Re-synthesize the stacks (npm start) and deploy again.",
      });
    }
    return spec;
  }
  const [environment] = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  ordsConfigOf(environment);
  let jwkUrl = options.jwkUrl === undefined ? configuredJwkUrl(environment) : checkJwkUrlFlag(options.jwkUrl);
  if (jwkUrl === undefined) {
    const outdir = options.outdir ?? "cdktf.out";
    try {
      jwkUrl = await (deps.jwkUrlFromOutputs ?? terraformJwkUrl)(environment.name, outdir);
    } catch (error) {
      // apply needs it (planApply says so when the profile must change); the others can do without.
      const why = error instanceof Error ? error.message : String(error);
      if (command === "apply") (deps.log ?? stderr)(`note: no jwk_url from the stack outputs (${why})`);
    }
  }
  return ordsSpecFor(environment, { jwkUrl });
}

function stderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs one ORDS command end to end. */
export async function runOrdsCommand(command: OrdsCommand, options: OrdsCommandOptions, deps: OrdsCommandDeps = {}): Promise<OrdsRunResult> {
  const log = deps.log ?? stderr;
  const spec = await resolveOrdsSpec(command, options, deps);
  if (command === "teardown") checkTeardownAllowed(spec, options.force === true);
  return runOrds(command, spec, {
    connect: () => openConnection(spec.connection, { ...deps.connectOptions, connector: deps.connector, env: deps.env, log }),
    waitForJwks: deps.waitForJwks,
    log,
  });
}

export const renderOrdsResult = renderRun;
