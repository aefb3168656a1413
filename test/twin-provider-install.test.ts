// Installing the twin provider: everything lands in the twin directory, the CLI config points terraform at the
// mirror for oracle/oci only, and the launcher reaches the code by absolute path.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { installTwinProvider, terraformPlatform } from "../twin/provider/install";

describe("installTwinProvider", () => {
  const root = mkdtempSync(join(tmpdir(), "twin-provider-install-"));
  const home = join(root, "home");
  const twinDir = join(root, "twin");
  const savedHome = process.env.HOME;
  let install: ReturnType<typeof installTwinProvider>;

  beforeAll(() => {
    require("node:fs").mkdirSync(home);
    process.env.HOME = home;
    install = installTwinProvider(twinDir);
  }, 60_000);
  afterAll(() => {
    process.env.HOME = savedHome;
    rmSync(root, { recursive: true, force: true });
  });

  test("writes only inside the twin directory, never a ~/.terraformrc", () => {
    for (const path of [install.cliConfigFile, install.mirrorDir, install.launcher])
      expect(path.startsWith(twinDir)).toBe(true);
    expect(readdirSync(home)).toEqual([]);
    expect(install.env).toEqual({ TF_CLI_CONFIG_FILE: install.cliConfigFile });
  });

  test("installs oracle/oci 8.28.0 for this platform from the mirror, and every other provider as usual", () => {
    expect(install.launcher).toBe(
      join(
        install.mirrorDir,
        "registry.terraform.io",
        "oracle",
        "oci",
        "8.28.0",
        terraformPlatform(),
        "terraform-provider-oci_v8.28.0",
      ),
    );
    const config = readFileSync(install.cliConfigFile, "utf8");
    expect(config).toContain(`filesystem_mirror {\n    path    = ${JSON.stringify(install.mirrorDir)}`);
    expect(config).toContain('include = ["registry.terraform.io/oracle/oci"]');
    expect(config).toContain('direct {\n    exclude = ["registry.terraform.io/oracle/oci"]');
  });

  test("writes an executable launcher that runs the bundled provider by absolute path", () => {
    expect(install.mode).toBe("bundle");
    expect(statSync(install.launcher).mode & 0o111).toBe(0o111);
    const script = readFileSync(install.launcher, "utf8");
    const [, node, entry] = /^exec '([^']+)' '([^']+)' "\$@"$/m.exec(script) ?? [];
    expect(node).toBe(process.execPath);
    expect(isAbsolute(entry ?? "")).toBe(true);
    expect(entry).toBe(join(twinDir, "provider", "main.cjs"));
    expect(readdirSync(join(twinDir, "provider")).sort()).toEqual([
      "grpc_controller.proto",
      "main.cjs",
      "schema.json",
      "tfplugin6.8.proto",
    ]);
  });

  test("keeps the launcher byte for byte on a second install, so the lock file's hash holds", () => {
    const before = readFileSync(install.launcher);
    installTwinProvider(twinDir);
    expect(readFileSync(install.launcher).equals(before)).toBe(true);
  }, 60_000);

  test("falls back to the TypeScript sources through tsx when asked not to bundle", () => {
    const other = installTwinProvider(join(root, "tsx-twin"), { bundle: false });
    expect(other.mode).toBe("tsx");
    expect(readFileSync(other.launcher, "utf8")).toMatch(/'--import' '[^']+' '[^']+\/twin\/provider\/main\.ts' "\$@"/);
  });
});
