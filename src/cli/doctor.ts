// `doctor [env]`: registers the doctor command; src/commands/doctor.ts does the work.
import type { Command } from "commander";
import { TOKEN_ENV } from "../request-inputs";
import { collect, FLAG_RANGES, httpFromFlags, integerFlag, jsonPointerFlag, urlFlag } from "./flags";
import {
  allowInsecureOption,
  type CommonFlags,
  colourFor,
  environmentsDirOption,
  outdirOption,
  print,
  timeoutOption,
} from "./shared";

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

export function registerDoctor(program: Command): void {
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
      integerFlag(FLAG_RANGES.allowedSkewSeconds),
    )
    .option(
      "--allowed-age-seconds <n>",
      "maximum token age the profile allows",
      integerFlag(FLAG_RANGES.allowedAgeSeconds),
    )
    .option(
      "--jwks-size-limit-bytes <n>",
      `JWKS size to warn above (ORDS documents 10000; some installations show 100000)`,
      integerFlag(FLAG_RANGES.jwksSizeLimitBytes),
    )
    .option("--token-url <url>", "token endpoint, to get a token without an environment", urlFlag)
    .option("--discovery-url <url>", "the IdP's .well-known/openid-configuration URL", urlFlag)
    .option("--client-id <id>", "client id")
    .option("--scope <scope>", "scope to request")
    .option("--mirror-jwks", "troubleshooting: serve the JWKS from a temporary ORDS module and retry (needs DB access)")
    .option("--force", "allow --mirror-jwks on a protected environment")
    .addOption(allowInsecureOption())
    .addOption(timeoutOption("network step"))
    .addOption(environmentsDirOption())
    .addOption(outdirOption())
    .option("--json", 'print {"checks":[{"id","status","message","fix"}]}')
    .action(async (environment: string | undefined, options: DoctorFlags) => {
      const { doctor, doctorJson, renderDoctor, failedDoctor } =
        require("../commands/doctor") as typeof import("../commands/doctor");
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
        print(doctorJson(result), options.json === true, () =>
          renderDoctor(result, { colour: colourFor(process.stdout) }),
        );
        const failure = failedDoctor(result);
        if (failure) throw failure;
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });
}
