// Generates the OCI provider bindings in .gen/providers/oci from providers/oci/schema.json.
// It does not fetch anything: `cdktf get` for oracle/oci fails, and no prebuilt package exists.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConstructsMakerProviderTarget, LANGUAGES, TerraformProviderConstraint } from "@cdktf/commons";
// The package entry point pulls in jsii-pacmak; the generator module alone does not need it.
import { TerraformProviderGenerator } from "@cdktf/provider-generator/lib/get/generator/provider-generator";
import { CodeMaker } from "codemaker";

export const OCI_PROVIDER_SOURCE = "oracle/oci";
export const OCI_PROVIDER_VERSION = "8.28.0";
const FQPN = `registry.terraform.io/${OCI_PROVIDER_SOURCE}`;

async function main(): Promise<void> {
  const root = join(__dirname, "..");
  const schemaFile = join(root, "providers", "oci", "schema.json");
  const outdir = join(root, ".gen", "providers", "oci");
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  if (!schema.provider_schemas?.[FQPN]) {
    throw new Error(`${schemaFile} has no provider_schemas["${FQPN}"]; regenerate it as the README describes.`);
  }
  schema.provider_versions = { [FQPN]: OCI_PROVIDER_VERSION };

  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  generator.generate(
    new ConstructsMakerProviderTarget(
      new TerraformProviderConstraint(`${OCI_PROVIDER_SOURCE}@${OCI_PROVIDER_VERSION}`),
      LANGUAGES[0],
    ),
  );
  rmSync(outdir, { recursive: true, force: true });
  // The generator writes into <outdir>/providers/<name>; root it at .gen so the result is .gen/providers/oci.
  await generator.save(join(root, ".gen"));
  process.stderr.write(`generated OCI provider ${OCI_PROVIDER_VERSION} bindings in .gen/providers/oci\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run get failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
