// deploy at the subprocess seam: approval rules and the exact cdktf command.
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isKitError } from "../src/errors";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy, tightenToOwnerOnly } from "../src/lifecycle/deploy";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { FakeRunner, TEST_DB_PASSWORD, testDbPassword } from "./support/fake-runner";

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
    dbPassword: testDbPassword,
    log: () => undefined,
    now: () => 0,
  };
}

const environment = environmentFrom(exampleJson(), "dev");

test("fails when there is no terminal and no --yes, before running anything", async () => {
  const runner = new FakeRunner([]);
  await expect(
    deploy({ environment, yes: false, ci: false, interactive: false }, context(runner)),
  ).rejects.toMatchObject({
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
  expect(runner.calls[0]).toMatchObject({
    args: ["deploy", "dev", "--outputs-file", join(ctx.stateDir, "dev.outputs.json")],
    interactive: true,
  });
});

test("with --yes, auto-approves and reports a failed deploy with the exit code", async () => {
  const runner = new FakeRunner([], () => true);
  await expect(
    deploy({ environment, yes: true, ci: false, interactive: false }, context(runner)),
  ).rejects.toMatchObject({
    code: "DEPLOY_FAILED",
    message: "cdktf deploy dev exited with 1",
  });
  expect(runner.calls[0]?.args).toEqual([
    "deploy",
    "dev",
    "--auto-approve",
    "--outputs-file",
    expect.stringMatching(/dev\.outputs\.json$/),
  ]);
});

test("hands the DB password to the ORDS hook through the environment only, asked before cdktf runs", async () => {
  const runner = new FakeRunner([], () => true);
  await deploy({ environment, yes: true, ci: false, interactive: false }, context(runner)).catch((error) => {
    if (!isKitError(error, "DEPLOY_FAILED")) throw error;
  });
  expect(runner.calls[0]?.env).toEqual({ ORDS_DB_PASSWORD: TEST_DB_PASSWORD });
  expect(runner.calls[0]?.args.join(" ")).not.toContain(TEST_DB_PASSWORD);
});

test("asks for no password when the environment turns the ORDS hook off", async () => {
  const json = exampleJson();
  json.ords.hook = false;
  const runner = new FakeRunner([], () => true);
  const ctx = { ...context(runner), dbPassword: () => Promise.reject(new Error("must not be asked")) };
  await deploy({ environment: environmentFrom(json, "dev"), yes: true, ci: false, interactive: false }, ctx).catch(
    (error) => {
      if (!isKitError(error, "DEPLOY_FAILED")) throw error;
    },
  );
  expect(runner.calls[0]?.env).toEqual({});
});

test("a state or outputs file left readable by others (say, by a plain cdktf deploy) is tightened to 0600", () => {
  const file = join(mkdtempSync(join(tmpdir(), "mode-")), "dev.tfstate");
  writeFileSync(file, "{}", { mode: 0o644 });
  chmodSync(file, 0o644);
  expect(tightenToOwnerOnly(file)).toEqual({ file, modeBefore: "644", tightened: true });
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

describe("an ORDS hook removed from the config", () => {
  function withHookInState(mutate: (json: any) => void) {
    const runner = new FakeRunner([]);
    const ctx = context(runner);
    mkdirSync(ctx.stateDir, { recursive: true });
    const state = {
      version: 4,
      resources: [{ mode: "managed", type: "terraform_data", name: "ords_teardown_FC8639C7", instances: [] }],
    };
    writeFileSync(join(ctx.stateDir, "dev.tfstate"), JSON.stringify(state));
    const json = exampleJson();
    mutate(json);
    return { runner, ctx, environment: environmentFrom(json, "dev") };
  }

  test.each([
    ["the ords section is gone", (json: any) => delete json.ords, /put the "ords" section back/],
    ["ords.hook is false", (json: any) => (json.ords.hook = false), /run "npx ords-jwt ords teardown dev"/],
  ])("fails when %s but the state still holds the teardown hook, and runs nothing", async (_what, mutate, fix) => {
    const { runner, ctx, environment } = withHookInState(mutate);
    await expect(deploy({ environment, yes: true, ci: false, interactive: false }, ctx)).rejects.toMatchObject({
      code: "ORDS_HOOK_REMOVED",
      message: expect.stringMatching(/terraform_data\.ords_teardown_FC8639C7.*would stay in the database/),
      fix: expect.stringMatching(fix),
    });
    expect(runner.calls).toEqual([]);
  });

  test("with --leave-ords, deploy goes ahead and terraform drops the hook", async () => {
    const { runner, ctx, environment } = withHookInState((json) => delete json.ords);
    await deploy({ environment, yes: true, ci: false, interactive: false, leaveOrds: true }, ctx).catch((error) => {
      if (!isKitError(error, "DEPLOY_FAILED")) throw error;
    });
    expect(runner.calls[0]?.args.slice(0, 2)).toEqual(["deploy", "dev"]);
  });
});
