// Turns a resolved target into the OAuth client settings of one token request, or throws what is missing: the same
// errors, in the same order, whichever command asks. It sends nothing and reads nothing.
import { KitError } from "./errors";
import type { HttpOptions } from "./http/bounded-fetch";
import type { ClientSettings } from "./oauth/client";
import type { Target } from "./target";

/** Which grant a token is requested with. */
export type TokenFlow = "client_credentials" | "authorization_code";

/** The settings of a token request; the target must have been resolved with TOKEN_REQUEST among its needs. */
export function clientSettings(
  target: Target,
  http: HttpOptions,
  flow: TokenFlow = "client_credentials",
): { settings: ClientSettings; scope: string } {
  // An Entra environment's names (and so its scope) need the client id: its absence is the first thing to say.
  if (target.problems.names !== undefined) throw target.problems.names;
  const scope = target.scope[flow];
  if (scope === undefined) {
    throw new KitError("USAGE_INVALID", "No scope to request", {
      fix: "Pass --scope <audience><scope value> (the fully qualified scope), or name an environment.",
    });
  }
  const tokenUrl = target.tokenUrl;
  if (tokenUrl === undefined) {
    throw (
      target.problems.tokenUrl ??
      new KitError("USAGE_INVALID", "No token endpoint", {
        fix: "Pass --token-url (and --client-id, with the secret in ORDS_JWT_CLIENT_SECRET), or name an environment.",
      })
    );
  }
  const clientId = target.clientId;
  if (clientId === undefined) {
    throw (
      target.problems.clientId ??
      new KitError("USAGE_INVALID", "No client id", { fix: "Pass --client-id, or name a deployed environment." })
    );
  }
  const clientSecret = target.clientSecret;
  if (clientSecret === undefined) {
    throw target.problems.clientSecret ?? new Error("clientSettings: the target was resolved without TOKEN_REQUEST");
  }
  return {
    scope,
    settings: {
      clientId,
      clientSecret,
      http,
      endpoints: {
        discoveryUrl: target.discoveryUrl,
        tokenUrl,
        authorizeUrl: target.authorizeUrl,
        issuer: target.names?.issuer,
      },
    },
  };
}
