// doctor --mirror-jwks: serves a copy of the JWKS from a temporary ORDS module, points the JWT profile at it, calls
// the endpoint, and ALWAYS puts the original profile back and removes the module (on failure and on interruption).
// Troubleshooting only. It talks to the database through the narrow MirrorDatabase interface.
import { KitError } from "../errors";
import { boundedFetch, type HttpOptions } from "../http/bounded-fetch";
import type { Secret } from "../secret";
import type { CheckResult } from "./checks";
import type { OrdsProfileView } from "./ords-checks";

/** The temporary module; the name marks it as the kit's so a DBA recognizes a leftover. */
export const MIRROR_MODULE = {
  name: "ords_jwt_kit.jwks_mirror",
  basePath: "/ords-jwt-kit-jwks-mirror/",
  pattern: "jwks",
} as const;

export const MIRROR_WARNING =
  "WARNING: --mirror-jwks is for troubleshooting only. It temporarily REPLACES the schema's JWT profile with one " +
  "whose JWK URL " +
  ("is a copy of the key set served by ORDS itself, then restores the original. Until it finishes, tokens are " +
    "checked " +
    "against that copy.");

/** A profile as the mirror writes it back: every value ORDS stores. */
export interface MirrorProfile {
  readonly issuer: string;
  readonly audience: string;
  readonly jwkUrl: string;
  readonly description?: string | null;
  readonly allowedSkewSeconds?: number | null;
  readonly allowedAgeSeconds?: number | null;
  readonly roleClaimName?: string | null;
}

/** What the mirror needs from the database; implemented over the ORDS runner, faked in tests. */
export interface MirrorDatabase {
  readProfile(): Promise<OrdsProfileView | undefined>;
  /** Defines the module with one GET handler that returns `jwksJson` as application/json. */
  publishJwks(module: typeof MIRROR_MODULE, jwksJson: string): Promise<void>;
  /** Delete + create in one transaction (there is no update). */
  replaceProfile(profile: MirrorProfile): Promise<void>;
  /** Removes the module; "already gone" is fine. */
  deleteModule(name: string): Promise<void>;
}

export interface MirrorOptions {
  readonly database: MirrorDatabase;
  /** The schema's ORDS base URL (ends in /): the mirror is served at <baseUrl><basePath><pattern>. */
  readonly ordsBaseUrl: string;
  readonly jwkUrl: string;
  readonly endpointUrl: string;
  readonly token: Secret;
  readonly http: HttpOptions;
  /** Aborted on Ctrl-C: the run stops waiting and restores at once. */
  readonly signal?: AbortSignal;
  /** Status of the normal authenticated call, to say whether the network path was the problem. */
  readonly statusWithIdpJwks?: number;
  readonly log?: (line: string) => void;
}

export interface MirrorReport {
  readonly checks: readonly CheckResult[];
  readonly mirrorUrl: string;
  /** Status of the call while the profile pointed at the mirror, if it got that far. */
  readonly statusWithMirror: number | undefined;
  readonly restored: boolean;
}

function mirrorUrlFor(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${MIRROR_MODULE.basePath}${MIRROR_MODULE.pattern}`;
}

/** Rejects as soon as the signal aborts, so a hung step cannot hold the restore back. */
function interruptible<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return step;
  const interrupted = () => new Error("interrupted");
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    step.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The profile exactly as stored, to put back afterwards. A field that could not be read (undefined) refuses the
 * mirror: restoring it as NULL would silently change the profile (a lost skew, age or role claim).
 */
function asProfile(view: OrdsProfileView): MirrorProfile {
  const fields: Array<[string, unknown]> = [
    ["issuer", view.issuer],
    ["audience", view.audience],
    ["jwk_url", view.jwkUrl],
    ["description", view.description],
    ["allowed_skew", view.allowedSkewSeconds],
    ["allowed_age", view.allowedAgeSeconds],
    ["role_claim_name", view.roleClaimName],
  ];
  const unreadable = fields.filter(([, value]) => value === undefined).map(([name]) => name);
  if (unreadable.length > 0) {
    throw new KitError(
      "MIRROR_REFUSED",
      `The stored JWT profile could not be read completely (${unreadable.join(", ")}), so it could not be restored ` +
        "exactly after the mirror",
      {
        fix:
          "Check that the user can read every column of USER_ORDS_JWT_PROFILE (DBA_ORDS_JWT_PROFILE in admin " +
          "mode); the mirror changed nothing.",
        details: { unreadable },
      },
    );
  }
  if (
    view.issuer === null ||
    view.audience === null ||
    view.audience === undefined ||
    view.jwkUrl === null ||
    view.jwkUrl === undefined
  ) {
    throw new KitError(
      "MIRROR_REFUSED",
      "The stored JWT profile has no issuer, audience or JWK URL, so it cannot be re-created",
      {
        fix: "Check USER_ORDS_JWT_PROFILE by hand; the mirror changed nothing.",
      },
    );
  }
  return {
    issuer: view.issuer,
    audience: view.audience,
    jwkUrl: view.jwkUrl,
    description: view.description ?? null,
    allowedSkewSeconds: view.allowedSkewSeconds ?? null,
    allowedAgeSeconds: view.allowedAgeSeconds ?? null,
    roleClaimName: view.roleClaimName ?? null,
  };
}

export async function runMirror(options: MirrorOptions): Promise<MirrorReport> {
  const log = options.log ?? (() => undefined);
  const { database, signal } = options;
  const mirrorUrl = mirrorUrlFor(options.ordsBaseUrl);

  // 1. The JWKS, fetched from this machine; and the original profile, kept to put back.
  const jwks = await boundedFetch(options.jwkUrl, { method: "GET", credentials: "omit" }, options.http);
  if (jwks.status !== 200) {
    throw new KitError(
      "MIRROR_REFUSED",
      `The JWKS answered ${jwks.status} from this machine too, so there is nothing to mirror`,
      {
        fix: "Fix jwks.reachable first; the mirror changed nothing.",
      },
    );
  }
  const storedView = await database.readProfile();
  if (storedView === undefined) {
    throw new KitError("MIRROR_REFUSED", "The schema has no JWT profile to point at the mirror", {
      fix: "Create the profile first (profile.exists); the mirror changed nothing.",
    });
  }
  const original = asProfile(storedView);

  let statusWithMirror: number | undefined;
  let stepError: unknown;
  let changed = false;
  try {
    // 2. Publish the copy, 3. point the profile at it, 4. call the endpoint with the token.
    log(`mirror: publishing the JWKS at ${mirrorUrl}`);
    changed = true;
    await interruptible(database.publishJwks(MIRROR_MODULE, jwks.text()), signal);
    log("mirror: re-creating the JWT profile with the mirror as JWK URL");
    await interruptible(database.replaceProfile({ ...original, jwkUrl: mirrorUrl }), signal);
    log(`mirror: calling ${options.endpointUrl} with the token`);
    const answer = await interruptible(
      boundedFetch(
        options.endpointUrl,
        { method: "GET", headers: { accept: "application/json", authorization: `Bearer ${options.token.reveal()}` } },
        options.http,
      ),
      signal,
    );
    statusWithMirror = answer.status;
  } catch (error) {
    stepError = error;
  }
  // 5. Always: the original profile back, the module gone. Each step is attempted even if the other fails.
  const restoreErrors: string[] = [];
  if (changed) {
    log("mirror: restoring the original JWT profile and removing the mirror module");
    try {
      await database.replaceProfile(original);
    } catch (error) {
      restoreErrors.push(`profile: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      await database.deleteModule(MIRROR_MODULE.name);
    } catch (error) {
      restoreErrors.push(`module: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const restored = restoreErrors.length === 0;
  const restoreCheck: CheckResult = restored
    ? {
        id: "mirror.restore",
        status: "pass",
        message:
          `the original JWT profile (JWK URL ${original.jwkUrl}) is back and module "${MIRROR_MODULE.name}" ` +
          "is removed",
        fix: "",
      }
    : {
        id: "mirror.restore",
        status: "fail",
        message: `restoring failed: ${restoreErrors.join("; ")}`,
        fix:
          "Re-run the ORDS step (npx ords-jwt ords apply <environment>) to re-create the profile, and drop module " +
          `"${MIRROR_MODULE.name}" if it is still there.`,
      };

  let verdict: CheckResult;
  if (stepError !== undefined) {
    const interrupted = signal?.aborted === true;
    const message = interrupted
      ? "interrupted before the mirrored call finished"
      : `the mirror run failed: ${stepError instanceof Error ? stepError.message : String(stepError)}`;
    verdict = {
      id: "mirror.jwks",
      status: "fail",
      message,
      fix: interrupted
        ? "Run it again to get a verdict."
        : ((stepError as KitError).fix ?? "Check the database connection and the ORDS base URL."),
    };
  } else {
    const ok = statusWithMirror !== undefined && statusWithMirror >= 200 && statusWithMirror < 300;
    const before = options.statusWithIdpJwks;
    if (ok && before === 401) {
      verdict = {
        id: "mirror.jwks",
        status: "fail",
        message:
          `with the JWKS served by ORDS itself the call answers ${statusWithMirror}, with the IdP's JWK URL ` +
          "it answers 401: ORDS cannot fetch the JWKS from the identity provider",
        fix:
          `Let the ORDS/database host reach ${new URL(options.jwkUrl).origin} over https (network ACL, proxy, ` +
          "egress rules, wallet/trust store), then re-check.",
      };
    } else if (ok) {
      verdict = {
        id: "mirror.jwks",
        status: "pass",
        message: `with the mirrored JWKS the call answers ${statusWithMirror}; the IdP network path is not the problem`,
        fix: "",
      };
    } else {
      verdict = {
        id: "mirror.jwks",
        status: "warn",
        message:
          `with the mirrored JWKS the call still answers ${String(statusWithMirror)}: the IdP network path is ` +
          "not the (only) problem",
        fix: "Look at the failed token.* and profile.* checks.",
      };
    }
  }
  return { checks: [verdict, restoreCheck], mirrorUrl, statusWithMirror, restored };
}
