// The OCI calls the kit makes outside Terraform, through Oracle's SDK: enable client access by one SCIM PATCH,
// deactivate an app before it is deleted, deactivate a created domain and wait. Each is safe to repeat.
import type common from "oci-common";
import type identity from "oci-identity";
import type identitydomains from "oci-identitydomains";
import { KitError } from "../errors";

/** Overrides the Identity control-plane endpoint (DeactivateDomain, GetDomain, work requests); the twin sets it. */
export const OCI_IDENTITY_ENDPOINT_ENV = "ORDS_JWT_OCI_IDENTITY_ENDPOINT";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

function domainsSdk(): typeof identitydomains {
  return require("oci-identitydomains") as typeof identitydomains;
}

function identitySdk(): typeof identity {
  return require("oci-identity") as typeof identity;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "statusCode" in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/**
 * Oracle's SDK rejects with an OciError (statusCode, serviceCode) when OCI answered, and with a plain object, not an
 * Error, when the request got no answer (a refused connection, DNS, a proxy): `{ message, requestEndpoint }`.
 */
function callFailed(what: string, error: unknown, fix: string): KitError {
  const status = statusOf(error);
  if (status !== undefined) {
    const service = (error as { serviceCode?: string }).serviceCode;
    return new KitError("OCI_CALL_FAILED", `${what} failed: HTTP ${status}${service ? ` (${service})` : ""}`, {
      fix,
      cause: error,
    });
  }
  const { message, requestEndpoint } = (typeof error === "object" && error !== null ? error : {}) as {
    message?: unknown;
    requestEndpoint?: unknown;
  };
  if (!(error instanceof Error) && typeof requestEndpoint === "string") {
    return new KitError("OCI_CALL_FAILED", `${what} failed, with no answer: ${String(message)} (${requestEndpoint})`, {
      fix:
        "Check that this machine can reach that endpoint (DNS, proxy settings, firewall), then run the deploy, " +
        "destroy or teardown again: each resumes where it stopped.",
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : typeof message === "string" ? message : String(error);
  return new KitError("OCI_CALL_FAILED", `${what} failed: ${detail}`, { fix, cause: error });
}

/** SCIM calls go to the domain URL as given (the idcs_endpoint); the SDK appends /admin/v1/…. */
function domainClient(auth: common.AuthenticationDetailsProvider, idcsEndpoint: string) {
  const client = new (domainsSdk().IdentityDomainsClient)({ authenticationDetailsProvider: auth });
  client.endpoint = idcsEndpoint.replace(/\/+$/, "");
  return client;
}

/** One replace operation (SCIM PatchOp), as Oracle's sample sends it. */
function replaceOp(path: string, value: unknown): identitydomains.models.PatchOp {
  return {
    schemas: [PATCH_OP_SCHEMA],
    // The SDK's enum spells it REPLACE; SCIM compares op case-insensitively, and Oracle's sample sends "replace".
    operations: [{ op: "replace" as identitydomains.models.Operations.Op, path, value }],
  };
}

/**
 * "Configure client access": PATCH only SigningCertPublicAccess to true, leaving every other setting as it is
 * (the provider's setting resource PUTs the whole object instead, facts.md §5). Skipped when already true.
 */
export async function enableSigningCertPublicAccess(
  auth: common.AuthenticationDetailsProvider,
  idcsEndpoint: string,
  current: boolean | undefined,
): Promise<"already-enabled" | "enabled"> {
  if (current === true) return "already-enabled";
  try {
    await domainClient(auth, idcsEndpoint).patchSetting({
      settingId: "Settings",
      patchOp: replaceOp("SigningCertPublicAccess", true),
    });
  } catch (error) {
    throw callFailed(
      `Enabling client access (SigningCertPublicAccess) on ${idcsEndpoint}`,
      error,
      "Check that the OCI user is an identity-domain administrator of this domain, then run deploy again.",
    );
  }
  return "enabled";
}

/** PATCH active=false on the app, so Terraform can delete it (#2507). An app that is gone already is fine. */
export async function deactivateApp(
  auth: common.AuthenticationDetailsProvider,
  idcsEndpoint: string,
  appId: string,
): Promise<"deactivated" | "gone"> {
  try {
    await domainClient(auth, idcsEndpoint).patchApp({ appId, patchOp: replaceOp("active", false) });
  } catch (error) {
    if (statusOf(error) === 404) return "gone";
    throw callFailed(
      `Deactivating app ${appId} in ${idcsEndpoint}`,
      error,
      "Check that the OCI user is an " +
        "identity-domain administrator, then run the destroy (or teardown) again: it resumes.",
    );
  }
  return "deactivated";
}

export interface DeactivateDomainOptions {
  readonly domainId: string;
  /** The tenancy home region: domain changes go there (facts.md §1). */
  readonly region: string;
  /** @default OCI_IDENTITY_ENDPOINT_ENV, else the SDK's endpoint for the region */
  readonly endpoint?: string;
  /** @default 20 minutes, the provider's own default for domain operations */
  readonly timeoutMs?: number;
  /** @default 5000 */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deactivates a domain and waits for its work request, so Terraform can delete it (412 otherwise, #1781).
 * A domain that is INACTIVE already, or gone, is fine; a re-run after an interruption resumes.
 */
export async function deactivateDomain(
  auth: common.AuthenticationDetailsProvider,
  options: DeactivateDomainOptions,
): Promise<"deactivated" | "already-inactive" | "gone"> {
  const client = new (identitySdk().IdentityClient)({ authenticationDetailsProvider: auth });
  const endpoint = options.endpoint ?? process.env[OCI_IDENTITY_ENDPOINT_ENV];
  if (endpoint !== undefined && endpoint !== "") client.endpoint = endpoint.replace(/\/+$/, "");
  else client.regionId = options.region;
  const fix =
    "Check that the OCI user may manage domains in the tenancy and that the region is the home region; every app " +
    "in the domain must be inactive. Then run the destroy (or teardown) again: it resumes.";
  const what = `Deactivating domain ${options.domainId}`;

  let state: string | undefined;
  try {
    state = (await client.getDomain({ domainId: options.domainId })).domain.lifecycleState;
  } catch (error) {
    if (statusOf(error) === 404) return "gone";
    throw callFailed(what, error, fix);
  }
  if (state === "INACTIVE") return "already-inactive";
  if (state === "DELETED" || state === "DELETING") return "gone";

  let workRequestId: string | undefined;
  try {
    workRequestId = (await client.deactivateDomain({ domainId: options.domainId })).opcWorkRequestId;
  } catch (error) {
    throw callFailed(what, error, fix);
  }
  options.log?.(`${what}: work request ${workRequestId ?? "(none)"} accepted; waiting (this can take minutes)`);
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  let polls = 0;
  while (workRequestId !== undefined) {
    let status: string;
    try {
      status = (await client.getIamWorkRequest({ iamWorkRequestId: workRequestId })).iamWorkRequest.status;
    } catch (error) {
      throw callFailed(`${what} (work request ${workRequestId})`, error, fix);
    }
    if (status === "SUCCEEDED") return "deactivated";
    if (status === "FAILED" || status === "CANCELED") {
      throw new KitError("OCI_CALL_FAILED", `${what} failed: work request ${workRequestId} ended ${status}`, { fix });
    }
    if (Date.now() > deadline) {
      throw new KitError("OCI_CALL_FAILED", `${what}: work request ${workRequestId} still ${status} at the timeout`, {
        fix: "Wait for the work request to finish in the console, then run the destroy (or teardown) again.",
      });
    }
    // Short waits first: a quick operation (the twin's take a quarter second) is not held up by a 5 s poll, and a
    // slow one (minutes, on OCI) costs only a few extra GETs before the interval settles at pollMs.
    await sleep(Math.min(options.pollMs ?? 5000, 250 * 2 ** polls));
    polls += 1;
  }
  return "deactivated";
}
