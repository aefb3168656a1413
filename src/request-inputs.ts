// Parses what the user gives for one request: a token (flag, file, stdin or ORDS_JWT_TOKEN) and a path or URL
// under the ORDS base URL. It reads no config and no outputs; a token it accepts is wrapped and never shown.
import { FileReadProblem, readRegularTextFile, readStdinText } from "./config/regular-file";
import { KitError } from "./errors";
import { neverPrinted, Secret } from "./secret";
import { visible } from "./terminal-safe";

/** Where a token may come from instead of --token, so it stays out of the process list. */
export const TOKEN_ENV = "ORDS_JWT_TOKEN";

/** An absolute URL, or a path joined to the ORDS base URL with exactly one slash. */
export function resolveEndpointUrl(pathOrUrl: string, baseUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl)) return pathOrUrl;
  if (baseUrl === undefined) {
    throw new KitError(
      "USAGE_INVALID",
      `"${pathOrUrl}" is a path, but there is no ORDS base URL to resolve it against`,
      {
        fix: "Pass a full URL, or --base-url, or set ords.baseUrl in the environment.",
      },
    );
  }
  return `${baseUrl.replace(/\/+$/, "")}/${pathOrUrl.replace(/^\/+/, "")}`;
}

/**
 * The characters of a compact JWS (RFC 7515 §3.1): three base64url parts joined by dots. Base64url padding (`=`)
 * is not accepted: RFC 7515 §2 defines the parts without it, neither identity provider pads, and a padded token is
 * named here with its cause rather than sent. Anything else (a line break, a space, a quote) would either make the
 * Authorization header invalid or could never be a JWT, so the value is refused before it is used and never shown.
 */
const JWS_COMPACT = /^[A-Za-z0-9_.-]+$/;

/** What is wrong with a token that is not made of JWS characters, without showing any of it. */
function describeTokenProblem(token: string): { problem: string; fix: string; position?: number } {
  const fix = "Give the access token alone, on one line: base64url characters and dots (header.claims.signature).";
  if (token === "") return { problem: "is empty", fix };
  if (/^bearer\s/i.test(token))
    return { problem: 'starts with "Bearer "', fix: 'Drop the "Bearer " prefix: give the token alone.' };
  const index = [...token].findIndex((ch) => !/[A-Za-z0-9_.-]/.test(ch));
  const ch = [...token][index] ?? "";
  const what =
    ch === "\n" || ch === "\r"
      ? "a line break"
      : ch === " "
        ? "a space"
        : ch === "\t"
          ? "a tab"
          : ch === "="
            ? '"=" (base64 padding; JWT parts are unpadded base64url)'
            : ch === "+" || ch === "/"
              ? `"${ch}" (standard base64; JWT parts are base64url)`
              : /[\u0000-\u001f\u007f]/.test(ch)
                ? "a control character"
                : `the character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return { problem: `holds ${what} at position ${index + 1}`, fix, position: index + 1 };
}

function checkedToken(value: string, source: string): Secret {
  const token = value.trim();
  if (JWS_COMPACT.test(token)) return neverPrinted(new Secret(token));
  const { problem, fix, position } = describeTokenProblem(token);
  throw new KitError(
    "USAGE_INVALID",
    `The token from ${source} ${problem}; a JWT has only base64url characters and dots`,
    {
      fix,
      details: { source, ...(position === undefined ? {} : { position }) },
    },
  );
}

/** Real access tokens are a few KiB; the cap keeps /dev/zero or a wrong file from filling memory. */
export const TOKEN_FILE_MAX_BYTES = 256 * 1024;

/**
 * A token given by flag, file or environment variable; `-` as a file means stdin. Surrounding whitespace is
 * dropped; any other character outside the JWS alphabet is a usage error. Never echoed.
 */

export function tokenFromInputs(
  inputs: { token?: string; tokenFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): Secret | undefined {
  if (inputs.token !== undefined && inputs.tokenFile !== undefined) {
    throw new KitError("USAGE_INVALID", "Give either --token or --token-file, not both", { fix: "Drop one of them." });
  }
  if (inputs.token !== undefined) return checkedToken(inputs.token, "--token");
  if (inputs.tokenFile !== undefined) {
    let text: string;
    try {
      text =
        inputs.tokenFile === "-"
          ? readStdinText(TOKEN_FILE_MAX_BYTES, "a token")
          : readRegularTextFile(inputs.tokenFile, TOKEN_FILE_MAX_BYTES, "a token");
    } catch (cause) {
      if (!(cause instanceof FileReadProblem)) throw cause;
      throw new KitError("USAGE_INVALID", `--token-file ${visible(inputs.tokenFile)} ${cause.message}`, {
        cause,
        fix:
          `Give a regular file (or - for stdin) holding only the access token, at most ${TOKEN_FILE_MAX_BYTES} ` +
          "bytes.",
      });
    }
    return checkedToken(text, inputs.tokenFile === "-" ? "stdin (--token-file -)" : `--token-file ${inputs.tokenFile}`);
  }
  const fromEnv = env[TOKEN_ENV];
  return fromEnv === undefined || fromEnv.trim() === "" ? undefined : checkedToken(fromEnv, TOKEN_ENV);
}

/**
 * Whether a token was given at all (flag, file or environment variable), before it is read or checked: the target
 * resolver then knows the command requests none, and reads no outputs for one.
 */
export function tokenGiven(
  inputs: { token?: string; tokenFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return inputs.token !== undefined || inputs.tokenFile !== undefined || (env[TOKEN_ENV] ?? "").trim() !== "";
}
