// deploy's output in a log (no terminal, or NO_COLOR): no colour, no spinner frames, and terraform's own error with
// a kit fix in DEPLOY_FAILED. Real terraform fails to query a provider from a registry that cannot exist.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandRunner, processRunner } from "../src/lifecycle/command-runner";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy } from "../src/lifecycle/deploy";
import { fixForTerraformError, terraformErrors, tidyOutput } from "../src/lifecycle/terraform-output";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { testDbPassword } from "./support/fake-runner";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
const ESC = "\u001b";

test("drops colour, spinner frames and the stack status bar, and keeps terraform's lines", () => {
  const raw = [
    `${ESC}[2K${ESC}[1A${ESC}[2K${ESC}[G`,
    "⠋  Synthesizing",
    "⠙  Synthesizing",
    "",
    "0 Stacks deploying     0 Stacks done     1 Stack waiting",
    `dev  ${ESC}[0m${ESC}[1mInitializing provider plugins...${ESC}[0m`,
    "",
    "",
    '     - Finding oracle/oci versions matching "8.28.0"...',
  ].join("\n");
  expect(tidyOutput(raw)).toEqual([
    "dev  Initializing provider plugins...",
    "",
    '     - Finding oracle/oci versions matching "8.28.0"...',
  ]);
});

test("finds terraform's error block inside cdktf's stack column", () => {
  const lines = [
    "dev  ╷",
    "     │ Error: Failed to query available provider packages",
    "     │ ",
    "     │ Could not retrieve the list of available versions for provider oracle/oci:",
    "     │ could not connect to registry.terraform.io",
    "     ╵",
  ];
  expect(terraformErrors(lines)).toEqual([
    "Failed to query available provider packages: Could not retrieve the list of available versions for provider " +
      "oracle/oci: could not connect to registry.terraform.io",
  ]);
});

(hasTerraform ? describe : describe.skip)("with real terraform", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "deploy-output-"));
    // .invalid never resolves (RFC 2606), so the provider query fails the same way everywhere.
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({ terraform: { required_providers: { x: { source: "registry.invalid/none/x" } } } }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs the real `terraform init` of the failing directory in place of cdktf deploy, as the runner spec says. The
   * version check deploy makes first (`terraform version -json`) runs as it is.
   */
  const terraformInstead: CommandRunner = {
    run: (spec) =>
      // The version check runs as it is; cdktf deploy becomes the failing init.
      spec.command === "terraform" && spec.args[0] === "version"
        ? processRunner.run(spec)
        : processRunner.run({ ...spec, command: "terraform", args: ["init", "-input=false"], cwd: dir }),
  };

  test(
    "fails with DEPLOY_FAILED carrying terraform's error and the download fix, with no escape " + "sequence",
    async () => {
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      const work = mkdtempSync(join(tmpdir(), "deploy-output-work-"));
      const context: LifecycleContext = {
        projectRoot: PROJECT_ROOT,
        outdir: join(work, "cdktf.out"),
        stateDir: join(work, "state"),
        runner: terraformInstead,
        synthesize: () => {
          throw new Error("deploy does not synthesize in-process");
        },
        dbPassword: testDbPassword,
        log: () => undefined,
        now: () => 0,
        plainOutput: true,
      };
      let error: unknown;
      try {
        await deploy(
          { environment: environmentFrom(exampleJson(), "dev"), yes: true, ci: false, interactive: false },
          context,
        );
      } catch (caught) {
        error = caught;
      } finally {
        process.stderr.write = write;
        rmSync(work, { recursive: true, force: true });
      }
      expect(error).toMatchObject({
        code: "DEPLOY_FAILED",
        message: expect.stringContaining("Failed to query available provider packages"),
        fix: expect.stringContaining("could not download its providers"),
      });
      expect(written.join("")).toContain("Error: Failed to query available provider packages");
      expect(written.join("")).not.toContain(ESC);
    },
  );
});

test("reads terraform's plain (-no-color) error form: summary, blank line, detail", () => {
  const lines = [
    "dev  Error: Invalid reference",
    "",
    "       A reference to a resource type must be followed by",
    "       at least one attribute access.",
    "",
    "Error: terraform plan failed with exit code 1",
  ];
  expect(terraformErrors(lines)[0]).toBe(
    "Invalid reference: A reference to a resource type must be followed by at least one attribute access.",
  );
});

test("names the general fix when terraform's error is not one the kit knows", () => {
  expect(fixForTerraformError("Invalid reference", "dev")).toBe(
    'Fix what terraform says, then run "npx ords-jwt deploy dev" again (terraform resumes from the state).',
  );
});
