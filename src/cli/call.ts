// `call <env> <path-or-url>`: registers the call command; src/commands/call.ts does the work.
import type { Command } from "commander";
import { TOKEN_ENV } from "../request-inputs";
import { FLAG_RANGES, httpFromFlags, integerFlag, urlFlag } from "./flags";
import {
  allowInsecureOption,
  type CommonFlags,
  environmentsDirOption,
  outdirOption,
  print,
  timeoutOption,
} from "./shared";

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

export function registerCall(program: Command): void {
  program
    .command("call")
    .description(
      "Call an ORDS endpoint with a token (or --no-token to prove it is protected); print status, WWW-Authenticate " +
        "and body",
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
    .addOption(allowInsecureOption())
    .addOption(timeoutOption("HTTP request"))
    .option("--max-response-bytes <n>", "largest response body accepted", integerFlag(FLAG_RANGES.maxResponseBytes))
    .addOption(environmentsDirOption())
    .addOption(outdirOption())
    .option("--json", "print the result as JSON")
    .action(async (environment: string, pathOrUrl: string, options: CallFlags) => {
      const { call, callFailure, callJson, renderCall } =
        require("../commands/call") as typeof import("../commands/call");
      const { token: tokenFlag, ...rest } = options;
      const result = await call({
        ...rest,
        environment,
        pathOrUrl,
        token: typeof tokenFlag === "string" ? tokenFlag : undefined,
        noToken: tokenFlag === false,
        http: httpFromFlags(options),
      });
      print(callJson(result), options.json === true, () => renderCall(result));
      const failure = callFailure(result, environment);
      if (failure) throw failure;
    });
}
