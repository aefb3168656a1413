// Dev-time generator: reads the oracle/oci provider's Go resource schemas (a checkout of the v8.28.0 tag) and writes
// go-flags.json, the ForceNew paths and the Optional+Computed blocks that schema.json cannot carry. Not run by tests.
// Usage: node --import tsx twin/provider/extract-go-flags.ts <terraform-provider-oci checkout>
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** The Go file of each resource the twin serves, relative to the provider repository. */
export const GO_SOURCES: Record<string, string> = {
  oci_identity_domain: "internal/service/identity/identity_domain_resource.go",
  oci_identity_domains_app: "internal/service/identity_domains/identity_domains_app_resource.go",
  oci_identity_domains_setting: "internal/service/identity_domains/identity_domains_setting_resource.go",
  oci_identity_domains_user: "internal/service/identity_domains/identity_domains_user_resource.go",
};

export interface GoFlags {
  /** Attribute paths (dot-separated, block elements skipped) whose change forces a new resource. */
  readonly forceNew: string[];
  /** Nested-block paths that are Optional+Computed: absent from the config, SDKv2 keeps the prior blocks. */
  readonly computedBlocks: string[];
  /** Attributes with DiffSuppressFunc tfresource.EqualIgnoreCaseSuppressDiff: a change of case is no change. */
  readonly ignoreCase: string[];
}

/**
 * Reads the gofmt'd `Schema: map[string]*schema.Schema{…}` literal of the resource constructor by indentation: a
 * `"name": {` line opens a key one tab deeper than its parent; a flag line belongs to the innermost open key.
 */
export function goFlags(source: string): GoFlags {
  const lines = source.split("\n");
  const start = lines.findIndex((line) => /^func \w+Resource\(\) \*schema\.Resource \{$/.test(line));
  if (start < 0) throw new Error("no resource constructor found");
  const stack: { key: string; indent: number; list: boolean; computed: boolean; elemResource: boolean }[] = [];
  const forceNew: string[] = [];
  const computedBlocks: string[] = [];
  const ignoreCase: string[] = [];
  const finish = (entry: (typeof stack)[number], path: string): void => {
    if (entry.list && entry.elemResource && entry.computed) computedBlocks.push(path);
  };
  const popTo = (indent: number): void => {
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) {
      const path = stack.map((entry) => entry.key).join(".");
      const entry = stack.pop();
      if (entry) finish(entry, path);
    }
  };
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (line === "}") break;
    const indent = line.length - line.trimStart().length;
    const key = /^\t+"([a-z0-9_]+)": \{$/.exec(line);
    if (key?.[1]) {
      popTo(indent);
      stack.push({ key: key[1], indent, list: false, computed: false, elemResource: false });
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined || indent <= top.indent) continue;
    const text = line.trim();
    // Flags sit exactly one tab deeper than their key; deeper lines belong to an Elem resource's own keys.
    if (indent !== top.indent + 1) continue;
    if (/^ForceNew:\s+true,$/.test(text)) forceNew.push(stack.map((entry) => entry.key).join("."));
    if (/^Computed:\s+true,$/.test(text)) top.computed = true;
    if (/^DiffSuppressFunc:\s+tfresource\.EqualIgnoreCaseSuppressDiff,$/.test(text)) {
      ignoreCase.push(stack.map((entry) => entry.key).join("."));
    }
    if (/^Type:\s+schema\.Type(List|Set),$/.test(text)) top.list = true;
    if (/^Elem:\s+&schema\.Resource\{$/.test(text)) top.elemResource = true;
  }
  popTo(0);
  return { forceNew, computedBlocks, ignoreCase };
}

// Run only as a script: the bundled provider is itself a main module, and must never regenerate anything.
if (require.main === module && basename(process.argv[1] ?? "") === "extract-go-flags.ts") {
  const checkout = process.argv[2];
  if (!checkout) throw new Error("usage: extract-go-flags.ts <terraform-provider-oci checkout at v8.28.0>");
  const out: Record<string, GoFlags & { source: string }> = {};
  for (const [type, file] of Object.entries(GO_SOURCES)) {
    out[type] = { source: file, ...goFlags(readFileSync(join(checkout, file), "utf8")) };
  }
  writeFileSync(join(__dirname, "go-flags.json"), `${JSON.stringify(out, null, 2)}\n`);
}
