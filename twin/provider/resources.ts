// Managed and data resources of the twin provider: the REST calls to the IAM twin, in the order and shape the
// real provider's Go code makes them (each function cites its file). Loaded on the first apply or read only.
import { createHash } from "node:crypto";
import { errorDiagnostic } from "./diagnostics";
import { blockFromJson, blockToJson } from "./json-mapping";
import { type OciClient, OciServiceError, ociClient, readTwinRuntime } from "./oci-client";
import type { ApplyRequest, ProviderState, ReadDataRequest, ReadRequest } from "./requests";
import { providerSchema, type SchemaBlock, shapeBlock, shapeType } from "./schema";
import { decodeValue, encodeValue, isUnknown, type ObjectValue, type Value } from "./values";

const IDENTITY_API = "/20160918";

interface Context {
  readonly client: OciClient;
  readonly controlPlane: string;
}

let cached: Context | undefined;

function context(state: ProviderState): Context {
  if (cached) return cached;
  const runtime = readTwinRuntime();
  const profile = typeof state.config.config_file_profile === "string" ? state.config.config_file_profile : "DEFAULT";
  cached = {
    client: ociClient(runtime, profile),
    controlPlane: `${runtime.controlPlaneUrl.replace(/\/+$/, "")}${IDENTITY_API}`,
  };
  return cached;
}

function asObject(value: Value | undefined): ObjectValue {
  return value !== null &&
    value !== undefined &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !isUnknown(value)
    ? value
    : {};
}

function text(value: Value | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function block(type: string, kind: "resource" | "data"): SchemaBlock {
  const schema = providerSchema();
  const entry = kind === "resource" ? schema.resource_schemas[type] : schema.data_source_schemas[type];
  if (!entry) throw new Error(`The twin oracle/oci provider has no ${kind} ${type}`);
  return entry.block;
}

/** The SCIM base of a domain: its url (idcs_endpoint) without a trailing slash. */
function scimBase(object: ObjectValue): string {
  const endpoint = text(object.idcs_endpoint);
  if (!endpoint) throw new Error("idcs_endpoint is not set");
  return endpoint.replace(/\/+$/, "");
}

/** Go's time.Time.String() of an RFC 3339 time, as SetData stores time_created (`s.Res.TimeCreated.String()`). */
export function goTimeString(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [day, time] = date.toISOString().replace("Z", "").split("T") as [string, string];
  const [clock, millis = "0"] = time.split(".") as [string, string?];
  const fraction = millis.replace(/0+$/, "");
  return `${day} ${clock}${fraction ? `.${fraction}` : ""} +0000 UTC`;
}

// ---------------------------------------------------------------------------------------------------------------
// oci_identity_domain: internal/service/identity/identity_domain_resource.go

/** SetData of identity_domain_resource.go: the admin fields and the two create-only flags are never read back. */
function domainToState(domain: Record<string, unknown>, planned: ObjectValue): ObjectValue {
  const keep = (name: string): Value => {
    const value = planned[name];
    return value === undefined || isUnknown(value) ? null : value;
  };
  const definedTags = (domain.definedTags ?? {}) as Record<string, Record<string, unknown>>;
  const flatTags: Record<string, string> = {};
  for (const [namespace, tags] of Object.entries(definedTags)) {
    for (const [key, value] of Object.entries(tags ?? {})) flatTags[`${namespace}.${key}`] = String(value);
  }
  return {
    ...shapeBlock(block("oci_identity_domain", "resource"), {}),
    id: domain.id as Value,
    admin_email: keep("admin_email"),
    admin_first_name: keep("admin_first_name"),
    admin_last_name: keep("admin_last_name"),
    admin_user_name: keep("admin_user_name"),
    is_notification_bypassed: keep("is_notification_bypassed"),
    is_primary_email_required: keep("is_primary_email_required"),
    timeouts: keep("timeouts"),
    compartment_id: (domain.compartmentId ?? null) as Value,
    defined_tags: flatTags,
    description: (domain.description ?? null) as Value,
    display_name: (domain.displayName ?? null) as Value,
    freeform_tags: (domain.freeformTags ?? {}) as Value,
    home_region: (domain.homeRegion ?? null) as Value,
    home_region_url: (domain.homeRegionUrl ?? null) as Value,
    is_hidden_on_login: (domain.isHiddenOnLogin ?? null) as Value,
    license_type: (domain.licenseType ?? null) as Value,
    lifecycle_details: (domain.lifecycleDetails ?? null) as Value,
    replica_regions: ((domain.replicaRegions ?? []) as Record<string, unknown>[]).map((region) => ({
      region: (region.region ?? null) as Value,
      state: (region.state ?? null) as Value,
      url: (region.url ?? null) as Value,
    })),
    state: (domain.lifecycleState ?? null) as Value,
    time_created: typeof domain.timeCreated === "string" ? goTimeString(domain.timeCreated) : null,
    type: (domain.type ?? null) as Value,
    url: (domain.url ?? null) as Value,
  };
}

function tagsToJson(value: Value | undefined): Record<string, unknown> | undefined {
  const object = asObject(value);
  return Object.keys(object).length > 0 ? object : undefined;
}

/** tfresource.MapToDefinedTags: `namespace.key` → { namespace: { key: value } }. */
function definedTagsToJson(value: Value | undefined): Record<string, Record<string, unknown>> | undefined {
  const flat = asObject(value);
  if (Object.keys(flat).length === 0) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, tag] of Object.entries(flat)) {
    const dot = key.indexOf(".");
    if (dot < 1) throw new Error(`defined_tags key ${key} is not namespace.key`);
    const namespace = key.slice(0, dot);
    out[namespace] = { ...(out[namespace] ?? {}), [key.slice(dot + 1)]: tag };
  }
  return out;
}

const WORK_REQUEST_DONE = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);
const POLL_MS = 250;
const WORK_REQUEST_TIMEOUT_MS = 20 * 60_000;

/** domainWaitForWorkRequest: poll until the work request finishes, then take the domain it acted on. */
async function waitForWorkRequest(
  ctx: Context,
  id: string | undefined,
  action: "CREATED" | "UPDATED",
): Promise<string> {
  if (!id) throw new Error("the service answered without an opc-work-request-id");
  const deadline = Date.now() + WORK_REQUEST_TIMEOUT_MS;
  for (;;) {
    const response = await ctx.client.call("GET", `${ctx.controlPlane}/iamWorkRequests/${encodeURIComponent(id)}`);
    const request = (response.json ?? {}) as {
      status?: string;
      operationType?: string;
      resources?: { entityType?: string; actionType?: string; identifier?: string }[];
    };
    if (request.status && WORK_REQUEST_DONE.has(request.status)) {
      const resource = (request.resources ?? []).find(
        (r) => (r.entityType ?? "").toLowerCase().includes("domain") && r.actionType === action,
      );
      if (request.status === "SUCCEEDED" && resource?.identifier) return resource.identifier;
      const errors = await ctx.client.call(
        "GET",
        `${ctx.controlPlane}/iamWorkRequests/${encodeURIComponent(id)}/errors`,
      );
      const items = (
        Array.isArray(errors.json) ? errors.json : ((errors.json as { items?: unknown[] })?.items ?? [])
      ) as {
        message?: string;
      }[];
      throw new Error(
        `oci_identity_domain: iam work request did not succeed, workId: ${id}, action: ` +
          `${request.operationType ?? ""}. ` +
          `ErrorMessage: ${items.map((item) => item.message ?? "").join("\n")}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`work request ${id} did not finish within 20 minutes`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function workRequestId(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers["opc-work-request-id"];
  return Array.isArray(value) ? value[0] : value;
}

async function getDomain(ctx: Context, id: string): Promise<Record<string, unknown>> {
  return (await ctx.client.call("GET", `${ctx.controlPlane}/domains/${encodeURIComponent(id)}`)).json as Record<
    string,
    unknown
  >;
}

async function domainAction(ctx: Context, id: string, action: string, body?: unknown): Promise<void> {
  const response = await ctx.client.call(
    "POST",
    `${ctx.controlPlane}/domains/${encodeURIComponent(id)}/actions/${action}`,
    body,
  );
  await waitForWorkRequest(ctx, workRequestId(response.headers), "UPDATED");
}

const domain = {
  /** Create (CreateDomain, wait for the work request), then DeactivateDomain when state = INACTIVE was asked. */
  async create(ctx: Context, planned: ObjectValue): Promise<ObjectValue> {
    const body = {
      compartmentId: text(planned.compartment_id),
      description: planned.description,
      displayName: planned.display_name,
      homeRegion: planned.home_region,
      licenseType: planned.license_type,
      adminEmail: text(planned.admin_email),
      adminFirstName: text(planned.admin_first_name),
      adminLastName: text(planned.admin_last_name),
      adminUserName: text(planned.admin_user_name),
      isHiddenOnLogin: typeof planned.is_hidden_on_login === "boolean" ? planned.is_hidden_on_login : undefined,
      isNotificationBypassed:
        typeof planned.is_notification_bypassed === "boolean" ? planned.is_notification_bypassed : undefined,
      isPrimaryEmailRequired:
        typeof planned.is_primary_email_required === "boolean" ? planned.is_primary_email_required : undefined,
      freeformTags: tagsToJson(planned.freeform_tags),
      definedTags: definedTagsToJson(planned.defined_tags),
    };
    const response = await ctx.client.call("POST", `${ctx.controlPlane}/domains`, body);
    const id = await waitForWorkRequest(ctx, workRequestId(response.headers), "CREATED");
    if (typeof planned.state === "string" && planned.state.toUpperCase() === "INACTIVE") {
      await domainAction(ctx, id, "deactivate");
    }
    return domainToState(await getDomain(ctx, id), planned);
  },
  async read(ctx: Context, prior: ObjectValue): Promise<ObjectValue | null> {
    const id = text(prior.id);
    if (!id) return null;
    try {
      return domainToState(await getDomain(ctx, id), prior);
    } catch (error) {
      if (error instanceof OciServiceError && error.status === 404) return null;
      throw error;
    }
  },
  /** updateIdentityDomain: activate first, then compartment, license, UpdateDomain; deactivate last. */
  async update(ctx: Context, prior: ObjectValue, planned: ObjectValue): Promise<ObjectValue> {
    const id = text(prior.id) ?? "";
    const wanted = typeof planned.state === "string" ? planned.state.toUpperCase() : undefined;
    const stateChanged = wanted !== undefined && wanted !== String(prior.state ?? "").toUpperCase();
    if (stateChanged && wanted === "ACTIVE") await domainAction(ctx, id, "activate");
    if (planned.compartment_id !== prior.compartment_id && text(prior.compartment_id)) {
      await domainAction(ctx, id, "changeCompartment", { compartmentId: planned.compartment_id });
    }
    if (planned.license_type !== prior.license_type && text(prior.license_type)) {
      await domainAction(ctx, id, "changeLicenseType", { licenseType: planned.license_type });
    }
    const response = await ctx.client.call("PUT", `${ctx.controlPlane}/domains/${encodeURIComponent(id)}`, {
      description: planned.description,
      displayName: planned.display_name,
      isHiddenOnLogin: typeof planned.is_hidden_on_login === "boolean" ? planned.is_hidden_on_login : undefined,
      freeformTags: tagsToJson(planned.freeform_tags),
      definedTags: definedTagsToJson(planned.defined_tags),
    });
    await waitForWorkRequest(ctx, workRequestId(response.headers), "UPDATED");
    if (stateChanged && wanted === "INACTIVE") await domainAction(ctx, id, "deactivate");
    return domainToState(await getDomain(ctx, id), planned);
  },
  /** DeleteDomain and wait. The provider never deactivates first (oracle/terraform-provider-oci#1781). */
  async delete(ctx: Context, prior: ObjectValue): Promise<void> {
    const id = text(prior.id) ?? "";
    const response = await ctx.client.call("DELETE", `${ctx.controlPlane}/domains/${encodeURIComponent(id)}`);
    await waitForWorkRequest(ctx, workRequestId(response.headers), "UPDATED");
  },
};

// ---------------------------------------------------------------------------------------------------------------
// SCIM resources: internal/service/identity_domains/identity_domains_{app,setting,user}_resource.go

interface ScimResource {
  readonly type: string;
  /** The SCIM collection under /admin/v1. */
  readonly collection: string;
  /** Create is a PUT to a fixed id (PutSetting) rather than a POST to the collection (CreateApp, CreateUser). */
  readonly createByPut?: (planned: ObjectValue) => string;
  /** Delete does nothing (deleteIdentityDomainsSetting returns nil). */
  readonly deleteIsNoop?: boolean;
}

const SCIM: Record<string, ScimResource> = {
  oci_identity_domains_app: { type: "oci_identity_domains_app", collection: "Apps" },
  oci_identity_domains_user: { type: "oci_identity_domains_user", collection: "Users" },
  oci_identity_domains_setting: {
    type: "oci_identity_domains_setting",
    collection: "Settings",
    createByPut: (planned) => text(planned.setting_id) ?? "Settings",
    deleteIsNoop: true,
  },
};

function scimUrl(resource: ScimResource, object: ObjectValue, id?: string, query = ""): string {
  return `${scimBase(object)}/admin/v1/${resource.collection}${id ? `/${encodeURIComponent(id)}` : ""}${query}`;
}

/** SetData from a response: every attribute the response carries; id from the response (never a composite id). */
function scimState(resource: ScimResource, json: unknown, planned: ObjectValue): ObjectValue {
  const state = blockFromJson(block(resource.type, "resource"), json, planned);
  // idcs_endpoint and the request-only attributes are not in the response: they stay as configured.
  for (const name of ["idcs_endpoint", "setting_id", "authorization", "resource_type_schema_version"]) {
    if (name in state && !isUnknown(planned[name] ?? null)) state[name] = planned[name] ?? null;
  }
  return state;
}

const scim = {
  async create(ctx: Context, resource: ScimResource, planned: ObjectValue): Promise<ObjectValue> {
    const body = blockToJson(block(resource.type, "resource"), planned);
    const response = resource.createByPut
      ? await ctx.client.call("PUT", scimUrl(resource, planned, resource.createByPut(planned)), body)
      : await ctx.client.call("POST", scimUrl(resource, planned), body);
    return scimState(resource, response.json, planned);
  },
  async read(ctx: Context, resource: ScimResource, prior: ObjectValue): Promise<ObjectValue | null> {
    const id = text(prior.id);
    if (!id) return null;
    try {
      return scimState(resource, (await ctx.client.call("GET", scimUrl(resource, prior, id))).json, prior);
    } catch (error) {
      if (error instanceof OciServiceError && error.status === 404) return null;
      throw error;
    }
  },
  /** PutApp / PutSetting / PutUser: the whole object is sent and replaces what the service has. */
  async update(ctx: Context, resource: ScimResource, prior: ObjectValue, planned: ObjectValue): Promise<ObjectValue> {
    const body = blockToJson(block(resource.type, "resource"), planned);
    const id = text(prior.id) ?? "";
    return scimState(resource, (await ctx.client.call("PUT", scimUrl(resource, planned, id), body)).json, planned);
  },
  /** DeleteApp / DeleteUser with forceDelete when set; an active app is refused by the service (issue #2507). */
  async delete(ctx: Context, resource: ScimResource, prior: ObjectValue): Promise<void> {
    if (resource.deleteIsNoop) return;
    const id = text(prior.id) ?? "";
    const force = typeof prior.force_delete === "boolean" ? `?forceDelete=${prior.force_delete}` : "";
    await ctx.client.call("DELETE", scimUrl(resource, prior, id, force));
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The tfplugin6 entry points

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function applyResourceChange(state: ProviderState, request: ApplyRequest): Promise<object> {
  const prior = decodeValue(request.prior_state);
  const planned = decodeValue(request.planned_state);
  const priorObject = asObject(prior);
  const plannedObject = asObject(planned);
  const failed = (error: unknown) => ({
    // With the prior state as the new state, Terraform keeps the resource as it was and shows the error.
    new_state: encodeValue(prior),
    diagnostics: [errorDiagnostic(describeError(error))],
    legacy_type_system: true,
  });
  try {
    const ctx = context(state);
    const resource = SCIM[request.type_name];
    if (request.type_name !== "oci_identity_domain" && !resource) {
      throw new Error(`The twin oracle/oci provider has no resource ${request.type_name}`);
    }
    let next: ObjectValue | null;
    if (planned === null) {
      if (resource) await scim.delete(ctx, resource, priorObject);
      else await domain.delete(ctx, priorObject);
      next = null;
    } else if (prior === null) {
      next = resource ? await scim.create(ctx, resource, plannedObject) : await domain.create(ctx, plannedObject);
    } else {
      next = resource
        ? await scim.update(ctx, resource, priorObject, plannedObject)
        : await domain.update(ctx, priorObject, plannedObject);
    }
    const schemaBlock = block(request.type_name, "resource");
    return {
      new_state: encodeValue(next === null ? null : shapeBlock(schemaBlock, next)),
      diagnostics: [],
      legacy_type_system: true,
    };
  } catch (error) {
    return failed(error);
  }
}

export async function readResource(state: ProviderState, request: ReadRequest): Promise<object> {
  const current = decodeValue(request.current_state);
  if (current === null) return { new_state: encodeValue(null), diagnostics: [] };
  try {
    const ctx = context(state);
    const resource = SCIM[request.type_name];
    const object = asObject(current);
    const next = resource ? await scim.read(ctx, resource, object) : await domain.read(ctx, object);
    const schemaBlock = block(request.type_name, "resource");
    return { new_state: encodeValue(next === null ? null : shapeBlock(schemaBlock, next)), diagnostics: [] };
  } catch (error) {
    return { new_state: encodeValue(current), diagnostics: [errorDiagnostic(describeError(error))] };
  }
}

/** GenerateDataSourceHashID's role: a stable id from the data source's arguments. */
function hashId(prefix: string, config: ObjectValue): string {
  return `${prefix}${createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16)}`;
}

const DOMAIN_FILTERS: Record<string, string> = {
  compartment_id: "compartmentId",
  display_name: "displayName",
  url: "url",
  home_region_url: "homeRegionUrl",
  type: "type",
  license_type: "licenseType",
  is_hidden_on_login: "isHiddenOnLogin",
  name: "name",
  state: "lifecycleState",
};

export async function readDataSource(state: ProviderState, request: ReadDataRequest): Promise<object> {
  const config = asObject(decodeValue(request.config));
  try {
    const ctx = context(state);
    const schemaBlock = block(request.type_name, "data");
    let result: ObjectValue;
    if (request.type_name === "oci_identity_domains") {
      // identity_domains_data_source.go: ListDomains with the given filters, every page.
      const query = new URLSearchParams();
      for (const [attribute, parameter] of Object.entries(DOMAIN_FILTERS)) {
        const value = config[attribute];
        if (value !== null && value !== undefined && !isUnknown(value)) query.set(parameter, String(value));
      }
      const domains: Record<string, unknown>[] = [];
      let page: string | undefined;
      do {
        if (page) query.set("page", page);
        const response = await ctx.client.call("GET", `${ctx.controlPlane}/domains?${query}`);
        domains.push(...((Array.isArray(response.json) ? response.json : []) as Record<string, unknown>[]));
        const next = response.headers["opc-next-page"];
        page = Array.isArray(next) ? next[0] : next;
      } while (page);
      const itemType = (schemaBlock.attributes?.domains?.type ?? "dynamic") as Parameters<typeof shapeType>[0];
      const items = domains.map((d) => domainToState(d, {}));
      result = { ...config, id: hashId("IdentityDomainsDataSource-", config), domains: shapeType(itemType, items) };
    } else if (request.type_name === "oci_identity_domain") {
      // identity_domain_data_source.go: GetDomain.
      const found = await getDomain(ctx, text(config.domain_id) ?? "");
      result = { ...domainToState(found, {}), domain_id: config.domain_id ?? null };
    } else if (request.type_name === "oci_identity_domains_setting") {
      // identity_domains_setting_data_source.go: GetSetting.
      const url = `${scimBase(config)}/admin/v1/Settings/${encodeURIComponent(text(config.setting_id) ?? "Settings")}`;
      const found = (await ctx.client.call("GET", url)).json;
      result = { ...blockFromJson(schemaBlock, found, {}), ...pick(config, schemaBlock) };
    } else {
      throw new Error(`The twin oracle/oci provider has no data source ${request.type_name}`);
    }
    return { state: encodeValue(shapeBlock(schemaBlock, result)), diagnostics: [] };
  } catch (error) {
    return { diagnostics: [errorDiagnostic(describeError(error))] };
  }
}

/** The arguments of a data source (Required/Optional attributes) as configured. */
function pick(config: ObjectValue, schemaBlock: SchemaBlock): ObjectValue {
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(schemaBlock.attributes ?? {})) {
    if ((attribute.required || attribute.optional) && config[name] !== undefined && config[name] !== null) {
      out[name] = config[name] as Value;
    }
  }
  return out;
}
