// The provider schema served to Terraform: providers/oci/schema.json, read once, turned into tfplugin6 Schema
// messages, plus shaping of values to that schema (every attribute present, absent blocks as Terraform has them).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isUnknown, type ObjectValue, type Value } from "./values";

export type TypeJson = string | [string, unknown];

export interface SchemaAttribute {
  readonly type: TypeJson;
  readonly description?: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  readonly deprecated?: boolean;
}

export interface NestedBlock {
  readonly nesting_mode: "single" | "list" | "set" | "map" | "group";
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, NestedBlock>;
  readonly description?: string;
  readonly deprecated?: boolean;
}

export interface SchemaEntry {
  readonly version?: number;
  readonly block: SchemaBlock;
}

export interface ProviderSchema {
  readonly provider: SchemaEntry;
  readonly resource_schemas: Record<string, SchemaEntry>;
  readonly data_source_schemas: Record<string, SchemaEntry>;
}

export const PROVIDER_SOURCE = "registry.terraform.io/oracle/oci";
/** The kit's schema; the bundled provider (install.ts) carries a copy next to its code. */
export const SCHEMA_FILE = existsSync(join(__dirname, "schema.json"))
  ? join(__dirname, "schema.json")
  : join(__dirname, "..", "..", "providers", "oci", "schema.json");

let cached: ProviderSchema | undefined;

/** The oracle/oci schema the kit synthesizes against (the same file `npm run get` generates bindings from). */
export function providerSchema(file = SCHEMA_FILE): ProviderSchema {
  if (cached && file === SCHEMA_FILE) return cached;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { provider_schemas?: Record<string, ProviderSchema> };
  const schema = parsed.provider_schemas?.[PROVIDER_SOURCE];
  if (!schema) throw new Error(`${file} has no schema for ${PROVIDER_SOURCE}`);
  if (file === SCHEMA_FILE) cached = schema;
  return schema;
}

const NESTING = { single: 1, list: 2, set: 3, map: 4, group: 5 } as const;

/** tfplugin6 Schema.Block as @grpc/proto-loader expects it (keepCase field names). */
function protoBlock(block: SchemaBlock, version = 0): object {
  return {
    version,
    description: block.description ?? "",
    description_kind: 0,
    deprecated: block.deprecated ?? false,
    attributes: Object.entries(block.attributes ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, attribute]) => ({
        name,
        type: Buffer.from(JSON.stringify(attribute.type)),
        description: attribute.description ?? "",
        required: attribute.required ?? false,
        optional: attribute.optional ?? false,
        computed: attribute.computed ?? false,
        sensitive: attribute.sensitive ?? false,
        description_kind: 0,
        deprecated: attribute.deprecated ?? false,
      })),
    block_types: Object.entries(block.block_types ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, nested]) => ({
        type_name: name,
        block: protoBlock(nested.block),
        nesting: NESTING[nested.nesting_mode],
        min_items: nested.min_items ?? 0,
        max_items: nested.max_items ?? 0,
      })),
  };
}

export function protoSchema(entry: SchemaEntry): object {
  return { version: entry.version ?? 0, block: protoBlock(entry.block, entry.version ?? 0) };
}

/** A value of a schema type with every object attribute present (null when absent). */
export function shapeType(type: TypeJson, value: Value | undefined): Value {
  if (value === undefined || value === null) return null;
  if (isUnknown(value) || typeof type === "string") return value;
  const [kind, inner] = type;
  if ((kind === "list" || kind === "set") && Array.isArray(value))
    return value.map((v) => shapeType(inner as TypeJson, v));
  if (kind === "map" && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeType(inner as TypeJson, v)]));
  }
  if (kind === "object" && typeof value === "object" && !Array.isArray(value)) {
    const attributes = inner as Record<string, TypeJson>;
    const object = value as ObjectValue;
    return Object.fromEntries(Object.keys(attributes).map((k) => [k, shapeType(attributes[k] as TypeJson, object[k])]));
  }
  return value;
}

/**
 * An object of a block with every attribute present and nested blocks as Terraform represents them: list and set
 * blocks never null (an empty list when absent), single blocks null when absent.
 */
export function shapeBlock(block: SchemaBlock, value: Value | undefined): ObjectValue {
  const source: ObjectValue =
    value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value) && !isUnknown(value)
      ? value
      : {};
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {}))
    out[name] = shapeType(attribute.type, source[name]);
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const inner = source[name];
    if (isUnknown(inner)) out[name] = inner as Value;
    else if (nested.nesting_mode === "single" || nested.nesting_mode === "group") {
      out[name] = inner === null || inner === undefined ? null : shapeBlock(nested.block, inner);
    } else if (nested.nesting_mode === "map") {
      const entries = inner !== null && typeof inner === "object" && !Array.isArray(inner) ? Object.entries(inner) : [];
      out[name] = Object.fromEntries(entries.map(([k, v]) => [k, shapeBlock(nested.block, v as Value)]));
    } else {
      out[name] = Array.isArray(inner)
        ? inner.map((element) => (isUnknown(element) ? element : shapeBlock(nested.block, element)))
        : [];
    }
  }
  return out;
}
