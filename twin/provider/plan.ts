// PlanResourceChange the way the real provider's SDKv2 plans it: config wins, computed values stay (update) or
// become unknown (create), Optional+Computed blocks keep their prior blocks, ForceNew changes force a replacement.
// It calls nothing; go-flags.json carries what schema.json cannot (ForceNew, computed blocks).
import type { GoFlags } from "./extract-go-flags";
import type { NestedBlock, SchemaBlock } from "./schema";
import { isUnknown, type ObjectValue, unknown, type Value } from "./values";

/** One step of a tfplugin6 AttributePath. */
export type PathStep = { attribute_name: string } | { element_key_int: number };

export interface Plan {
  readonly planned: Value;
  readonly requiresReplace: PathStep[][];
}

function asObject(value: Value | undefined): ObjectValue | null {
  return value !== null &&
    value !== undefined &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !isUnknown(value)
    ? value
    : null;
}

/** SDKv2 keeps no difference between an unset attribute and its zero value ("", false, 0, empty collection). */
function isZero(value: Value | undefined): boolean {
  if (value === null || value === undefined || value === "" || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  return !isUnknown(value) && typeof value === "object" && Object.keys(value).length === 0;
}

export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  const objectA = asObject(a ?? null);
  const objectB = asObject(b ?? null);
  if (objectA && objectB) {
    const keys = new Set([...Object.keys(objectA), ...Object.keys(objectB)]);
    return [...keys].every((key) => sameValue(objectA[key] ?? null, objectB[key] ?? null));
  }
  return (a ?? null) === (b ?? null);
}

/** The prior element a set-block element came from: all attributes the config sets are equal. */
function priorMatch(block: SchemaBlock, element: ObjectValue, prior: Value[]): ObjectValue | null {
  for (const candidate of prior) {
    const p = asObject(candidate);
    if (!p) continue;
    const same = Object.keys(block.attributes ?? {}).every(
      (name) => element[name] === null || element[name] === undefined || sameValue(element[name], p[name]),
    );
    if (same) return p;
  }
  return null;
}

function planNested(
  nested: NestedBlock,
  config: Value | undefined,
  prior: Value | undefined,
  creating: boolean,
  path: string,
  computedBlocks: ReadonlySet<string>,
): Value {
  if (isUnknown(config)) return config;
  if (nested.nesting_mode === "single" || nested.nesting_mode === "group") {
    const c = asObject(config ?? null);
    return c ? planObject(nested.block, c, asObject(prior ?? null), creating, path, computedBlocks) : null;
  }
  const elements = Array.isArray(config) ? config : [];
  const priorElements = Array.isArray(prior) ? prior : [];
  if (elements.length === 0 && computedBlocks.has(path) && !creating) return priorElements;
  return elements.map((element, index) => {
    const c = asObject(element);
    if (!c) return element;
    const p =
      nested.nesting_mode === "set"
        ? priorMatch(nested.block, c, priorElements)
        : asObject(priorElements[index] ?? null);
    return planObject(nested.block, c, p, creating || p === null, path, computedBlocks);
  });
}

function planObject(
  block: SchemaBlock,
  config: ObjectValue,
  prior: ObjectValue | null,
  creating: boolean,
  path: string,
  computedBlocks: ReadonlySet<string>,
): ObjectValue {
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    const c = config[name] ?? null;
    const p = prior?.[name] ?? null;
    if (c !== null) out[name] = c;
    else if (attribute.computed) out[name] = creating ? unknown() : p;
    else out[name] = !creating && isZero(p) ? p : null;
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const childPath = path === "" ? name : `${path}.${name}`;
    out[name] = planNested(nested, config[name], prior?.[name], creating, childPath, computedBlocks);
  }
  return out;
}

/** Every value at a dot path (through nested blocks' elements), with the AttributePath of each. */
function valuesAt(value: Value, segments: string[], steps: PathStep[] = []): { steps: PathStep[]; value: Value }[] {
  const [head, ...rest] = segments;
  if (head === undefined) return [{ steps, value }];
  const object = asObject(value);
  if (!object) return [];
  const child = object[head] ?? null;
  const here = [...steps, { attribute_name: head }];
  if (rest.length === 0) return [{ steps: here, value: child }];
  if (Array.isArray(child))
    return child.flatMap((element, index) => valuesAt(element, rest, [...here, { element_key_int: index }]));
  return valuesAt(child, rest, here);
}

/**
 * Plans a managed resource. prior null = create; proposed null = destroy (plan_destroy: planned null). An update
 * that changes a ForceNew attribute is planned again as a create and reports the attributes that force it.
 */
export function planResource(block: SchemaBlock, flags: GoFlags, prior: Value, proposed: Value, config: Value): Plan {
  const configObject = asObject(config);
  if (proposed === null || configObject === null) return { planned: null, requiresReplace: [] };
  const computedBlocks = new Set(flags.computedBlocks);
  const priorObject = asObject(prior);
  if (priorObject === null) {
    return { planned: planObject(block, configObject, null, true, "", computedBlocks), requiresReplace: [] };
  }
  const update = planObject(block, configObject, priorObject, false, "", computedBlocks);
  for (const name of flags.ignoreCase) {
    const before = priorObject[name];
    const after = update[name];
    if (typeof before === "string" && typeof after === "string" && before.toLowerCase() === after.toLowerCase()) {
      update[name] = before;
    }
  }
  const requiresReplace: PathStep[][] = [];
  for (const path of flags.forceNew) {
    const segments = path.split(".");
    const before = valuesAt(priorObject, segments);
    const after = valuesAt(update, segments);
    const changed =
      before.length !== after.length ||
      after.some((entry, index) => !sameValue(entry.value, before[index]?.value ?? null));
    // An Optional+Computed ForceNew attribute left out of the config keeps its prior value: no replacement.
    if (changed) requiresReplace.push((after[0] ?? before[0])?.steps ?? [{ attribute_name: segments[0] ?? path }]);
  }
  if (requiresReplace.length === 0) return { planned: update, requiresReplace };
  return { planned: planObject(block, configObject, null, true, "", computedBlocks), requiresReplace };
}
