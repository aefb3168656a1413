// The kit's command-line entry: wires commander, lazy-loads each command, and owns the exit codes.
// Exit codes: 0 success; 1 the command ran and failed; 2 usage or configuration error.
import { Command, CommanderError } from "commander";
import {
  collect,
  httpFromFlags,
  integerFlag,
  jsonPointerFlag,
  type NetworkFlags,
  TOKEN_ENV,
  urlFlag,
} from "./cli-flags";
import { isKitError, type KitErrorCode } from "./errors";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Refusals that mean "ask differently" rather than "it ran and failed". */
const USAGE_ERROR_CODES = new Set<KitErrorCode>([
  "USAGE_INVALID",
  "CONFIRMATION_REQUIRED",
  "ENVIRONMENT_PROTECTED",
  "ORDS_PROTECTED",
  "SECRET_MISSING",
  "MIRROR_REFUSED",
]);

/**
 * Loads a command module on first use, so start-up stays fast. It uses require, not import():
 * the bin runs TypeScript through tsx's require hook, and a dynamic import() would bypass it.
 */
function lazy<T>(modulePath: string): T {
  return require(modulePath) as T;
}

interface CommonFlags extends NetworkFlags {
  readonly json?: boolean;
  readonly environmentsDir?: string;
  readonly outdir?: string;
}

interface TokenFlags extends CommonFlags {
  readonly user?: boolean;
  readonly decode?: boolean;
  readonly tokenUrl?: string;
  readonly authorizeUrl?: string;
  readonly discoveryUrl?: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly redirectUri?: string;
  readonly loginTimeoutSeconds?: number;
  readonly browser?: boolean;
}

interface CallFlags extends CommonFlags {
  /** A string, or false for --no-token. */
  readonly token?: string | false;
  readonly tokenFile?: string;
  readonly baseUrl?: string;
  readonly method?: string;
  readonly data?: string;
  readonly tokenUrl?: string;
  readonly discoveryUrl?: string;
  readonly clientId?: string;
  readonly scope?: string;
}

interface DoctorFlags extends CommonFlags {
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
  readonly privilege?: string;
  readonly roleClaim?: string;
  readonly role?: string[];
  readonly token?: string;
  readonly tokenFile?: string;
  readonly url?: string;
  readonly baseUrl?: string;
  readonly allowedSkewSeconds?: number;
  readonly allowedAgeSeconds?: number;
  readonly jwksSizeLimitBytes?: number;
  readonly tokenUrl?: string;
  readonly discoveryUrl?: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly mirrorJwks?: boolean;
  readonly force?: boolean;
}

function print(result: unknown, json: boolean, render: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${render()}\n`);
}

export function buildProgram(): Command {
  const program = new Command()
    .name("ords-jwt")
    .description("Provision and troubleshoot JWT-protected ORDS APIs")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("plan")
    .description("Synthesize environments offline and show what would be created (no credentials needed)")
    .argument("[environments...]", "environment names (default: every file in environments/)")
    .option("--json", "print the result as JSON")
    .option("--outdir <dir>", "synthesis output directory", "cdktf.out")
    .option("--environments-dir <dir>", "directory of environment files", "environments")
    .action(async (environments: string[], options: { json?: boolean; outdir: string; environmentsDir: string }) => {
      const { plan, renderPlan } = lazy<typeof import("./commands/plan")>("./commands/plan");
      const result = await plan({ environments, outdir: options.outdir, environmentsDir: options.environmentsDir });
      print(result, options.json === true, () => renderPlan(result));
    });

  program
    .command("deploy")
    .description("cdktf deploy one environment; keep its non-secret outputs in state/<env>.outputs.json (mode 0600)")
    .argument("<environment>", "environment name")
    .option("--yes", "approve without asking (implied by CI=true)")
    .option("--leave-ords", "the ORDS hook was removed from the config: drop it without tearing ORDS down")
    .option("--json", "print the result as JSON")
    .action(async (environment: string, options: { yes?: boolean; leaveOrds?: boolean; json?: boolean }) => {
      const { deployCommand, renderDeploy } = lazy<typeof import("./commands/deploy")>("./commands/deploy");
      const result = await deployCommand({ environment, yes: options.yes === true, leaveOrds: options.leaveOrds });
      print(result, options.json === true, () => renderDeploy(result));
    });

  program
    .command("teardown")
    .description(
      "Remove ORDS objects, then cdktf destroy (app and kit-made domain deactivated before deletion); re-run to resume",
    )
    .argument("<environment>", "environment name")
    .option("--yes", "do not ask for confirmation (implied by CI=true)")
    .option("--force", "tear down a protected environment")
    .option("--skip-ords", "the database is gone or unreachable: leave its ORDS objects and do not connect")
    .option("--json", "print the result as JSON")
    .action(
      async (environment: string, options: { yes?: boolean; force?: boolean; skipOrds?: boolean; json?: boolean }) => {
        const { teardownCommand, renderTeardown } = lazy<typeof import("./commands/teardown")>("./commands/teardown");
        const result = await teardownCommand({
          environment,
          yes: options.yes === true,
          force: options.force === true,
          skipOrds: options.skipOrds === true,
        });
        print(result, options.json === true, () => renderTeardown(result));
      },
    );

  program
    .command("token")
    .description(
      "Get an access token (client credentials; --user for authorization code + PKCE) and print only the token",
    )
    .argument("[environment]", "environment name (leave out with --token-url, --client-id and --scope)")
    .option("--user", "log in as a user: authorization code + PKCE through the loopback callback")
    .option("--decode", "print the header and claims instead of the token (never the signature)")
    .option(
      "--token-url <url>",
      "token endpoint (standalone; disables discovery unless --discovery-url is given)",
      urlFlag,
    )
    .option("--authorize-url <url>", "authorize endpoint for --user when there is no discovery document", urlFlag)
    .option("--discovery-url <url>", "the IdP's .well-known/openid-configuration URL", urlFlag)
    .option("--client-id <id>", "client id (default: the stack's client_id output)")
    .option("--scope <scope>", "scope to request (default: the environment's fully qualified scope)")
    .option(
      "--redirect-uri <uri>",
      "loopback redirect URI for --user (default: the callback the stack registers, http://127.0.0.1:8765/callback)",
    )
    .option("--login-timeout-seconds <n>", "how long --user waits for the browser", integerFlag(1, 3600))
    .option("--no-browser", "do not try to open a browser for --user")
    .option("--allow-insecure", "allow http:// endpoints (local test servers only)")
    .option("--timeout-ms <n>", "timeout of each HTTP request", integerFlag(1))
    .option("--environments-dir <dir>", "directory of environment files", "environments")
    .option("--outdir <dir>", "where the stacks were synthesized", "cdktf.out")
    .option("--json", "print the token response (or the decoded token) as JSON")
    .action(async (environment: string | undefined, options: TokenFlags) => {
      const { token, renderToken, tokenJson } = lazy<typeof import("./commands/token")>("./commands/token");
      const result = await token({
        ...options,
        environment,
        openBrowser: options.browser,
        http: httpFromFlags(options),
      });
      print(tokenJson(result), options.json === true, () => renderToken(result));
    });

  program
    .command("call")
    .description(
      "Call an ORDS endpoint with a token (or --no-token to prove it is protected); print status, WWW-Authenticate and body",
    )
    .argument("<environment>", "environment name")
    .argument("<path-or-url>", "path under the environment's ORDS base URL (ords.baseUrl), or a full URL")
    .option("--token <token>", `send this token instead of getting one (or set ${TOKEN_ENV})`)
    .option("--token-file <file>", "read the token from a file (- for stdin)")
    .option("--no-token", "send no token: a 401 is the expected outcome")
    .option("--base-url <url>", "ORDS base URL of the schema (default: ords.baseUrl)", urlFlag)
    .option("-X, --method <method>", "HTTP method (default: GET, or POST with -d)")
    .option("-d, --data <json>", "JSON request body; implies POST unless -X is given (as curl does)")
    .option("--token-url <url>", "token endpoint", urlFlag)
    .option("--discovery-url <url>", "the IdP's .well-known/openid-configuration URL", urlFlag)
    .option("--client-id <id>", "client id")
    .option("--scope <scope>", "scope to request")
    .option("--allow-insecure", "allow http:// URLs (local test servers only)")
    .option("--timeout-ms <n>", "timeout of each HTTP request", integerFlag(1))
    .option("--max-response-bytes <n>", "largest response body accepted", integerFlag(1))
    .option("--environments-dir <dir>", "directory of environment files", "environments")
    .option("--outdir <dir>", "where the stacks were synthesized", "cdktf.out")
    .option("--json", "print the result as JSON")
    .action(async (environment: string, pathOrUrl: string, options: CallFlags) => {
      const { call, callFailure, renderCall } = lazy<typeof import("./commands/call")>("./commands/call");
      const { token: tokenFlag, ...rest } = options;
      const result = await call({
        ...rest,
        environment,
        pathOrUrl,
        token: typeof tokenFlag === "string" ? tokenFlag : undefined,
        noToken: tokenFlag === false,
        http: httpFromFlags(options),
      });
      print(result, options.json === true, () => renderCall(result));
      const failure = callFailure(result);
      if (failure) throw failure;
    });

  program
    .command("doctor")
    .description("Check every rule ORDS applies to a token and say which one fails (exit 1 when any check fails)")
    .argument("[environment]", "environment name (leave out and give the expected values as flags)")
    .option("--issuer <iss>", "expected issuer (default: identityProvider.issuer)")
    .option("--audience <aud>", "expected audience (default: the primary audience)")
    .option("--jwk-url <url>", "JWK URL (default: the stack's jwk_url)", urlFlag)
    .option("--privilege <name>", "ORDS privilege name (default: the first scope value)")
    .option("--role-claim <pointer>", "JSON pointer of the role claim, e.g. /roles (role mode)", jsonPointerFlag)
    .option("--role <name>", "role that unlocks the privilege in role mode (repeatable)", collect)
    .option("--token <token>", `check this token (or set ${TOKEN_ENV}); never printed`)
    .option("--token-file <file>", "read the token from a file (- for stdin)")
    .option("--url <path-or-url>", "endpoint to call (default: the demo module when configured)")
    .option("--base-url <url>", "ORDS base URL of the schema (default: ords.baseUrl)", urlFlag)
    .option(
      "--allowed-skew-seconds <n>",
      "clock skew the profile allows (default: stored or configured value)",
      integerFlag(1, 60),
    )
    .option("--allowed-age-seconds <n>", "maximum token age the profile allows", integerFlag(1))
    .option(
      "--jwks-size-limit-bytes <n>",
      `JWKS size to warn above (ORDS documents 10000; some installations show 100000)`,
      integerFlag(1),
    )
    .option("--token-url <url>", "token endpoint, to get a token without an environment", urlFlag)
    .option("--discovery-url <url>", "the IdP's .well-known/openid-configuration URL", urlFlag)
    .option("--client-id <id>", "client id")
    .option("--scope <scope>", "scope to request")
    .option("--mirror-jwks", "troubleshooting: serve the JWKS from a temporary ORDS module and retry (needs DB access)")
    .option("--force", "allow --mirror-jwks on a protected environment")
    .option("--allow-insecure", "allow http:// URLs (local test servers only)")
    .option("--timeout-ms <n>", "timeout of each network step", integerFlag(1))
    .option("--environments-dir <dir>", "directory of environment files", "environments")
    .option("--outdir <dir>", "where the stacks were synthesized", "cdktf.out")
    .option("--json", 'print {"checks":[{"id","status","message","fix"}]}')
    .action(async (environment: string | undefined, options: DoctorFlags) => {
      const { doctor, doctorJson, renderDoctor, failedDoctor } =
        lazy<typeof import("./commands/doctor")>("./commands/doctor");
      // Only the mirror changes anything: Ctrl-C then stops waiting and restores the profile before exiting.
      const interrupt = new AbortController();
      const onSigint = () => {
        process.stderr.write("interrupted: restoring the JWT profile and removing the mirror module …\n");
        interrupt.abort();
      };
      if (options.mirrorJwks === true) process.once("SIGINT", onSigint);
      try {
        const result = await doctor({
          ...options,
          environment,
          roles: options.role,
          signal: interrupt.signal,
          http: httpFromFlags(options),
        });
        print(doctorJson(result), options.json === true, () => renderDoctor(result));
        const failure = failedDoctor(result);
        if (failure) throw failure;
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });

  // The ORDS post-deploy step (src/commands/ords.ts): `ords plan|apply|teardown|status <env>`.
  const ords = program
    .command("ords")
    .description(
      "The ORDS post-deploy step over node-oracledb: JWT profile, privilege, roles, demo module (password from ORDS_DB_PASSWORD)",
    );
  const ordsCommands = [
    ["plan", "Read the schema's ORDS state (one round trip) and show what apply would create, update or delete"],
    [
      "apply",
      "Apply the difference in one transaction after the JWKS answers without credentials; re-runs write nothing",
    ],
    ["teardown", "Drop exactly what the kit created (profile, privilege, roles no one else uses, demo module)"],
    ["status", "Show the profile, privilege and protected modules as the database has them, and any drift"],
  ] as const;
  for (const [name, description] of ordsCommands) {
    const command = ords
      .command(name)
      .description(description)
      .argument("<environment>", "environment name")
      .option(
        "--jwk-url <url>",
        "the JWK URL, when the environment file cannot say it (default: the stack's jwk_url output)",
      )
      .option(
        "--client-id <id>",
        "Entra: the API app's client id, the JWT profile's audience (default: the stack's client_id output)",
      )
      .option("--spec-env <variable>", "read the step's input from this environment variable (used by the cdktf hook)")
      .option("--environments-dir <dir>", "directory of environment files", "environments")
      .option("--outdir <dir>", "where the stacks were synthesized", "cdktf.out")
      .option("--json", "print the result as JSON");
    if (name === "teardown") command.option("--force", "tear down the ORDS objects of a protected environment");
    command.action(
      async (
        environment: string,
        options: {
          jwkUrl?: string;
          clientId?: string;
          specEnv?: string;
          environmentsDir: string;
          outdir: string;
          json?: boolean;
          force?: boolean;
        },
      ) => {
        const { runOrdsCommand, renderOrdsResult } = lazy<typeof import("./commands/ords")>("./commands/ords");
        const result = await runOrdsCommand(name, { ...options, environment, force: options.force === true });
        print(result, options.json === true, () => renderOrdsResult(result));
      },
    );
  }

  // OCI calls for the stack's provisioners (src/commands/oci.ts).
  lazy<typeof import("./commands/oci")>("./commands/oci").addOciCommands(program);

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isKitError(error)) {
      process.stderr.write(`${error.message}\n${error.fix ? `Fix: ${error.fix}\n` : ""}`);
      return USAGE_ERROR_CODES.has(error.code) || error.code.startsWith("CONFIG_") ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
