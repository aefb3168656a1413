// Teardown orchestration at the subprocess seam: exact commands per case, protection, confirmation and resume.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isKitError, KitError } from "../src/errors";
import type { LifecycleContext } from "../src/lifecycle/context";
import { synthesizeTargets } from "../src/lifecycle/synth-targets";
import { type TeardownResult, teardown } from "../src/lifecycle/teardown";
import type { StackVariant } from "../stacks/stack-variant";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import {
  describe as describeCall,
  type FailureRule,
  FakeRunner,
  TEST_DB_PASSWORD,
  testDbPassword,
} from "./support/fake-runner";

const ORDS = {
  connectString: "db.example.com:1521/freepdb1",
  user: "HR",
  baseUrl: "https://db.example.com/ords/hr/",
  demoModule: true,
};

function createdDomainEnv(overrides: Record<string, unknown> = {}) {
  const json = exampleJson();
  json.ords = ORDS;
  Object.assign(json, overrides);
  return environmentFrom(json, "dev");
}

function reusedDomainEnv() {
  const json = exampleJson();
  json.ords = ORDS;
  json.identityProvider.domain = { mode: "existing", url: "https://idcs-0123456789abcdef.identity.oraclecloud.com" };
  json.identityProvider.clientAccess = { csrAccess: "none" };
  return environmentFrom(json, "dev");
}

interface Harness {
  readonly context: LifecycleContext;
  readonly runner: FakeRunner;
  readonly log: string[];
  readonly stackDir: string;
  readonly app: string;
  readonly domain: string | undefined;
  lines(): string[];
}

function harness(environment: ReturnType<typeof createdDomainEnv>, failWhen?: FailureRule): Harness {
  const work = mkdtempSync(join(tmpdir(), "teardown-"));
  const dirs = { outdir: join(work, "cdktf.out"), stateDir: join(work, "state") };
  // The real in-process synthesis; only the subprocesses are faked.
  const targets = synthesizeTargets(environment, {}, dirs);
  const state = [
    targets.appAddress,
    "oci_identity_domains_setting.identity_client_access_E8CAA109",
    ...(targets.domainAddress ? [targets.domainAddress] : []),
  ];
  const runner = new FakeRunner(state, failWhen);
  const log: string[] = [];
  let clock = 0;
  const context: LifecycleContext = {
    projectRoot: PROJECT_ROOT,
    ...dirs,
    runner,
    synthesize: (env, variant) => synthesizeTargets(env, variant, dirs),
    dbPassword: testDbPassword,
    log: (line) => log.push(line),
    now: () => (clock += 1500),
  };
  return {
    context,
    runner,
    log,
    stackDir: targets.stackDir,
    app: targets.appAddress,
    domain: targets.domainAddress,
    // Terraform runs in the synthesized stack directory; show it as <stack>.
    lines: () => runner.lines(PROJECT_ROOT).map((line) => line.replace(/@\S+/, "@<stack>")),
  };
}

const confirmed = { yes: true, force: false, ci: false, interactive: false, confirm: async () => false };

async function expectKitError(promise: Promise<unknown>): Promise<KitError> {
  try {
    await promise;
  } catch (error) {
    if (isKitError(error)) return error;
    throw error;
  }
  throw new Error("expected a KitError");
}

const DESTROY = "cdktf destroy dev --auto-approve";

describe("teardown of an environment whose domain the kit created", () => {
  test(
    "drops ORDS objects, then destroys; the domain is never deactivated before what is inside it " + "is gone",
    async () => {
      const environment = createdDomainEnv();
      const h = harness(environment);
      const result = await teardown({ ...confirmed, environment }, h.context);
      const stack = (line: string) => `${line} @<stack>`;
      // Deactivating first breaks the destroy of the app, user and setting (oracle-enterprise-landingzone#101); the
      // destroy-time provisioners deactivate the app, then the domain, in Terraform's dependency order instead.
      expect(h.lines()).toEqual([
        "ords-jwt ords teardown dev [ORDS_DB_PASSWORD=***]",
        stack("terraform init -input=false -no-color"),
        stack("terraform state list -no-color"),
        `${DESTROY} [ORDS_DB_PASSWORD=***]`,
      ]);
      expect(h.lines().some((line) => line.includes("-target="))).toBe(false);
      expect(result.steps.map((step) => step.status)).toEqual(["done", "done"]);
    },
  );

  test("destroys the stack as deployed: the app and domain carry their own deactivation", async () => {
    const environment = createdDomainEnv();
    const variants: StackVariant[] = [];
    const h = harness(environment);
    const synthesize = h.context.synthesize;
    await teardown(
      { ...confirmed, environment },
      { ...h.context, synthesize: (env, variant) => (variants.push(variant), synthesize(env, variant)) },
    );
    expect(variants).toEqual([{}]);
  });

  test("shows progress for each step with elapsed time", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    await teardown({ ...confirmed, environment }, h.context);
    expect(h.log).toContain("[1/2] ORDS teardown (JWT profile, privilege, roles, demo module) …");
    expect(h.log.filter((line) => /^\[\d\/2\] .*: done, .* \(\d+(\.\d)? s\)$/.test(line))).toHaveLength(2);
  });
});

describe("teardown of an environment that reuses a domain", () => {
  test("runs the ORDS step and the destroy; there is no domain resource to deactivate", async () => {
    const environment = reusedDomainEnv();
    const h = harness(environment);
    await teardown({ ...confirmed, environment }, h.context);
    expect(h.domain).toBeUndefined();
    expect(h.lines()).toEqual([
      "ords-jwt ords teardown dev [ORDS_DB_PASSWORD=***]",
      "terraform init -input=false -no-color @<stack>",
      "terraform state list -no-color @<stack>",
      `${DESTROY} [ORDS_DB_PASSWORD=***]`,
    ]);
  });
});

describe("protected environments", () => {
  test("fails when teardown is asked without --force, and runs nothing", async () => {
    const environment = createdDomainEnv({ protected: true });
    const h = harness(environment);
    const error = await expectKitError(teardown({ ...confirmed, environment }, h.context));
    expect(error.code).toBe("ENVIRONMENT_PROTECTED");
    expect(error.fix).toMatch(/--force.*"protected": false/);
    expect(h.runner.calls).toEqual([]);
  });

  test("with --force, lifts prevent_destroy for this environment only while destroying", async () => {
    const environment = createdDomainEnv({ protected: true });
    const h = harness(environment);
    await teardown({ ...confirmed, force: true, environment }, h.context);
    expect(h.lines()[0]).toBe("ords-jwt ords teardown dev --force [ORDS_DB_PASSWORD=***]");
    expect(h.lines().at(-1)).toBe(`${DESTROY} [ORDS_JWT_LIFT_PROTECTION=dev ORDS_DB_PASSWORD=***]`);
  });
});

describe("confirmation", () => {
  test("fails when there is no terminal and no --yes, and runs nothing", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    const error = await expectKitError(teardown({ ...confirmed, yes: false, environment }, h.context));
    expect(error.code).toBe("CONFIRMATION_REQUIRED");
    expect(error.fix).toMatch(/--yes/);
    expect(h.runner.calls).toEqual([]);
  });

  test("CI=true confirms like --yes", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    await teardown({ ...confirmed, yes: false, ci: true, environment }, h.context);
    expect(h.runner.calls).toHaveLength(4);
  });

  test("asks on a terminal, naming the environment and what will be destroyed; no means nothing runs", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    const questions: string[] = [];
    const error = await expectKitError(
      teardown(
        { ...confirmed, yes: false, interactive: true, confirm: async (q) => (questions.push(q), false), environment },
        h.context,
      ),
    );
    expect(error.code).toBe("CONFIRMATION_DECLINED");
    expect(questions[0]).toMatch(/Tear down environment "dev"/);
    expect(questions[0]).toMatch(/the confidential app "ords-jwt-example-api"/);
    expect(questions[0]).toMatch(/the identity domain "ords-jwt-example" \(created by the kit\)/);
    expect(h.runner.calls).toEqual([]);
  });
});

describe("resuming an interrupted teardown", () => {
  const isCall =
    (prefix: string): FailureRule =>
    (spec) =>
      describeCall(spec).startsWith(prefix);
  const once = (rule: FailureRule): FailureRule => {
    let failed = false;
    return (spec, state) => !failed && rule(spec, state) && (failed = true);
  };

  async function failThenResume(
    rule: FailureRule,
  ): Promise<{ h: Harness; error: KitError; second: TeardownResult; firstCalls: number }> {
    const environment = createdDomainEnv();
    const h = harness(environment, once(rule));
    const error = await expectKitError(teardown({ ...confirmed, environment }, h.context));
    const firstCalls = h.runner.calls.length;
    const second = await teardown({ ...confirmed, environment }, h.context);
    return { h, error, second, firstCalls };
  }

  test.each([
    ["the ORDS teardown", "ords-jwt ords teardown", 1],
    ["the destroy (a provisioner's deactivation or a delete failed)", "cdktf destroy", 2],
  ])("a failure in %s stops there, says what is left, and a re-run finishes", async (_what, prefix, step) => {
    const { error, second } = await failThenResume(isCall(prefix));
    expect(error.code).toBe("TEARDOWN_STEP_FAILED");
    expect(error.message).toMatch(new RegExp(`failed at step ${step}/2`));
    expect(error.fix).toMatch(/re-run "npx ords-jwt teardown dev": it resumes/);
    const first = (error.details.result as TeardownResult).steps.map((s) => s.status);
    expect(first.slice(step)).toEqual(Array(2 - step).fill("not run"));
    expect(second.steps.at(-1)?.status).toBe("done");
  });

  test("after a destroy that removed the app but not the domain, a re-run destroys the rest", async () => {
    const environment = createdDomainEnv();
    let h: Harness | undefined;
    const rule: FailureRule = (spec, state) => {
      if (!describeCall(spec).startsWith("cdktf destroy")) return false;
      state.delete((h as Harness).app);
      return true;
    };
    h = harness(environment, once(rule));
    await expectKitError(teardown({ ...confirmed, environment }, h.context));
    const second = await teardown({ ...confirmed, environment }, h.context);
    expect(second.steps.map((step) => [step.id, step.status, step.detail])).toEqual([
      ["ords", "done", expect.any(String)],
      ["destroy", "done", "2 resource(s) destroyed"],
    ]);
  });

  test("after everything was destroyed, a re-run only confirms that nothing is left", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    await teardown({ ...confirmed, environment }, h.context);
    const again = await teardown({ ...confirmed, environment }, h.context);
    expect(again.steps.map((step) => step.status)).toEqual(["done", "skipped"]);
  });
});

test("an environment without an ords section skips the ORDS step", async () => {
  const json = exampleJson();
  delete json.ords;
  const environment = environmentFrom(json, "dev");
  const h = harness(environment);
  const result = await teardown({ ...confirmed, environment }, h.context);
  expect(result.steps[0]).toMatchObject({ id: "ords", status: "skipped" });
  expect(h.lines()[0]).toMatch(/^terraform init/);
});

describe("the database password and an unreachable database", () => {
  test("the password reaches the ORDS step and the destroy-time hook through the environment only", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    await teardown({ ...confirmed, environment }, h.context);
    const withPassword = h.runner.calls
      .filter((call) => call.env?.ORDS_DB_PASSWORD === TEST_DB_PASSWORD)
      .map(describeCall);
    expect(withPassword).toEqual(["ords-jwt ords teardown dev", "cdktf destroy dev --auto-approve"]);
    expect(h.runner.calls.some((call) => call.args.some((arg) => arg.includes(TEST_DB_PASSWORD)))).toBe(false);
    expect(h.log.join("\n")).not.toContain(TEST_DB_PASSWORD);
  });

  test("fails before changing anything when there is no password to give the ORDS step", async () => {
    const environment = createdDomainEnv();
    const h = harness(environment);
    const missing = new KitError("CONFIG_DB_PASSWORD_MISSING", "No database password", {
      fix: "export ORDS_DB_PASSWORD=…",
    });
    await expect(
      teardown({ ...confirmed, environment }, { ...h.context, dbPassword: async () => Promise.reject(missing) }),
    ).rejects.toBe(missing);
    expect(h.runner.calls).toEqual([]);
  });

  test(
    "--skip-ords leaves the ORDS objects, asks for no password, and tells the destroy-time hook to skip the " +
      "database",
    async () => {
      const environment = createdDomainEnv();
      const h = harness(environment);
      let asked = false;
      const result = await teardown(
        { ...confirmed, skipOrds: true, environment },
        { ...h.context, dbPassword: async () => ((asked = true), testDbPassword()) },
      );
      expect(asked).toBe(false);
      expect(result.steps[0]).toMatchObject({
        id: "ords",
        status: "skipped",
        detail: expect.stringMatching(/left in the database/),
      });
      expect(h.lines()[0]).toMatch(/^terraform init/);
      expect(h.lines().at(-1)).toBe(`${DESTROY} [ORDS_JWT_SKIP_ORDS=1]`);
    },
  );
});
