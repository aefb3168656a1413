// The audience/scope join rule (facts.md §1), at the bottom of the import graph so that both the config's validation
// and the naming model (src/naming.ts, which re-exports it) use the one rule. Nothing else lives here.

/** OCI joins primary audience and scope value with nothing in between (facts.md §1). */
export function joinFqs(audience: string, scopeValue: string): string {
  return `${audience}${scopeValue}`;
}
