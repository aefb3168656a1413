// Real terraform: a stack holding only the ORDS post-deploy construct, its command pointed at a small recorder.
// Deploy, change, and destroy run the provisioners for real: a change runs only `ords apply`, only a destroy runs
// `ords teardown`. The DB password must reach the command through the process environment only, never the
// synthesized JSON, the state or the output.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { type OrdsSpec, ordsSpecFor, specFromHookInput } from "../src/ords/spec";
import { OrdsPostDeploy } from "../stacks/ords-post-deploy";
import { environmentFrom, exampleJson } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";
import "./support/terraform-version-once";

const PASSWORD = sentinelSecret("db-password");
const JWK_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
const STACK = "hooktest";

const terraformFound = spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;
if (!terraformFound) {
  // eslint-disable-next-line no-console
  console.log(
    "SKIPPED test/ords-hook-terraform.test.ts: no terraform binary on the PATH (install terraform ≥ 1.4 to run it)",
  );
}
const describeWithTerraform = terraformFound ? describe : describe.skip;

interface Recorded {
  argv: string[];
  cwd: string;
  spec: string | undefined;
  passwordPresent: boolean;
}

const RECORDER =
  "// Records how the hook invoked it; it never writes the password, only whether one was in its " +
  `environment.
const { appendFileSync } = require("node:fs");
appendFileSync(process.env.RECORDER_LOG, JSON.stringify({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  spec: process.env.ORDS_JWT_SPEC,
  passwordPresent: process.env.ORDS_DB_PASSWORD !== undefined && process.env.ORDS_DB_PASSWORD !== "",
}) + "\\n");
`;

function specWith(mutate: (json: any) => void = () => undefined): OrdsSpec {
  const json = exampleJson();
  // Template sequences in free text must reach the CLI literally, not be evaluated by Terraform.
  json.ords.privilege.description = "Reads ${var.x} and 100%{ if true }";
  mutate(json);
  return ordsSpecFor(environmentFrom(json, STACK), { jwkUrl: JWK_URL });
}

describeWithTerraform("the ORDS post-deploy hook under real terraform", () => {
  let dir: string;
  let outdir: string;
  let log: string;
  let recorder: string;

  const stackDir = () => join(outdir, "stacks", STACK);

  function synth(spec: OrdsSpec): void {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, STACK);
    new LocalBackend(stack, { path: join(dir, "terraform.tfstate") });
    new OrdsPostDeploy(stack, "ords", { spec, command: `node ${JSON.stringify(recorder)}` });
    app.synth();
  }

  function terraform(...args: string[]): { stdout: string; stderr: string } {
    const result = spawnSync("terraform", args, {
      cwd: stackDir(),
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: "1",
        TF_IN_AUTOMATION: "1",
        ORDS_DB_PASSWORD: PASSWORD,
        RECORDER_LOG: log,
      },
    });
    if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
    return { stdout: result.stdout, stderr: result.stderr };
  }

  function records(): Recorded[] {
    try {
      return readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Recorded);
    } catch {
      return [];
    }
  }

  function filesUnder(root: string): string[] {
    return readdirSync(root).flatMap((entry) => {
      const path = join(root, entry);
      if (entry === ".terraform") return [];
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
  }

  const outputs: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ords-hook-"));
    outdir = join(dir, "cdktf.out");
    log = join(dir, "calls.jsonl");
    recorder = join(dir, "recorder.cjs");
    writeFileSync(recorder, RECORDER);
    synth(specWith());
    const init = terraform("init", "-input=false", "-no-color");
    outputs.push(init.stdout, init.stderr);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("deploy runs `ords apply <env> --spec-env` once, in the stack directory", () => {
    const apply = terraform("apply", "-auto-approve", "-input=false", "-no-color");
    outputs.push(apply.stdout, apply.stderr);
    const calls = records();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.argv).toEqual(["ords", "apply", STACK, "--spec-env", "ORDS_JWT_SPEC"]);
    expect(calls[0]?.cwd).toBe(stackDir());
  });

  test("deploy hands the command the spec the CLI parses back to the configured values", () => {
    const recorded = records()[0]?.spec ?? "";
    expect(specFromHookInput(recorded, "$ORDS_JWT_SPEC")).toEqual(specWith());
  });

  test("deploy gives the command the password through its environment only", () => {
    const [call] = records();
    expect(call?.passwordPresent).toBe(true);
    expect(call?.spec).not.toContain(PASSWORD);
    expect(call?.argv.join(" ")).not.toContain(PASSWORD);
  });

  test("a changed value runs only `ords apply` with the new values, never a teardown", () => {
    synth(specWith((json) => (json.ords.privilege.label = "Renamed label")));
    const apply = terraform("apply", "-auto-approve", "-input=false", "-no-color");
    outputs.push(apply.stdout, apply.stderr);
    const calls = records().slice(1);
    expect(calls.map((call) => call.argv.slice(0, 2).join(" "))).toEqual(["ords apply"]);
    expect(specFromHookInput(calls[0]?.spec ?? "", "new").privilege.label).toBe("Renamed label");
  });

  test("a changed readiness timeout runs only `ords apply` too", () => {
    const before = records().length;
    synth(
      specWith((json) => ((json.ords.privilege.label = "Renamed label"), (json.ords.readinessTimeoutSeconds = 42))),
    );
    const apply = terraform("apply", "-auto-approve", "-input=false", "-no-color");
    outputs.push(apply.stdout, apply.stderr);
    expect(
      records()
        .slice(before)
        .map((call) => call.argv.slice(0, 2).join(" ")),
    ).toEqual(["ords apply"]);
  });

  test("an unchanged configuration runs nothing", () => {
    const before = records().length;
    const apply = terraform("apply", "-auto-approve", "-input=false", "-no-color");
    outputs.push(apply.stdout, apply.stderr);
    expect(records()).toHaveLength(before);
  });

  test("destroy runs `ords teardown` once, from the latest values in state, and nothing else", () => {
    const before = records().length;
    const destroy = terraform("destroy", "-auto-approve", "-input=false", "-no-color");
    outputs.push(destroy.stdout, destroy.stderr);
    const calls = records().slice(before);
    expect(calls.map((call) => call.argv)).toEqual([
      ["ords", "teardown", STACK, "--spec-env", "ORDS_JWT_SPEC", "--force"],
    ]);
    const spec = specFromHookInput(calls[0]?.spec ?? "", "destroy");
    expect(spec.privilege.label).toBe("Renamed label");
    expect(spec.readinessTimeoutSeconds).toBe(42);
  });

  test("the password appears in no synthesized file, state file or terraform output", () => {
    const files = filesUnder(dir).filter((file) => file !== log);
    expect(files.some((file) => file.endsWith(".tfstate") || file.endsWith(".tfstate.backup"))).toBe(true);
    for (const file of files)
      expect({ file, leaked: readFileSync(file, "utf8").includes(PASSWORD) }).toEqual({ file, leaked: false });
    expect(outputs.join("\n")).not.toContain(PASSWORD);
  });
});

describeWithTerraform("the hook's default command under real terraform", () => {
  test("fails when a `$(…)` in the kit's path runs under /bin/sh: the path travels in the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "ords-hook-path-"));
    try {
      // A checkout path holding a command substitution, a backquote and a template.
      const hostileDir = join(dir, "kit $(touch PWNED) `touch PWNED2` ${x}");
      mkdirSync(hostileDir);
      const log = join(dir, "calls.jsonl");
      const bin = join(hostileDir, "ords-jwt.cjs");
      writeFileSync(bin, RECORDER);
      const app = new App({ outdir: join(dir, "cdktf.out") });
      const stack = new TerraformStack(app, STACK);
      new LocalBackend(stack, { path: join(dir, "terraform.tfstate") });
      new OrdsPostDeploy(stack, "ords", { spec: specWith(), kitBin: bin });
      app.synth();
      const cwd = join(dir, "cdktf.out", "stacks", STACK);
      const env = { ...process.env, CHECKPOINT_DISABLE: "1", ORDS_DB_PASSWORD: PASSWORD, RECORDER_LOG: log };
      for (const args of [
        ["init", "-input=false", "-no-color"],
        ["apply", "-auto-approve", "-input=false", "-no-color"],
      ]) {
        const result = spawnSync("terraform", args, { cwd, env, encoding: "utf8", timeout: 120_000 });
        if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
      }
      const calls = readFileSync(log, "utf8").trim().split("\n");
      expect(calls).toHaveLength(1);
      expect(JSON.parse(calls[0] ?? "{}").argv).toEqual(["ords", "apply", STACK, "--spec-env", "ORDS_JWT_SPEC"]);
      expect(readdirSync(cwd).filter((name) => name.startsWith("PWNED"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
