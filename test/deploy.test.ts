// deploy at the subprocess seam: approval rules and the exact cdktf command.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy } from "../src/lifecycle/deploy";
import { isKitError } from "../src/errors";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { FakeRunner } from "./support/fake-runner";

function context(runner: FakeRunner): LifecycleContext {
  const work = mkdtempSync(join(tmpdir(), "deploy-"));
  return {
    projectRoot: PROJECT_ROOT,
    outdir: join(work, "cdktf.out"),
    stateDir: join(work, "state"),
    runner,
    synthesize: () => {
      throw new Error("deploy does not synthesize in-process");
    },
    log: () => undefined,
    now: () => 0,
  };
}

const environment = environmentFrom(exampleJson(), "dev");

test("fails when there is no terminal and no --yes, before running anything", async () => {
  const runner = new FakeRunner([]);
  await expect(deploy({ environment, yes: false, ci: false, interactive: false }, context(runner))).rejects.toMatchObject({
    code: "CONFIRMATION_REQUIRED",
  });
  expect(runner.calls).toEqual([]);
});

test("on a terminal without --yes, leaves approval to terraform's own prompt", async () => {
  const runner = new FakeRunner([], () => true);
  const ctx = context(runner);
  await deploy({ environment, yes: false, ci: false, interactive: true }, ctx).catch((error) => {
    if (!isKitError(error, "DEPLOY_FAILED")) throw error;
  });
  expect(runner.calls[0]).toMatchObject({ args: ["deploy", "dev", "--outputs-file", join(ctx.stateDir, "dev.outputs.json")], interactive: true });
});

test("with --yes, auto-approves and reports a failed deploy with the exit code", async () => {
  const runner = new FakeRunner([], () => true);
  await expect(deploy({ environment, yes: true, ci: false, interactive: false }, context(runner))).rejects.toMatchObject({
    code: "DEPLOY_FAILED",
    message: "cdktf deploy dev exited with 1",
  });
  expect(runner.calls[0]?.args).toEqual(["deploy", "dev", "--auto-approve", "--outputs-file", expect.stringMatching(/dev\.outputs\.json$/)]);
});
