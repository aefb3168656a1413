// Terraform attributes ↔ the identity domains REST JSON, driven by the schema: snake_case names meet the SDK's JSON
// names through one normal form (is_oauth_client ~ isOAuthClient, ref ~ $ref, urn…_oci_tags ~ urn:…:OCITags),
// a MaxItems-1 block is one JSON object, other blocks are arrays. No I/O.
import type { NestedBlock, SchemaBlock, TypeJson } from "./schema";
import sdkNames from "./sdk-names.json";
import { isUnknown, type ObjectValue, type Value } from "./values";

/** The form both sides share: lower case, letters and digits only (is_oauth_client ~ isOAuthClient). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

let byNormal: Map<string, string> | undefined;

/** The JSON member name for an attribute (from the SDK models), or camelCase when the SDK has no such member. */
export function jsonName(attribute: string): string {
  if (!byNormal) {
    byNormal = new Map();
    for (const name of sdkNames as string[])
      if (!byNormal.has(normalizeName(name))) byNormal.set(normalizeName(name), name);
  }
  return byNormal.get(normalizeName(attribute)) ?? attribute.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function asObject(value: unknown): ObjectValue | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value)
    ? (value as ObjectValue)
    : undefined;
}

/** The member of a JSON object that an attribute names, whatever its spelling. */
function member(json: ObjectValue, attribute: string): Value | undefined {
  const wanted = normalizeName(attribute);
  for (const [key, value] of Object.entries(json)) if (normalizeName(key) === wanted) return value;
  return undefined;
}

function typeFromJson(type: TypeJson, value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof type === "string") {
    if (type === "string" && typeof value !== "string")
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    if (type === "number" && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
      return Number(value);
    return value as Value;
  }
  const [kind, inner] = type;
  if (kind === "list" || kind === "set") {
    const elements = Array.isArray(value) ? value : [value];
    return elements.map((element) => typeFromJson(inner as TypeJson, element));
  }
  if (kind === "map") {
    const object = asObject(value);
    return object
      ? Object.fromEntries(Object.entries(object).map(([k, v]) => [k, typeFromJson(inner as TypeJson, v)]))
      : null;
  }
  if (kind === "object") {
    const object = asObject(value);
    if (!object) return null;
    const attributes = inner as Record<string, TypeJson>;
    return Object.fromEntries(Object.entries(attributes).map(([k, t]) => [k, typeFromJson(t, member(object, k))]));
  }
  return value as Value;
}

function known(value: Value | undefined): Value {
  if (value === undefined || isUnknown(value)) return null;
  if (Array.isArray(value)) return value.map(known);
  const object = asObject(value);
  return object ? Object.fromEntries(Object.entries(object).map(([k, v]) => [k, known(v)])) : (value as Value);
}

function nestedFromJson(nested: NestedBlock, value: Value | undefined, fallback: Value | undefined): Value {
  if (value === undefined || value === null) {
    const kept = known(fallback ?? null);
    return nested.nesting_mode === "single" || nested.nesting_mode === "group" ? kept : Array.isArray(kept) ? kept : [];
  }
  const elements = Array.isArray(value) ? value : [value];
  const fallbacks = Array.isArray(fallback) ? fallback : [];
  const converted = elements.map((element, index) => blockFromJson(nested.block, element, fallbacks[index]));
  return nested.nesting_mode === "single" || nested.nesting_mode === "group" ? (converted[0] ?? null) : converted;
}

/**
 * A state object from a REST response. Like the provider's SetData (`if s.Res.X != nil { s.D.Set(…) }`), an
 * attribute the response leaves out keeps its planned value; whatever is still unknown becomes null.
 */
export function blockFromJson(block: SchemaBlock, json: unknown, planned?: Value): ObjectValue {
  const source = asObject(json) ?? {};
  const fallback = asObject(planned ?? null) ?? {};
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    const value = member(source, name);
    out[name] =
      value === undefined || value === null ? known(fallback[name] ?? null) : typeFromJson(attribute.type, value);
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    out[name] = nestedFromJson(nested, member(source, name), fallback[name]);
  }
  return out;
}

/** Attributes that are request parameters or Terraform-only settings in the Go resources, never body members. */
const NOT_IN_BODY = new Set([
  "id",
  "idcs_endpoint",
  "authorization",
  "resource_type_schema_version",
  "attribute_sets",
  "attributes",
  "force_delete",
  "setting_id",
  "timeouts",
]);

function valueToJson(value: Value): unknown {
  if (Array.isArray(value)) return value.map(valueToJson);
  const object = asObject(value);
  if (object) {
    return Object.fromEntries(
      Object.entries(object)
        .filter(([, v]) => v !== null && !isUnknown(v))
        .map(([k, v]) => [jsonName(k), valueToJson(v)]),
    );
  }
  return value;
}

/**
 * A request body from a planned object, as the Go resources build it with GetOkExists: every settable (Required or
 * Optional, Computed or not) attribute that has a known value; Computed-only attributes are the server's.
 */
export function blockToJson(block: SchemaBlock, value: Value, top = true): Record<string, unknown> {
  const source = asObject(value) ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    if (top && NOT_IN_BODY.has(name)) continue;
    if (!attribute.required && !attribute.optional) continue;
    const v = source[name];
    if (v === null || v === undefined || isUnknown(v)) continue;
    out[jsonName(name)] = valueToJson(v);
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    if (top && NOT_IN_BODY.has(name)) continue;
    const v = source[name];
    if (v === null || v === undefined || isUnknown(v)) continue;
    if (nested.nesting_mode === "single" || nested.nesting_mode === "group") {
      out[jsonName(name)] = blockToJson(nested.block, v, false);
      continue;
    }
    if (!Array.isArray(v) || v.length === 0) continue;
    const elements = v
      .filter((element) => !isUnknown(element))
      .map((element) => blockToJson(nested.block, element, false));
    out[jsonName(name)] = nested.max_items === 1 ? elements[0] : elements;
  }
  return out;
}
