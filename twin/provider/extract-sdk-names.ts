// Dev-time generator: collects the JSON member names of the identity domains REST API from Oracle's TypeScript SDK
// models (node_modules/oci-identitydomains/lib/model) into sdk-names.json, so the provider can turn snake_case
// attributes into the exact JSON names (isOAuthClient, $ref, urn:…:extension:OCITags). Not run by tests.
// Usage: node --import tsx twin/provider/extract-sdk-names.ts
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { normalizeName } from "./json-mapping";

/** Property names of the models' .d.ts files, with the .js serializers' renames ("$ref": obj.ref) applied. */
export function sdkJsonNames(modelDir: string): string[] {
  const names = new Set<string>();
  const renamed = new Map<string, string>();
  for (const file of readdirSync(modelDir)) {
    const text = readFileSync(join(modelDir, file), "utf8");
    if (file.endsWith(".d.ts"))
      for (const match of text.matchAll(/^\s+"([^"]+)"\??: /gm)) names.add(match[1] as string);
    if (file.endsWith(".js")) {
      for (const match of text.matchAll(/"([^"]+)": obj\.([A-Za-z0-9_]+)/g)) {
        if (match[1] !== match[2]) renamed.set(match[2] as string, match[1] as string);
      }
    }
  }
  return [...names].map((name) => renamed.get(name) ?? name).sort();
}

// Run only as a script: the bundled provider is itself a main module, and must never regenerate anything.
if (require.main === module && basename(process.argv[1] ?? "") === "extract-sdk-names.ts") {
  const modelDir = join(dirname(require.resolve("oci-identitydomains")), "lib", "model");
  const names = sdkJsonNames(modelDir);
  const byNormal = new Map<string, string>();
  for (const name of names) {
    const other = byNormal.get(normalizeName(name));
    if (other && other !== name) process.stderr.write(`ambiguous: ${other} / ${name}\n`);
    byNormal.set(normalizeName(name), name);
  }
  writeFileSync(join(__dirname, "sdk-names.json"), `${JSON.stringify(names)}\n`);
}
