// Validates synthesized Terraform JSON against a provider schema (the `terraform providers schema -json` format).
// It checks shape only (names, types, nesting, required, max_items); it does not evaluate expressions.

type SchemaType = string | [string, unknown];

interface SchemaAttribute {
  type?: SchemaType;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
}

interface SchemaBlock {
  attributes?: Record<string, SchemaAttribute>;
  block_types?: Record<string, { nesting_mode: string; block: SchemaBlock; min_items?: number; max_items?: number }>;
}

export interface ProviderSchemaFile {
  provider_schemas: Record<
    string,
    {
      provider: { block: SchemaBlock };
      resource_schemas?: Record<string, { block: SchemaBlock }>;
      data_source_schemas?: Record<string, { block: SchemaBlock }>;
    }
  >;
}

export interface SchemaProblem {
  /** `resource.oci_identity_domains_app.app_1234` or `provider.oci[0]`. */
  readonly address: string;
  /** Attribute path inside the block, such as `scopes[0].value`. */
  readonly path: string;
  readonly message: string;
}

const META_ARGUMENTS = {
  resource: new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"]),
  data: new Set(["//", "count", "for_each", "depends_on", "lifecycle", "provider"]),
  provider: new Set(["//", "alias"]),
};

function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

function checkType(
  type: SchemaType,
  value: unknown,
  path: string,
  report: (path: string, message: string) => void,
): void {
  if (value === null || isExpression(value)) return;
  if (typeof type === "string") {
    const expected = type === "bool" ? "boolean" : type;
    if (expected === "dynamic") return;
    if (typeof value !== expected) report(path, `must be a ${type}, got ${JSON.stringify(value)}`);
    return;
  }
  const [kind, inner] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(value)) {
      report(path, `must be a ${kind}, got ${JSON.stringify(value)}`);
      return;
    }
    for (const [index, item] of value.entries()) checkType(inner as SchemaType, item, `${path}[${index}]`, report);
  } else if (kind === "map") {
    if (typeof value !== "object" || Array.isArray(value)) {
      report(path, `must be a map, got ${JSON.stringify(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value)) checkType(inner as SchemaType, item, `${path}.${key}`, report);
  } else if (kind === "object") {
    if (typeof value !== "object" || Array.isArray(value)) {
      report(path, `must be an object, got ${JSON.stringify(value)}`);
      return;
    }
    const fields = inner as Record<string, SchemaType>;
    for (const [key, item] of Object.entries(value)) {
      const fieldType = fields[key];
      if (fieldType === undefined) report(`${path}.${key}`, "is not an attribute of this object type");
      else checkType(fieldType, item, `${path}.${key}`, report);
    }
  }
}

function checkBlock(
  block: SchemaBlock,
  body: Record<string, unknown>,
  prefix: string,
  meta: Set<string>,
  report: (path: string, message: string) => void,
): void {
  const join = (key: string) => (prefix === "" ? key : `${prefix}.${key}`);
  for (const [key, value] of Object.entries(body)) {
    if (meta.has(key)) continue;
    const attribute = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (attribute !== undefined) {
      if (!attribute.required && !attribute.optional) report(join(key), "is computed-only and cannot be set");
      else if (attribute.type !== undefined) checkType(attribute.type, value, join(key), report);
    } else if (nested !== undefined) {
      if (isExpression(value)) continue;
      const items = Array.isArray(value) ? value : [value];
      if (nested.nesting_mode === "single" && Array.isArray(value)) report(join(key), "is a single block, not a list");
      if (nested.max_items !== undefined && nested.max_items > 0 && items.length > nested.max_items) {
        report(join(key), `has ${items.length} blocks, at most ${nested.max_items} allowed`);
      }
      if (nested.min_items !== undefined && items.length < nested.min_items) {
        report(join(key), `has ${items.length} blocks, at least ${nested.min_items} required`);
      }
      items.forEach((item, index) => {
        const itemPath = Array.isArray(value) ? `${join(key)}[${index}]` : join(key);
        if (typeof item !== "object" || item === null) report(itemPath, "must be a block (object)");
        else checkBlock(nested.block, item as Record<string, unknown>, itemPath, new Set(), report);
      });
    } else {
      report(join(key), "is not an attribute or block of this schema");
    }
  }
  for (const [key, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.required && body[key] === undefined) report(join(key), "is required but missing");
  }
  for (const [key, nested] of Object.entries(block.block_types ?? {})) {
    if ((nested.min_items ?? 0) > 0 && body[key] === undefined)
      report(join(key), `block is required (at least ${nested.min_items})`);
  }
}

/**
 * Checks every resource, data source and provider block whose type starts with `prefix`.
 * Types the schema does not know are problems too: a misspelt resource type must fail.
 */
export function checkProviderSchema(
  synthesized: Record<string, any>,
  schemaFile: ProviderSchemaFile,
  providerSource: string,
  prefix: string,
): SchemaProblem[] {
  const provider = schemaFile.provider_schemas[providerSource];
  if (provider === undefined) throw new Error(`schema has no provider ${providerSource}`);
  const problems: SchemaProblem[] = [];
  const reporter = (address: string) => (path: string, message: string) => problems.push({ address, path, message });

  for (const [kind, schemas] of [
    ["resource", provider.resource_schemas ?? {}],
    ["data", provider.data_source_schemas ?? {}],
  ] as const) {
    for (const [type, instances] of Object.entries<Record<string, Record<string, unknown>>>(synthesized[kind] ?? {})) {
      if (!type.startsWith(prefix)) continue;
      const schema = schemas[type];
      for (const [name, body] of Object.entries(instances)) {
        const address = `${kind}.${type}.${name}`;
        if (schema === undefined) reporter(address)("", `${kind} type ${type} does not exist in the provider schema`);
        else checkBlock(schema.block, body, "", META_ARGUMENTS[kind], reporter(address));
      }
    }
  }
  const providerName = prefix.replace(/_$/, "");
  const configs: unknown = synthesized.provider?.[providerName] ?? [];
  for (const [index, config] of (Array.isArray(configs) ? configs : [configs]).entries()) {
    checkBlock(
      provider.provider.block,
      config as Record<string, unknown>,
      "",
      META_ARGUMENTS.provider,
      reporter(`provider.${providerName}[${index}]`),
    );
  }
  return problems;
}
