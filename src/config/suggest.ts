// "Did you mean" for misspelt keys: the keys a schema accepts at a path, and the closest one to a typo.
// It reads the zod schema's own definition, so the suggestions can never drift from what is accepted.
import type { z } from "zod";

type AnySchema = z.core.$ZodType;

/** The schemas a path leads to: several where a union offers several objects (OCI or Entra). */
function schemasAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return schemasAt(def.innerType as AnySchema, path);
    case "pipe":
      return schemasAt(def.in as AnySchema, path);
    case "lazy":
      return schemasAt((def.getter as () => AnySchema)(), path);
    case "union":
      return (def.options as AnySchema[]).flatMap((option) => schemasAt(option, path));
    default:
      break;
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === "array" && typeof head === "number") return schemasAt(def.element as AnySchema, rest);
  if (def.type === "object" && typeof head === "string") {
    const child = (def.shape as Record<string, AnySchema>)[head];
    return child === undefined ? [] : schemasAt(child, rest);
  }
  return [];
}

/** Every key an object at this path may have (of any union option). */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const found of schemasAt(schema, path)) {
    const def = found._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
    if (def.type === "object") for (const key of Object.keys(def.shape ?? {})) keys.add(key);
  }
  return [...keys];
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[s.length] as number[])[t.length] ?? 0;
}

/** The candidate closest to `word`, if it is close enough to be the intended one (about one typo per 4 letters). */
export function closestKey(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 4));
  let best: { key: string; distance: number } | undefined;
  for (const key of candidates) {
    const distance = editDistance(word, key);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}
