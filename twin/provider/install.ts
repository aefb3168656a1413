// Installs the twin oracle/oci provider for one twin directory: its code bundled into the twin directory, a
// filesystem mirror holding a launcher script, and a Terraform CLI config file that installs oracle/oci from that
// mirror. Terraform finds it through TF_CLI_CONFIG_FILE; a user's own ~/.terraformrc is never read or written.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const TWIN_PROVIDER_VERSION = "8.28.0";
const PROVIDER_ADDRESS = "registry.terraform.io/oracle/oci";
const PROVIDER_DIR = __dirname;
const SCHEMA_JSON = join(PROVIDER_DIR, "..", "..", "providers", "oci", "schema.json");
const ASSETS = [join(PROVIDER_DIR, "tfplugin6.8.proto"), join(PROVIDER_DIR, "grpc_controller.proto"), SCHEMA_JSON];

export interface TwinProviderInstall {
  /** The CLI config file: pass it as TF_CLI_CONFIG_FILE to every terraform/cdktf run against the twin. */
  readonly cliConfigFile: string;
  /** The mirror directory (`<twin dir>/terraform-mirror`). */
  readonly mirrorDir: string;
  /** The launcher script inside the mirror. */
  readonly launcher: string;
  /** `bundle` (one prebuilt file, the fast start) or `tsx` (the TypeScript sources, when esbuild is unavailable). */
  readonly mode: "bundle" | "tsx";
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

interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

/**
 * esbuild is tsx's own dependency (tsx is a dependency of the kit), so it is resolved from tsx's location rather
 * than declared twice. Without it the launcher runs the sources through tsx: correct, about twice as slow to start.
 */
function esbuild(): Esbuild | undefined {
  try {
    return require(require.resolve("esbuild", { paths: [dirname(require.resolve("tsx"))] })) as Esbuild;
  } catch {
    return undefined;
  }
}

/**
 * Bundles main.ts and its imports (grpc, proto-loader, msgpack) into `<dir>/main.cjs` with the proto files and the
 * schema beside it. Terraform starts the provider 2-5 times per command; one prebuilt file starts in about half the
 * time of transpiling the sources through tsx on each start (measured on the 2-core build machine).
 */
function bundle(dir: string): string | undefined {
  const builder = esbuild();
  if (!builder) return undefined;
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, "main.cjs");
  builder.buildSync({
    entryPoints: [join(PROVIDER_DIR, "main.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    logLevel: "silent",
  });
  for (const asset of ASSETS) copyFileSync(asset, join(dir, asset.split("/").pop() as string));
  return outfile;
}

/**
 * `init` copies the launcher into .terraform/providers, hence absolute paths (facts.md §6). Its content depends only
 * on the node binary and where the code lives, so the package hash terraform records in .terraform.lock.hcl stays
 * the same from one run to the next with the same twin directory.
 */
export function launcherScript(command: string[]): string {
  return (
    `#!/bin/sh\n# The twin oracle/oci provider (TypeScript); generated, do not edit.\nexec ` +
    `${command.map(shellQuote).join(" ")} "$@"\n`
  );
}

function writeIfChanged(file: string, content: string, mode: number): void {
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== content) writeFileSync(file, content, { mode });
  chmodSync(file, mode);
}

export function installTwinProvider(
  twinDir: string,
  options: { node?: string; bundle?: boolean } = {},
): TwinProviderInstall {
  const node = options.node ?? process.execPath;
  const bundled = options.bundle === false ? undefined : bundle(resolve(twinDir, "provider"));
  const command = bundled ? [node, bundled] : [node, "--import", require.resolve("tsx"), join(PROVIDER_DIR, "main.ts")];
  const mirrorDir = resolve(twinDir, "terraform-mirror");
  const packageDir = join(mirrorDir, PROVIDER_ADDRESS, TWIN_PROVIDER_VERSION, terraformPlatform());
  mkdirSync(packageDir, { recursive: true });
  const launcher = join(packageDir, `terraform-provider-oci_v${TWIN_PROVIDER_VERSION}`);
  writeIfChanged(launcher, launcherScript(command), 0o755);
  const cliConfigFile = resolve(twinDir, "terraform.rc");
  const cliConfig = [
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
  ].join("\n");
  writeIfChanged(cliConfigFile, cliConfig, 0o644);
  return {
    cliConfigFile,
    mirrorDir,
    launcher,
    mode: bundled ? "bundle" : "tsx",
    env: { TF_CLI_CONFIG_FILE: cliConfigFile },
  };
}
