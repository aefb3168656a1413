// A domain's SCIM admin API, for the resources the kit manages: Apps, the Settings singleton and Users (GET, POST,
// PUT = replace, PATCH = RFC 7644 PatchOp, DELETE), with OCI request signatures as the credential. Groups, grants,
// bulk, sorting, paging and complex filters are not served; unsupported requests get a SCIM error saying so.
import { randomBytes, randomUUID } from "node:crypto";
import { domainUrl, SCHEMA, scimMeta, settle } from "./domains";
import { jsonBody, type RouteModule, scimError, type TwinRequest, type TwinResponse } from "./http";
import { verifyOciSignature } from "./oci-signature";
import type { Domain, ScimResource, State, StateStore } from "./store";

export interface DomainEndpointContext {
  readonly store: StateStore;
  /** The port of the listener these routes serve: it identifies the domain. */
  readonly port: number;
  readonly changed: () => void;
}

/** Attributes the service sets and a client cannot (RFC 7643 §3.1 common attributes, plus OCI's own). */
const SERVER_OWNED = [
  "id",
  "meta",
  "ocid",
  "domainOcid",
  "compartmentOcid",
  "tenancyOcid",
  "idcsCreatedBy",
  "idcsLastModifiedBy",
  "idcsPreventedOperations",
  "deleteInProgress",
  "idcsLastUpgradedInRelease",
];
/** An app's `name` is its client id and `clientSecret` its secret: both generated (facts.md §1). */
const APP_OWNED = [...SERVER_OWNED, "name", "clientSecret", "hashedClientSecret"];

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reply: TwinResponse };

/**
 * The domain this listener serves, settled. Operations against a domain that is not ACTIVE are refused: resources
 * inside an inactive domain cannot be changed or destroyed (oci-landing-zones/oracle-enterprise-landingzone#101,
 * facts.md §5). The real status code and wording are unknown; the twin answers 403.
 */
export function activeDomain(state: State, port: number): Outcome<Domain> {
  settle(state);
  const domain = Object.values(state.domains).find((candidate) => candidate.port === port);
  if (!domain) return { ok: false, reply: scimError(404, "No identity domain is served here") };
  if (domain.lifecycleState !== "ACTIVE") {
    return {
      ok: false,
      reply: scimError(403, `The identity domain ${domain.displayName} is ${domain.lifecycleState}, not ACTIVE`),
    };
  }
  return { ok: true, value: domain };
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * The stored key an attribute name refers to. SCIM attribute names are case-insensitive (RFC 7643 §2.1), and
 * Oracle's own sample patches `SigningCertPublicAccess` (facts.md §5), so a name matches an existing key in any
 * case; a new attribute takes the camelCase spelling of the SDK models.
 */
function attributeKey(resource: ScimResource, name: string): string {
  return Object.keys(resource).find((key) => key.toLowerCase() === name.toLowerCase()) ?? lowerFirst(name);
}

function isOwned(owned: readonly string[], key: string): boolean {
  return owned.some((name) => name.toLowerCase() === key.toLowerCase());
}

/**
 * Applies a SCIM PatchOp (RFC 7644 §3.5.2) to `resource` in place. Simple attribute paths only: a path with a
 * filter or a sub-attribute is refused as not implemented, never guessed. `op` is matched case-insensitively:
 * Oracle's sample sends `replace`, the SDK's Operations.Op enum sends `REPLACE`.
 */
function applyPatch(resource: ScimResource, body: Record<string, unknown> | undefined, owned: readonly string[]) {
  const schemas = body?.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(SCHEMA.patchOp)) {
    return scimError(400, `schemas must contain ${SCHEMA.patchOp}`, "invalidSyntax");
  }
  const operations = body?.Operations;
  if (!Array.isArray(operations) || operations.length === 0) {
    return scimError(400, "Operations must be a non-empty array", "invalidSyntax");
  }
  for (const operation of operations as Record<string, unknown>[]) {
    const op = String(operation?.op ?? "").toLowerCase();
    if (!["add", "replace", "remove"].includes(op))
      return scimError(400, `unknown op ${operation?.op}`, "invalidSyntax");
    const path = operation.path;
    if (path === undefined) {
      const value = operation.value;
      if (op === "remove" || value === null || typeof value !== "object" || Array.isArray(value)) {
        return scimError(400, "an operation without path needs an object value", "noTarget");
      }
      for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
        if (isOwned(owned, name)) return scimError(400, `${name} is read-only`, "mutability");
        resource[attributeKey(resource, name)] = item;
      }
      continue;
    }
    if (typeof path !== "string" || /[.[\]\s]/.test(path) || path.includes(":")) {
      return scimError(400, `the twin does not implement the path ${String(path)}`, "invalidPath");
    }
    if (isOwned(owned, path)) return scimError(400, `${path} is read-only`, "mutability");
    const key = attributeKey(resource, path);
    if (op === "remove") {
      delete resource[key];
    } else if (op === "add" && Array.isArray(resource[key]) && Array.isArray(operation.value)) {
      resource[key] = [...(resource[key] as unknown[]), ...(operation.value as unknown[])];
    } else {
      resource[key] = operation.value;
    }
  }
  return undefined;
}

/** A PUT body replacing `current`: everything the client may set comes from the body; what the server owns stays. */
function replaced(current: ScimResource, body: Record<string, unknown>, owned: readonly string[]): ScimResource {
  const next: ScimResource = {};
  for (const [key, value] of Object.entries(body)) if (!isOwned(owned, key)) next[key] = value;
  for (const key of owned) if (current[key] !== undefined) next[key] = current[key];
  return next;
}

function touch(resource: ScimResource): void {
  const meta = (resource.meta ?? {}) as Record<string, unknown>;
  resource.meta = { ...meta, lastModified: new Date().toISOString(), version: randomBytes(8).toString("hex") };
}

function withResourceHeaders(resource: ScimResource, status = 200): TwinResponse {
  const version = (resource.meta as Record<string, unknown> | undefined)?.version;
  return {
    status,
    headers: { "content-type": "application/scim+json", ...(version ? { etag: `W/"${version}"` } : {}) },
    body: resource,
  };
}

/** `attr eq "value"`, the one filter form the twin serves (RFC 7644 §3.4.2.2 has many more). */
function filterOf(text: string | null): Outcome<((resource: ScimResource) => boolean) | undefined> {
  if (text === null || text.trim() === "") return { ok: true, value: undefined };
  const match = /^\s*([A-Za-z]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(text);
  if (!match)
    return { ok: false, reply: scimError(400, `the twin does not implement the filter ${text}`, "invalidFilter") };
  const [, name, value] = match as unknown as [string, string, string];
  // String comparison for eq follows the attribute's caseExact; the twin compares exactly.
  return { ok: true, value: (resource) => resource[attributeKey(resource, name)] === value };
}

function listResponse(resources: ScimResource[]): TwinResponse {
  return {
    status: 200,
    headers: { "content-type": "application/scim+json" },
    body: {
      schemas: [SCHEMA.listResponse],
      totalResults: resources.length,
      Resources: resources,
      startIndex: 1,
      itemsPerPage: resources.length,
    },
  };
}

const id32 = () => randomBytes(16).toString("hex");

/** Server-computed parts of an app: each scope's fqs is audience + value, nothing in between (facts.md §1). */
function deriveApp(app: ScimResource): void {
  if (Array.isArray(app.scopes)) {
    const audience = typeof app.audience === "string" ? app.audience : "";
    app.scopes = (app.scopes as Record<string, unknown>[]).map((scope) => ({
      ...scope,
      fqs: `${audience}${String(scope.value ?? "")}`,
    }));
  }
}

function checkApp(body: Record<string, unknown>): TwinResponse | undefined {
  // Required by the SDK model (`model/app.d.ts`: schemas, displayName, basedOnTemplate) and the provider schema.
  if (!Array.isArray(body.schemas) || !body.schemas.includes(SCHEMA.app)) {
    return scimError(400, `schemas must contain ${SCHEMA.app}`, "invalidValue");
  }
  if (typeof body.displayName !== "string" || body.displayName === "") {
    return scimError(400, "displayName is required", "invalidValue");
  }
  const template = body.basedOnTemplate as Record<string, unknown> | undefined;
  if (typeof template?.value !== "string") return scimError(400, "basedOnTemplate.value is required", "invalidValue");
  if (body.active !== undefined && typeof body.active !== "boolean") {
    return scimError(400, "active must be a boolean", "invalidValue");
  }
  return undefined;
}

function checkUser(body: Record<string, unknown>): TwinResponse | undefined {
  if (!Array.isArray(body.schemas) || !body.schemas.includes(SCHEMA.user)) {
    return scimError(400, `schemas must contain ${SCHEMA.user}`, "invalidValue");
  }
  if (typeof body.userName !== "string" || body.userName === "") {
    return scimError(400, "userName is required", "invalidValue");
  }
  return undefined;
}

/** `csrAccess` values (facts.md §1); required by the SDK model `model/setting.d.ts`. */
const CSR_ACCESS = ["none", "readOnly", "readWrite"];

function checkSettings(settings: ScimResource): TwinResponse | undefined {
  if (!Array.isArray(settings.schemas) || !settings.schemas.includes(SCHEMA.settings)) {
    return scimError(400, `schemas must contain ${SCHEMA.settings}`, "invalidValue");
  }
  if (!CSR_ACCESS.includes(String(settings.csrAccess))) {
    return scimError(400, `csrAccess must be one of ${CSR_ACCESS.join(", ")}`, "invalidValue");
  }
  const access = settings.signingCertPublicAccess;
  if (access !== undefined && typeof access !== "boolean") {
    return scimError(400, "signingCertPublicAccess must be a boolean", "invalidValue");
  }
  return undefined;
}

export function scimRoutes(context: DomainEndpointContext): RouteModule {
  const { store, port } = context;

  /** Signed request → active domain → `work` under the state lock. */
  const admin =
    (work: (domain: Domain, request: TwinRequest, state: State) => TwinResponse) =>
    (request: TwinRequest): TwinResponse => {
      const reply = store.update((state) => {
        // SCIM admin calls need credentials. The twin accepts the tenancy's OCI request signature, which is how
        // the SDK and the provider call it; bearer admin tokens are not implemented and therefore refused.
        const check = verifyOciSignature(request, state);
        if (!check.ok) return scimError(401, `This operation requires credentials: ${check.reason}`);
        const domain = activeDomain(state, port);
        if (!domain.ok) return domain.reply;
        return work(domain.value, request, state);
      });
      context.changed();
      return reply;
    };

  const location = (domain: Domain, kind: string, id: string) => `${domainUrl(domain)}/admin/v1/${kind}/${id}`;

  // ---- Apps --------------------------------------------------------------------------------------------------------

  const createApp = admin((domain, request, state) => {
    const body = jsonBody(request);
    if (!body) return scimError(400, "the body must be a JSON object", "invalidSyntax");
    const problem = checkApp(body);
    if (problem) return problem;
    const id = id32();
    const app: ScimResource = {
      ...replaced({}, body, APP_OWNED),
      // OCI appends the OCITags extension schema after create (facts.md §5, `schemas`).
      schemas: [...new Set([...(body.schemas as string[]), SCHEMA.ociTags])],
      id,
      ocid: `ocid1.domainapp.oc1.${state.region}.${id}`,
      meta: scimMeta("App", location(domain, "Apps", id)),
      domainOcid: domain.id,
      compartmentOcid: domain.compartmentId,
      tenancyOcid: state.tenancyId,
      // The client id (facts.md §1: the client id is the app's `name`).
      name: id32(),
      // The provider's default leaves a new app inactive, and the kit sets `active` explicitly (facts.md §1). The
      // service's own default is not documented; the twin takes the stricter one.
      active: body.active ?? false,
    };
    if (body.isOAuthClient === true && body.clientType === "confidential") {
      // The twin's format; it holds a "-", so a client that form-encodes Basic credentials (src/oauth/client.ts)
      // shows the difference.
      app.clientSecret = `idcscs-${randomUUID()}`;
    }
    deriveApp(app);
    domain.apps[id] = app;
    return withResourceHeaders(app, 201);
  });

  const appOf = (domain: Domain, request: TwinRequest): Outcome<ScimResource> => {
    const app = domain.apps[request.params.appId as string];
    return app
      ? { ok: true, value: app }
      : { ok: false, reply: scimError(404, `No App with id ${request.params.appId}`) };
  };

  const getApp = admin((domain, request) => {
    const app = appOf(domain, request);
    return app.ok ? withResourceHeaders(app.value) : app.reply;
  });

  const listApps = admin((domain, request) => {
    const filter = filterOf(request.url.searchParams.get("filter"));
    if (!filter.ok) return filter.reply;
    const test = filter.value;
    return listResponse(Object.values(domain.apps).filter((app) => (test ? test(app) : true)));
  });

  const putApp = admin((domain, request) => {
    const app = appOf(domain, request);
    if (!app.ok) return app.reply;
    const body = jsonBody(request);
    if (!body) return scimError(400, "the body must be a JSON object", "invalidSyntax");
    const problem = checkApp(body);
    if (problem) return problem;
    const next = replaced(app.value, body, APP_OWNED);
    next.active = body.active ?? false;
    deriveApp(next);
    touch(next);
    domain.apps[app.value.id as string] = next;
    return withResourceHeaders(next);
  });

  const patchApp = admin((domain, request) => {
    const app = appOf(domain, request);
    if (!app.ok) return app.reply;
    const next = structuredClone(app.value);
    const problem = applyPatch(next, jsonBody(request), APP_OWNED) ?? checkApp(next);
    if (problem) return problem;
    deriveApp(next);
    touch(next);
    domain.apps[app.value.id as string] = next;
    return withResourceHeaders(next);
  });

  const deleteApp = admin((domain, request) => {
    const app = appOf(domain, request);
    if (!app.ok) return app.reply;
    // An active app cannot be deleted, even with forceDelete=true (facts.md §1, oracle/terraform-provider-oci#2507;
    // the fix, PR #2469, deactivates first). The real status code and wording are not public (the output
    // is in a gist); the twin answers 400.
    if (app.value.active === true) {
      return scimError(400, `The App ${String(app.value.displayName)} is active; deactivate it before deleting it`);
    }
    delete domain.apps[app.value.id as string];
    return { status: 204 };
  });

  // ---- Settings ----------------------------------------------------------------------------------------------------

  const settingsOnly = (request: TwinRequest): TwinResponse | undefined =>
    request.params.settingId === "Settings"
      ? undefined
      : scimError(404, `No Settings with id ${request.params.settingId}`);

  const getSettings = admin((domain, request) => settingsOnly(request) ?? withResourceHeaders(domain.settings));

  const listSettings = admin((domain) => listResponse([domain.settings]));

  const putSettings = admin((domain, request) => {
    const wrongId = settingsOnly(request);
    if (wrongId) return wrongId;
    const body = jsonBody(request);
    if (!body) return scimError(400, "the body must be a JSON object", "invalidSyntax");
    // PutSetting replaces the whole object: attributes the body omits are gone afterwards (facts.md §5,
    // `oci_identity_domains_setting`: "the whole object is sent, so attributes the config omits are reset").
    const next = replaced(domain.settings, body, SERVER_OWNED);
    const problem = checkSettings(next);
    if (problem) return problem;
    touch(next);
    domain.settings = next;
    return withResourceHeaders(next);
  });

  const patchSettings = admin((domain, request) => {
    const wrongId = settingsOnly(request);
    if (wrongId) return wrongId;
    const next = structuredClone(domain.settings);
    // A PATCH changes only the attributes it names (Oracle's sample patches SigningCertPublicAccess, facts.md §5).
    const problem = applyPatch(next, jsonBody(request), SERVER_OWNED) ?? checkSettings(next);
    if (problem) return problem;
    touch(next);
    domain.settings = next;
    return withResourceHeaders(next);
  });

  // ---- Users -------------------------------------------------------------------------------------------------------

  const userOf = (domain: Domain, request: TwinRequest): Outcome<ScimResource> => {
    const user = domain.users[request.params.userId as string];
    return user
      ? { ok: true, value: user }
      : { ok: false, reply: scimError(404, `No User with id ${request.params.userId}`) };
  };

  const duplicateUserName = (domain: Domain, userName: unknown, except?: string): TwinResponse | undefined => {
    const clash = Object.values(domain.users).find(
      (user) => user.id !== except && String(user.userName).toLowerCase() === String(userName).toLowerCase(),
    );
    // userName is unique (RFC 7643 §4.1.1, case-insensitive); a clash is 409 uniqueness (RFC 7644 §3.3).
    return clash ? scimError(409, `A User with userName ${String(userName)} already exists`, "uniqueness") : undefined;
  };

  const createUser = admin((domain, request, state) => {
    const body = jsonBody(request);
    if (!body) return scimError(400, "the body must be a JSON object", "invalidSyntax");
    const problem = checkUser(body) ?? duplicateUserName(domain, body.userName);
    if (problem) return problem;
    const id = id32();
    const user: ScimResource = {
      ...replaced({}, body, SERVER_OWNED),
      schemas: [...new Set([...(body.schemas as string[]), SCHEMA.ociTags])],
      id,
      ocid: `ocid1.user.oc1.${state.region}.${id}`,
      meta: scimMeta("User", location(domain, "Users", id)),
      domainOcid: domain.id,
      compartmentOcid: domain.compartmentId,
      tenancyOcid: state.tenancyId,
      // SCIM users are active unless created otherwise; the twin assumes OCI follows that.
      active: body.active ?? true,
    };
    domain.users[id] = user;
    return withResourceHeaders(user, 201);
  });

  const getUser = admin((domain, request) => {
    const user = userOf(domain, request);
    return user.ok ? withResourceHeaders(user.value) : user.reply;
  });

  const listUsers = admin((domain, request) => {
    const filter = filterOf(request.url.searchParams.get("filter"));
    if (!filter.ok) return filter.reply;
    const test = filter.value;
    return listResponse(Object.values(domain.users).filter((user) => (test ? test(user) : true)));
  });

  const putUser = admin((domain, request) => {
    const user = userOf(domain, request);
    if (!user.ok) return user.reply;
    const body = jsonBody(request);
    if (!body) return scimError(400, "the body must be a JSON object", "invalidSyntax");
    const problem = checkUser(body) ?? duplicateUserName(domain, body.userName, user.value.id as string);
    if (problem) return problem;
    const next = replaced(user.value, body, SERVER_OWNED);
    touch(next);
    domain.users[user.value.id as string] = next;
    return withResourceHeaders(next);
  });

  const patchUser = admin((domain, request) => {
    const user = userOf(domain, request);
    if (!user.ok) return user.reply;
    const next = structuredClone(user.value);
    const problem =
      applyPatch(next, jsonBody(request), SERVER_OWNED) ??
      checkUser(next) ??
      duplicateUserName(domain, next.userName, user.value.id as string);
    if (problem) return problem;
    touch(next);
    domain.users[user.value.id as string] = next;
    return withResourceHeaders(next);
  });

  const deleteUser = admin((domain, request) => {
    const user = userOf(domain, request);
    if (!user.ok) return user.reply;
    delete domain.users[user.value.id as string];
    return { status: 204 };
  });

  return {
    name: "oci-identity-domains-scim",
    routes: [
      { method: "POST", path: "/admin/v1/Apps", handler: createApp },
      { method: "GET", path: "/admin/v1/Apps", handler: listApps },
      { method: "GET", path: "/admin/v1/Apps/:appId", handler: getApp },
      { method: "PUT", path: "/admin/v1/Apps/:appId", handler: putApp },
      { method: "PATCH", path: "/admin/v1/Apps/:appId", handler: patchApp },
      { method: "DELETE", path: "/admin/v1/Apps/:appId", handler: deleteApp },
      { method: "GET", path: "/admin/v1/Settings", handler: listSettings },
      { method: "GET", path: "/admin/v1/Settings/:settingId", handler: getSettings },
      { method: "PUT", path: "/admin/v1/Settings/:settingId", handler: putSettings },
      { method: "PATCH", path: "/admin/v1/Settings/:settingId", handler: patchSettings },
      { method: "POST", path: "/admin/v1/Users", handler: createUser },
      { method: "GET", path: "/admin/v1/Users", handler: listUsers },
      { method: "GET", path: "/admin/v1/Users/:userId", handler: getUser },
      { method: "PUT", path: "/admin/v1/Users/:userId", handler: putUser },
      { method: "PATCH", path: "/admin/v1/Users/:userId", handler: patchUser },
      { method: "DELETE", path: "/admin/v1/Users/:userId", handler: deleteUser },
    ],
  };
}
