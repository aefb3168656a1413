// `ords plan|apply|teardown|status <env>`: resolves the ORDS spec (environment file, or the cdktf hook's input),
// opens the connection and runs the step. Returns result objects; printing and exit codes belong to cli.ts.
// With ORDS_JWT_SKIP_ORDS=1, `ords teardown` does not connect at all: it lists what may be left behind.

import { type Environment, loadEnvironments } from "../config/load";
import { demoModuleOf } from "../config/ords-schema";
import { KitError } from "../errors";
import { SKIP_ORDS_ENV } from "../lifecycle/context";
import { identityNamesOf } from "../naming";
import { type OpenConnectionOptions, openConnection } from "../ords/connect";
import type { Connector } from "../ords/db";
import type { ObjectChange } from "../ords/planner";
import type { ReadinessResult } from "../ords/readiness";
import { renderRun } from "../ords/render";
import { checkTeardownAllowed, type OrdsCommand, type OrdsRunResult, runOrds } from "../ords/runner";
import {
  configuredJwkUrl,
  type OrdsSpec,
  ordsConfigOf,
  ordsConnectionSpecOf,
  ordsSpecFor,
  specFromHookInput,
} from "../ords/spec";
import { stateTargetOfEnvironment } from "../ords/state";
import { seamsFor } from "../seams";
import { deployedOutputsSource } from "../stack-outputs";

export interface OrdsCommandOptions {
  readonly environment: string;
  /** @default "environments" */
  readonly environmentsDir?: string;
  /** Where the synthesized stacks are, for reading the jwk_url output. @default "cdktf.out" */
  readonly outdir?: string;
  /** The JWKS URL, when the configuration cannot say it (a domain the kit creates). */
  readonly jwkUrl?: string;
  /**
   * The Entra app's client id (the JWT profile's audience), for an Entra environment.
   * @default the deployed stack's client_id output
   */
  readonly clientId?: string;
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
  /** Reads the deployed stack's jwk_url output. @default what deploy wrote, else the state (deployedOutputsSource) */
  readonly jwkUrlFromOutputs?: (environment: string, outdir: string) => Promise<string | undefined>;
  /** Reads the deployed stack's client_id output (Entra). @default as for jwkUrlFromOutputs */
  readonly clientIdFromOutputs?: (environment: string, outdir: string) => Promise<string | undefined>;
  /** Progress lines. @default stderr */
  readonly log?: (line: string) => void;
}

/** The deployed outputs as the other tools read them: deploy's outputs file, else the state (src/stack-outputs.ts). */
function deployedOutputs(environment: Environment, outdir: string) {
  return deployedOutputsSource({
    environment: environment.name,
    backend: environment.settings.state.backend,
    outdir,
  }).read();
}

/** An Entra client id is a GUID; anything else cannot be the audience of a v2 token. */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkClientIdFlag(clientId: string): string {
  if (!CLIENT_ID.test(clientId)) {
    throw new KitError("USAGE_INVALID", `--client-id ${JSON.stringify(clientId)} is not an Entra client id (a GUID)`, {
      fix:
        "Pass the API app's Application (client) ID, such as 00000000-0000-0000-0000-000000000000 (the stack " +
        "output client_id).",
    });
  }
  return clientId.toLowerCase();
}

/**
 * ORDS_JWT_SKIP_ORDS, parsed once: "1" or "true" skips the database in `ords teardown`; unset, "", "0" or "false"
 * do not; anything else is a usage error rather than a guess.
 */
export function skipOrdsRequested(env: NodeJS.ProcessEnv): boolean {
  const raw = env[SKIP_ORDS_ENV];
  const value = raw?.trim().toLowerCase() ?? "";
  if (value === "1" || value === "true") return true;
  if (value === "" || value === "0" || value === "false") return false;
  throw new KitError("USAGE_INVALID", `${SKIP_ORDS_ENV}=${JSON.stringify(raw)} is neither 1 nor 0`, {
    fix: `Set ${SKIP_ORDS_ENV}=1 to skip the database in ords teardown, or unset it.`,
  });
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
export async function resolveOrdsSpec(
  command: OrdsCommand,
  options: OrdsCommandOptions,
  deps: OrdsCommandDeps = {},
): Promise<OrdsSpec> {
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
      throw new KitError(
        "CONFIG_ORDS_SPEC_INVALID",
        `$${options.specEnv} is for environment "${spec.environment}", not "${options.environment}"`,
        {
          fix:
            `Deploy again (npx ords-jwt deploy ${options.environment}), so the hook carries this environment's ` +
            "input.",
        },
      );
    }
    return spec;
  }
  const environment = loadEnvironment(options);
  ordsConfigOf(environment);
  const names = await entraNames(command, environment, options, deps);
  let jwkUrl = options.jwkUrl === undefined ? configuredJwkUrl(environment) : checkJwkUrlFlag(options.jwkUrl);
  if (jwkUrl === undefined) {
    const outdir = options.outdir ?? "cdktf.out";
    try {
      jwkUrl = deps.jwkUrlFromOutputs
        ? await deps.jwkUrlFromOutputs(environment.name, outdir)
        : (await deployedOutputs(environment, outdir)).jwkUrl;
    } catch (error) {
      // apply needs it (planApply says so when the profile must change); the others can do without.
      const why = error instanceof Error ? error.message : String(error);
      if (command === "apply") (deps.log ?? stderr)(`note: no jwk_url from the stack outputs (${why})`);
    }
  }
  return ordsSpecFor(environment, { jwkUrl, ...(names === undefined ? {} : { names }) });
}

function loadEnvironment(options: OrdsCommandOptions): Environment {
  const [environment] = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  return environment;
}

/**
 * An Entra environment's names need the app's client id (the profile's audience): from --client-id, else the
 * deployed stack's client_id output. Undefined for OCI, whose names come from the file alone; when no client id
 * can be found, ordsSpecFor says how to supply one (CONFIG_ORDS_AUDIENCE_UNKNOWN).
 */
async function entraNames(
  command: OrdsCommand,
  environment: Environment,
  options: OrdsCommandOptions,
  deps: OrdsCommandDeps,
) {
  const idp = environment.settings.identityProvider;
  if (idp.type !== "entra") {
    if (options.clientId !== undefined)
      (deps.log ?? stderr)(
        `note: --client-id is ignored: "${environment.name}" uses OCI IAM, whose audience comes from the ` +
          "environment file",
      );
    return undefined;
  }
  let clientId = options.clientId === undefined ? undefined : checkClientIdFlag(options.clientId);
  if (clientId === undefined) {
    try {
      const outdir = options.outdir ?? "cdktf.out";
      clientId = deps.clientIdFromOutputs
        ? await deps.clientIdFromOutputs(environment.name, outdir)
        : (await deployedOutputs(environment, outdir)).clientId;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      (deps.log ?? stderr)(`note: no client_id from the stack outputs for ords ${command} (${why})`);
    }
  }
  return clientId === undefined ? undefined : identityNamesOf(idp, clientId);
}

function stderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** What `ords teardown` would have looked at: the schema and the names of the kit's objects in it. */
interface LeftBehind {
  readonly environment: string;
  readonly target: OrdsRunResult["target"];
  readonly objects: readonly ObjectChange[];
}

function leftBehindOf(spec: OrdsSpec): LeftBehind {
  const { connection } = spec;
  return {
    environment: spec.environment,
    target: {
      user: connection.user,
      schema: connection.schema,
      connectString: connection.connectString,
      adminMode: connection.adminMode,
    },
    objects: skippedObjects(connection.schema, spec.privilege.name, spec.privilege.roles, spec.demoModule?.name),
  };
}

/** From the environment file alone: needs neither the JWK URL nor an Entra client id. */
function leftBehindOfEnvironment(environment: Environment): LeftBehind {
  const connection = ordsConnectionSpecOf(environment);
  const target = stateTargetOfEnvironment(environment);
  return {
    environment: environment.name,
    target: {
      user: connection.user,
      schema: connection.schema,
      connectString: connection.connectString,
      adminMode: connection.adminMode,
    },
    objects: skippedObjects(
      connection.schema,
      target.privilegeName,
      target.roleNames,
      demoModuleOf(ordsConfigOf(environment))?.name,
    ),
  };
}

function skippedObjects(
  schema: string,
  privilege: string,
  roles: readonly string[],
  demoModule: string | undefined,
): ObjectChange[] {
  const reasons = [`not checked: ${SKIP_ORDS_ENV}=1`];
  return [
    { kind: "privilege", name: privilege, action: "keep", reasons },
    ...(demoModule === undefined
      ? []
      : [{ kind: "demo-module" as const, name: demoModule, action: "keep" as const, reasons }]),
    ...roles.map((role) => ({ kind: "role" as const, name: role, action: "keep" as const, reasons })),
    { kind: "jwt-profile", name: schema, action: "keep", reasons },
  ];
}

/** `ords teardown` with ORDS_JWT_SKIP_ORDS=1: no connection; a warning on stderr lists what may be left behind. */
async function skippedTeardown(
  options: OrdsCommandOptions,
  deps: OrdsCommandDeps,
  log: (line: string) => void,
): Promise<OrdsRunResult> {
  const left =
    options.specEnv !== undefined
      ? leftBehindOf(await resolveOrdsSpec("teardown", options, deps))
      : leftBehindOfEnvironment(loadEnvironment(options));
  const { target } = left;
  const describe = (object: ObjectChange) =>
    object.kind === "jwt-profile"
      ? `the JWT profile of ${object.name}`
      : `${object.kind.replace("-", " ")} ${JSON.stringify(object.name)}`;
  const names = left.objects.map(describe).join(", ");
  log(
    `warning: ${SKIP_ORDS_ENV}=1: ords teardown "${left.environment}" did not connect to ` +
      `${target.user}@${target.connectString}. ` +
      `If that database still exists, these ORDS objects may be left behind in schema ${target.schema}: ${names}. ` +
      `Run "ords teardown ${left.environment}" without ${SKIP_ORDS_ENV} to drop them, or drop them by hand.`,
  );
  return {
    command: "teardown",
    environment: left.environment,
    target,
    ords: null,
    changes: left.objects,
    calls: [],
    sections: [],
    applied: false,
    summary: `skipped (${SKIP_ORDS_ENV}=1): the database was not contacted and nothing was dropped`,
    warnings: [],
    readiness: null,
    roundTrips: { reads: 0, writes: 0, commits: 0, rollbacks: 0 },
  };
}

/** Runs one ORDS command end to end. */
export async function runOrdsCommand(
  command: OrdsCommand,
  options: OrdsCommandOptions,
  deps: OrdsCommandDeps = {},
): Promise<OrdsRunResult> {
  const log = deps.log ?? stderr;
  // Nothing is changed when skipping, so a protected environment needs no --force for it.
  if (command === "teardown" && skipOrdsRequested(deps.env ?? process.env)) return skippedTeardown(options, deps, log);
  const spec = await resolveOrdsSpec(command, options, deps);
  if (command === "teardown") checkTeardownAllowed(spec, options.force === true);
  // The hook's input (--spec-env) names no environment: under terraform, a twin run's preload answers for oracledb.
  const connector =
    deps.connector ??
    (options.specEnv === undefined ? seamsFor(loadEnvironment(options), deps.env ?? process.env).connector : undefined);
  return runOrds(command, spec, {
    connect: () =>
      openConnection(spec.connection, {
        ...deps.connectOptions,
        connector,
        env: deps.env,
        log,
        ...(command === "teardown" ? { teardown: { environment: spec.environment } } : {}),
      }),
    waitForJwks: deps.waitForJwks,
    log,
  });
}

export const renderOrdsResult = renderRun;
