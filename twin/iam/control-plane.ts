// The Identity API (20160918) part the kit and the provider use: identity domains, their lifecycle actions and
// IAM work requests, with OCI's request signatures and error bodies. Compartments, policies, users, groups and
// replication are not served.
import { z } from "zod";
import { domainView, newDomain, settle, startOperation, workRequestView } from "./domains";
import { jsonBody, ociError, type RouteModule, type TwinRequest, type TwinResponse } from "./http";
import { verifyOciSignature } from "./oci-signature";
import type { Domain, State, StateStore } from "./store";

export interface ControlPlaneContext {
  readonly store: StateStore;
  /** How long a domain state change runs before its work request succeeds. */
  readonly operationDelayMs: number;
  /** A fresh signing key for a new domain. */
  readonly signingKey: () => Promise<Domain["signingKey"]>;
  /** Opens a listener for a new domain's endpoint and returns its port. */
  readonly openDomainEndpoint: () => Promise<number>;
  /** Called after every change, so the server can open/close domain listeners and arm its sweep timer. */
  readonly changed: () => void;
}

const BASE = "/20160918";

/** License types the provider documents for `license_type` (facts.md §1). */
const LICENSE_TYPES = ["free", "premium", "external-user", "oracle-apps", "oracle-apps-premium"] as const;

const Tags = {
  freeformTags: z.record(z.string(), z.string()).optional(),
  definedTags: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
};

// oci-identity `model/create-domain-details.d.ts`: the five required fields, then the optional ones.
const CreateDomainDetails = z.object({
  compartmentId: z.string().min(1),
  displayName: z.string().min(1),
  description: z.string(),
  homeRegion: z.string().min(1),
  licenseType: z.enum(LICENSE_TYPES),
  isHiddenOnLogin: z.boolean().optional(),
  adminFirstName: z.string().optional(),
  adminLastName: z.string().optional(),
  adminUserName: z.string().optional(),
  adminEmail: z.string().optional(),
  isNotificationBypassed: z.boolean().optional(),
  isPrimaryEmailRequired: z.boolean().optional(),
  ...Tags,
});

// oci-identity `model/update-domain-details.d.ts`.
const UpdateDomainDetails = z.object({
  description: z.string().optional(),
  displayName: z.string().min(1).optional(),
  isHiddenOnLogin: z.boolean().optional(),
  ...Tags,
});

/** OCI's 404 for a missing or forbidden resource: it never says which. */
function notFound(what: string): TwinResponse {
  return ociError(404, "NotAuthorizedOrNotFound", `Authorization failed or requested resource not found: ${what}`);
}

/**
 * The refusal OCI gives for a lifecycle action in the wrong state. Observed for delete (oracle/terraform-provider-oci
 * #1781, therealcmj/ociextirpater#42): `412 PreConditionFailed, Cannot perform DELETE_DOMAIN operation on Domain
 * with Status CREATED` for an active domain, so the status word for ACTIVE is CREATED there. The wording for the
 * other operations and states is unknown; the twin uses the same pattern.
 */
function preconditionFailed(operation: string, domain: Domain): TwinResponse {
  const status = domain.lifecycleState === "ACTIVE" ? "CREATED" : domain.lifecycleState;
  return ociError(412, "PreConditionFailed", `Cannot perform ${operation} operation on Domain with Status ${status}`);
}

function invalid(error: z.ZodError): TwinResponse {
  const detail = error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
  return ociError(400, "InvalidParameter", detail);
}

function accepted(workRequestId: string): TwinResponse {
  return { status: 202, headers: { "opc-work-request-id": workRequestId } };
}

export function controlPlaneRoutes(context: ControlPlaneContext): RouteModule {
  const { store } = context;

  /** Every Identity API call must be signed with the tenancy's API key. */
  const signed =
    (handler: (request: TwinRequest) => TwinResponse | Promise<TwinResponse>) =>
    async (request: TwinRequest): Promise<TwinResponse> => {
      const state = store.read();
      const check = verifyOciSignature(request, state);
      if (!check.ok) {
        // OCI's answer for a missing or bad signature; the reason is the twin's addition, to help debugging.
        return ociError(
          401,
          "NotAuthenticated",
          `The required information to complete authentication was not provided or was incorrect. (${check.reason})`,
        );
      }
      const reply = await handler(request);
      context.changed();
      return reply;
    };

  /** Runs `change` on a settled domain under the lock; a missing (or deleted) domain is a 404. */
  const withDomain = (id: string, change: (domain: Domain, state: State) => TwinResponse): TwinResponse =>
    store.update((state) => {
      settle(state);
      const domain = state.domains[id];
      return domain ? change(domain, state) : notFound(`domain ${id}`);
    });

  const createDomain = async (request: TwinRequest): Promise<TwinResponse> => {
    const parsed = CreateDomainDetails.safeParse(jsonBody(request) ?? {});
    if (!parsed.success) return invalid(parsed.error);
    const details = parsed.data;
    // The admin fields go together with isNotificationBypassed: any one set means all must be (facts.md §1).
    const admin = [
      details.adminEmail,
      details.adminFirstName,
      details.adminLastName,
      details.adminUserName,
      details.isNotificationBypassed,
    ];
    if (admin.some((value) => value !== undefined) && admin.some((value) => value === undefined)) {
      return ociError(
        400,
        "InvalidParameter",
        "adminEmail, adminFirstName, adminLastName, adminUserName and isNotificationBypassed must be set together",
      );
    }
    const [port, signingKey] = await Promise.all([context.openDomainEndpoint(), context.signingKey()]);
    return store.update((state) => {
      const domain = newDomain(details, port, signingKey, state.tenancyId, state.region);
      state.domains[domain.id] = domain;
      const work = startOperation(state, domain, "CREATE_DOMAIN", context.operationDelayMs);
      return accepted(work.id);
    });
  };

  const getDomain = (request: TwinRequest): TwinResponse =>
    withDomain(request.params.domainId as string, (domain) => ({
      status: 200,
      headers: { etag: domain.timeCreated },
      body: domainView(domain),
    }));

  const listDomains = (request: TwinRequest): TwinResponse => {
    const query = request.url.searchParams;
    const compartmentId = query.get("compartmentId");
    // compartmentId is the one required query parameter (oci-identity `request/list-domains-request.d.ts`).
    if (!compartmentId) return ociError(400, "MissingParameter", "compartmentId is required");
    const filters: [string, (view: Record<string, unknown>) => unknown][] = [
      ["displayName", (view) => view.displayName],
      ["url", (view) => view.url],
      ["homeRegionUrl", (view) => view.homeRegionUrl],
      ["type", (view) => view.type],
      ["licenseType", (view) => view.licenseType],
      ["isHiddenOnLogin", (view) => String(view.isHiddenOnLogin)],
      ["name", (view) => view.displayName],
      ["lifecycleState", (view) => view.lifecycleState],
    ];
    const items = store.update((state) => {
      settle(state);
      return Object.values(state.domains)
        .map(domainView)
        .filter((view) => view.compartmentId === compartmentId)
        .filter((view) => filters.every(([name, pick]) => !query.has(name) || pick(view) === query.get(name)));
    });
    items.sort((a, b) => String(a.timeCreated).localeCompare(String(b.timeCreated)));
    return { status: 200, body: items };
  };

  const updateDomain = (request: TwinRequest): TwinResponse => {
    const parsed = UpdateDomainDetails.safeParse(jsonBody(request) ?? {});
    if (!parsed.success) return invalid(parsed.error);
    return withDomain(request.params.domainId as string, (domain, state) => {
      if (domain.pending || domain.lifecycleState !== "ACTIVE") return preconditionFailed("UPDATE_DOMAIN", domain);
      Object.assign(domain, Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined)));
      return accepted(startOperation(state, domain, "UPDATE_DOMAIN", context.operationDelayMs).id);
    });
  };

  const activate = (request: TwinRequest): TwinResponse =>
    withDomain(request.params.domainId as string, (domain, state) => {
      if (domain.pending || domain.lifecycleState !== "INACTIVE") return preconditionFailed("ACTIVATE_DOMAIN", domain);
      return accepted(startOperation(state, domain, "ACTIVATE_DOMAIN", context.operationDelayMs).id);
    });

  const deactivate = (request: TwinRequest): TwinResponse =>
    withDomain(request.params.domainId as string, (domain, state) => {
      if (domain.pending || domain.lifecycleState !== "ACTIVE") return preconditionFailed("DEACTIVATE_DOMAIN", domain);
      // The Default domain can never be deactivated (facts.md §1). The real status code is unknown.
      if (domain.type === "DEFAULT") {
        return ociError(412, "PreConditionFailed", "The Default identity domain cannot be deactivated");
      }
      // Every app in the domain must be deactivated before the domain can be (facts.md §1). The real status code and
      // wording are unknown; the twin refuses the way it refuses other lifecycle actions.
      const active = Object.values(domain.apps).filter((app) => app.active === true);
      if (active.length > 0) {
        const names = active.map((app) => String(app.displayName)).join(", ");
        return ociError(412, "PreConditionFailed", `Deactivate the domain's active apps first: ${names}`);
      }
      return accepted(startOperation(state, domain, "DEACTIVATE_DOMAIN", context.operationDelayMs).id);
    });

  const deleteDomain = (request: TwinRequest): TwinResponse =>
    withDomain(request.params.domainId as string, (domain, state) => {
      // Delete only an INACTIVE domain (oracle/terraform-provider-oci#1781; the provider does not deactivate first).
      if (domain.pending || domain.lifecycleState !== "INACTIVE") return preconditionFailed("DELETE_DOMAIN", domain);
      return accepted(startOperation(state, domain, "DELETE_DOMAIN", context.operationDelayMs).id);
    });

  const getWorkRequest = (request: TwinRequest): TwinResponse => {
    const id = request.params.workRequestId as string;
    const work = store.update((state) => {
      settle(state);
      return state.workRequests[id];
    });
    return work ? { status: 200, body: workRequestView(work) } : notFound(`work request ${id}`);
  };

  // The provider reads a failed work request's errors (oci-identity listIamWorkRequestErrors); the twin's work
  // requests do not fail on their own, so the list is empty.
  const listWorkRequestErrors = (request: TwinRequest): TwinResponse => {
    const work = store.read().workRequests[request.params.workRequestId as string];
    return work ? { status: 200, body: [] } : notFound(`work request ${request.params.workRequestId}`);
  };

  return {
    name: "oci-identity-control-plane",
    routes: [
      { method: "POST", path: `${BASE}/domains`, handler: signed(createDomain) },
      { method: "GET", path: `${BASE}/domains`, handler: signed(listDomains) },
      { method: "GET", path: `${BASE}/domains/:domainId`, handler: signed(getDomain) },
      { method: "PUT", path: `${BASE}/domains/:domainId`, handler: signed(updateDomain) },
      { method: "DELETE", path: `${BASE}/domains/:domainId`, handler: signed(deleteDomain) },
      { method: "POST", path: `${BASE}/domains/:domainId/actions/activate`, handler: signed(activate) },
      { method: "POST", path: `${BASE}/domains/:domainId/actions/deactivate`, handler: signed(deactivate) },
      { method: "GET", path: `${BASE}/iamWorkRequests/:workRequestId`, handler: signed(getWorkRequest) },
      { method: "GET", path: `${BASE}/iamWorkRequests/:workRequestId/errors`, handler: signed(listWorkRequestErrors) },
    ],
  };
}
