// Identity domain records and their lifecycle: creating one (with its signing key and Settings), the JSON the
// Identity API returns for it, and state changes that finish after a delay, the way OCI's work requests do. It
// neither listens nor routes.
import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { ocid } from "./oci-signature";
import type { Domain, Operation, ScimResource, State, WorkRequest } from "./store";

export const SCHEMA = {
  settings: "urn:ietf:params:scim:schemas:oracle:idcs:Settings",
  app: "urn:ietf:params:scim:schemas:oracle:idcs:App",
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  /** OCI appends this extension schema after create (facts.md §5, `schemas`). */
  ociTags: "urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
} as const;

/** A domain's own endpoint: a bare origin, like `https://idcs-<hex>.identity.oraclecloud.com:443` (facts.md §1). */
export function domainUrl(domain: Pick<Domain, "port">): string {
  // An IP literal, not `localhost`: a name that resolves to ::1 first would miss a listener bound to 127.0.0.1.
  return `https://127.0.0.1:${domain.port}`;
}

/** The Domain / DomainSummary JSON of the Identity API (oci-identity `model/domain.d.ts`). */
export function domainView(domain: Domain): Record<string, unknown> {
  return {
    id: domain.id,
    compartmentId: domain.compartmentId,
    displayName: domain.displayName,
    description: domain.description,
    url: domainUrl(domain),
    // Real domains have a region-specific URL too; the twin has one region and one endpoint per domain.
    homeRegionUrl: domainUrl(domain),
    homeRegion: domain.homeRegion,
    replicaRegions: [],
    type: domain.type,
    licenseType: domain.licenseType,
    isHiddenOnLogin: domain.isHiddenOnLogin,
    timeCreated: domain.timeCreated,
    lifecycleState: domain.lifecycleState,
    ...(domain.lifecycleDetails ? { lifecycleDetails: domain.lifecycleDetails } : {}),
    freeformTags: domain.freeformTags,
    definedTags: domain.definedTags,
  };
}

/** A fresh RS256 signing key for a domain's tokens (ORDS accepts RSA 2048–4096, facts.md §2). */
export async function newSigningKey(): Promise<Domain["signingKey"]> {
  // Asynchronous: a 2048-bit key takes long enough on a loaded machine to stall every other listener.
  const { publicKey, privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const kid = `SIGNING_KEY_${randomBytes(6).toString("hex")}`;
  return {
    kid,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicJwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" },
  };
}

export function scimMeta(resourceType: string, location: string, now = new Date()): Record<string, unknown> {
  const stamp = now.toISOString();
  return { resourceType, created: stamp, lastModified: stamp, location, version: randomBytes(8).toString("hex") };
}

/**
 * The Settings a new domain starts with. Only `signingCertPublicAccess: false` is known (facts.md §1: client access
 * is off until configured). `csrAccess` is required by the SDK model, and its default is not documented. The other
 * attributes (language, locale, timezone, diagnostic level) are the twin's own seed. Real domains carry many more,
 * with undocumented defaults. The seed is there so that a PUT which omits them visibly resets them.
 */
function initialSettings(domain: Pick<Domain, "id" | "compartmentId" | "port">, tenancyId: string): ScimResource {
  return {
    schemas: [SCHEMA.settings],
    id: "Settings",
    meta: scimMeta("Settings", `${domainUrl(domain)}/admin/v1/Settings/Settings`),
    domainOcid: domain.id,
    compartmentOcid: domain.compartmentId,
    tenancyOcid: tenancyId,
    csrAccess: "none",
    signingCertPublicAccess: false,
    preferredLanguage: "en",
    locale: "en",
    timezone: "UTC",
    diagnosticLevel: 0,
  };
}

export interface NewDomain {
  readonly compartmentId: string;
  readonly displayName: string;
  readonly description: string;
  readonly homeRegion: string;
  readonly licenseType: string;
  readonly isHiddenOnLogin?: boolean;
  readonly freeformTags?: Record<string, string>;
  readonly definedTags?: Record<string, Record<string, unknown>>;
  readonly type?: Domain["type"];
}

export function newDomain(
  input: NewDomain,
  port: number,
  signingKey: Domain["signingKey"],
  tenancyId: string,
  region: string,
): Domain {
  const id = ocid("domain", region);
  const base = { id, compartmentId: input.compartmentId, port };
  return {
    ...base,
    displayName: input.displayName,
    description: input.description,
    homeRegion: input.homeRegion,
    licenseType: input.licenseType,
    isHiddenOnLogin: input.isHiddenOnLogin ?? false,
    type: input.type ?? "SECONDARY",
    lifecycleState: "CREATING",
    timeCreated: new Date().toISOString(),
    freeformTags: input.freeformTags ?? {},
    definedTags: input.definedTags ?? {},
    signingKey,
    settings: initialSettings(base, tenancyId),
    apps: {},
    users: {},
  };
}

/** Records a work request and marks the domain busy until `delayMs` has passed. */
export function startOperation(state: State, domain: Domain, operation: Operation, delayMs: number): WorkRequest {
  const now = Date.now();
  const request: WorkRequest = {
    id: ocid("iamworkrequest", state.region),
    operationType: operation,
    compartmentId: domain.compartmentId,
    domainId: domain.id,
    timeAccepted: new Date(now).toISOString(),
    readyAt: now + delayMs,
    failed: false,
  };
  state.workRequests[request.id] = request;
  domain.pending = { operation, workRequestId: request.id, readyAt: request.readyAt };
  // What the domain shows while the work runs (oci-identity Domain.LifecycleState / LifecycleDetails).
  if (operation === "CREATE_DOMAIN") domain.lifecycleState = "CREATING";
  if (operation === "DELETE_DOMAIN") domain.lifecycleState = "DELETING";
  if (operation === "DEACTIVATE_DOMAIN") domain.lifecycleDetails = "DEACTIVATING";
  if (operation === "ACTIVATE_DOMAIN") domain.lifecycleDetails = "ACTIVATING";
  if (operation === "UPDATE_DOMAIN") domain.lifecycleDetails = "UPDATING";
  return request;
}

/** Finishes every state change whose time has come. Returns whether anything changed. */
export function settle(state: State, now = Date.now()): boolean {
  let changed = false;
  for (const domain of Object.values(state.domains)) {
    const pending = domain.pending;
    if (!pending || pending.readyAt > now) continue;
    changed = true;
    domain.pending = undefined;
    domain.lifecycleDetails = undefined;
    if (pending.operation === "CREATE_DOMAIN" || pending.operation === "ACTIVATE_DOMAIN") {
      domain.lifecycleState = "ACTIVE";
    } else if (pending.operation === "DEACTIVATE_DOMAIN") {
      domain.lifecycleState = "INACTIVE";
    } else if (pending.operation === "DELETE_DOMAIN") {
      delete state.domains[domain.id];
    }
  }
  return changed;
}

/** The earliest time a pending change finishes, for the sweep timer. */
export function nextDeadline(state: State): number | undefined {
  const times = Object.values(state.domains).flatMap((domain) => (domain.pending ? [domain.pending.readyAt] : []));
  return times.length > 0 ? Math.min(...times) : undefined;
}

const ACTION: Record<Operation, string> = {
  CREATE_DOMAIN: "CREATED",
  UPDATE_DOMAIN: "UPDATED",
  ACTIVATE_DOMAIN: "UPDATED",
  DEACTIVATE_DOMAIN: "UPDATED",
  // Not DELETED: the provider's Delete (identity_domain_resource.go, domainWaitForWorkRequest with UPDATED) fails on
  // any other action type, yet destroying a deactivated domain works against OCI (oci-landing-zones/
  // oracle-enterprise-landingzone#101), so the service must answer UPDATED. Inferred, not documented.
  DELETE_DOMAIN: "UPDATED",
};

/** The IamWorkRequest JSON (oci-identity `model/iam-work-request.d.ts`). */
export function workRequestView(request: WorkRequest, now = Date.now()): Record<string, unknown> {
  const done = now >= request.readyAt;
  const status = !done ? "IN_PROGRESS" : request.failed ? "FAILED" : "SUCCEEDED";
  return {
    id: request.id,
    operationType: request.operationType,
    status,
    compartmentId: request.compartmentId,
    resources: [
      {
        entityType: "domain",
        actionType: done ? ACTION[request.operationType] : "IN_PROGRESS",
        identifier: request.domainId,
        entityUri: `/20160918/domains/${request.domainId}`,
      },
    ],
    percentComplete: done ? 100 : 50,
    timeAccepted: request.timeAccepted,
    timeStarted: request.timeAccepted,
    ...(done ? { timeFinished: new Date(request.readyAt).toISOString() } : {}),
  };
}
