// `token [env]`: registers the token command; src/commands/token.ts does the work.
import type { Command } from "commander";
import { FLAG_RANGES, httpFromFlags, integerFlag, urlFlag } from "./flags";
import {
  allowInsecureOption,
  type CommonFlags,
  environmentsDirOption,
  outdirOption,
  print,
  timeoutOption,
} from "./shared";

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

export function registerToken(program: Command): void {
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
    .option(
      "--login-timeout-seconds <n>",
      "how long --user waits for the browser",
      integerFlag(FLAG_RANGES.loginTimeoutSeconds),
    )
    .option("--no-browser", "do not try to open a browser for --user")
    .addOption(allowInsecureOption())
    .addOption(timeoutOption("HTTP request"))
    .addOption(environmentsDirOption())
    .addOption(outdirOption())
    .option("--json", "print the token response (or the decoded token) as JSON")
    .action(async (environment: string | undefined, options: TokenFlags) => {
      const { token, renderToken, tokenJson } = require("../commands/token") as typeof import("../commands/token");
      const result = await token({
        ...options,
        environment,
        openBrowser: options.browser,
        http: httpFromFlags(options),
      });
      print(tokenJson(result), options.json === true, () => renderToken(result));
    });
}
