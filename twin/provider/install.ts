// Installs the twin oracle/oci provider for one twin directory: a filesystem mirror holding a launcher script and a
// Terraform CLI config file that installs oracle/oci from it. Terraform finds it through TF_CLI_CONFIG_FILE; a
// user's own ~/.terraformrc is never read or written.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const TWIN_PROVIDER_VERSION = "8.28.0";
const PROVIDER_ADDRESS = "registry.terraform.io/oracle/oci";

export interface TwinProviderInstall {
  /** The CLI config file: pass it as TF_CLI_CONFIG_FILE to every terraform/cdktf run against the twin. */
  readonly cliConfigFile: string;
  /** The mirror directory (`<twin dir>/terraform-mirror`). */
  readonly mirrorDir: string;
  /** The launcher script inside the mirror. */
  readonly launcher: string;
  /** Environment to add to terraform runs: TF_CLI_CONFIG_FILE (and nothing secret). */
  readonly env: Readonly<Record<string, string>>;
}

/** Terraform's platform name for this machine (`linux_amd64`, `darwin_arm64`, …). */
export function terraformPlatform(platform = process.platform, arch = process.arch): string {
  const cpu = ({ x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" } as Record<string, string>)[arch] ?? arch;
  return `${platform === "win32" ? "windows" : platform}_${cpu}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** HCL string literal (JSON escaping is a subset HCL accepts for these paths). */
function hcl(text: string): string {
  return JSON.stringify(text);
}

/**
 * The launcher's content depends only on the node binary and this checkout, never on the twin directory, so the
 * package hash Terraform records in .terraform.lock.hcl stays the same across twin runs. `init` copies the script
 * into .terraform/providers, hence absolute paths (facts.md §6).
 */
export function launcherScript(node = process.execPath): string {
  const entry = resolve(__dirname, "main.ts");
  const tsx = require.resolve("tsx");
  return `#!/bin/sh\n# The twin oracle/oci provider (TypeScript); generated, do not edit.\nexec ${shellQuote(node)} --import ${shellQuote(tsx)} ${shellQuote(entry)} "$@"\n`;
}

export function installTwinProvider(twinDir: string, options: { node?: string } = {}): TwinProviderInstall {
  const mirrorDir = resolve(twinDir, "terraform-mirror");
  const packageDir = join(mirrorDir, PROVIDER_ADDRESS, TWIN_PROVIDER_VERSION, terraformPlatform());
  mkdirSync(packageDir, { recursive: true });
  const launcher = join(packageDir, `terraform-provider-oci_v${TWIN_PROVIDER_VERSION}`);
  const script = launcherScript(options.node);
  let current: string | undefined;
  try {
    current = readFileSync(launcher, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== script) writeFileSync(launcher, script, { mode: 0o755 });
  chmodSync(launcher, 0o755);
  const cliConfigFile = resolve(twinDir, "terraform.rc");
  writeFileSync(
    cliConfigFile,
    [
      "# Terraform CLI config for twin runs (generated): oracle/oci comes from the twin's mirror, others as usual.",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${hcl(mirrorDir)}`,
      `    include = [${hcl(PROVIDER_ADDRESS)}]`,
      "  }",
      "  direct {",
      `    exclude = [${hcl(PROVIDER_ADDRESS)}]`,
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  return { cliConfigFile, mirrorDir, launcher, env: { TF_CLI_CONFIG_FILE: cliConfigFile } };
}
