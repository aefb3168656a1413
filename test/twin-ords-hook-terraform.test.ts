// Real terraform runs the kit's ORDS post-deploy hook (stacks/ords-post-deploy.ts, its default command: the real CLI)
// against the ORDS twin: the hook's child process loads the twin's node-oracledb stand-in through NODE_OPTIONS, so
// deploy stores the profile, privilege and demo module in the twin, the twin then serves the demo to a token, and
// destroy empties the schema again. Skipped with a message when no terraform binary is found.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { ordsSpecFor } from "../src/ords/spec";
import { OrdsPostDeploy } from "../stacks/ords-post-deploy";
import { readStore } from "../twin/ords/store";
import { environmentFrom, PROJECT_ROOT } from "./support/environments";
import { startTwinOrdsWorld, type TwinOrdsWorld } from "./support/twin-ords-world";
import "./support/terraform-version-once";

const terraformFound = spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;
if (!terraformFound) {
  // eslint-disable-next-line no-console
  console.log("SKIPPED test/twin-ords-hook-terraform.test.ts: no terraform binary on the PATH");
}
const describeWithTerraform = terraformFound ? describe : describe.skip;

describeWithTerraform("the ORDS post-deploy hook under real terraform, against the ORDS twin", () => {
  let world: TwinOrdsWorld;
  let dir: string;
  const output: string[] = [];

  /** terraform, asynchronously: the loopback IdP in this process must keep answering the hook's JWKS check. */
  function terraform(...args: string[]): Promise<void> {
    const stackDir = join(dir, "cdktf.out", "stacks", world.env.name);
    return new Promise((resolve, reject) => {
      const child = spawn("terraform", args, {
        cwd: stackDir,
        env: {
          ...process.env,
          CHECKPOINT_DISABLE: "1",
          TF_IN_AUTOMATION: "1",
          ORDS_DB_PASSWORD: world.password,
          ORDS_JWT_TWIN_DIR: world.dir,
          // The hook's `node bin/ords-jwt.cjs …` then finds the twin where it would load node-oracledb.
          NODE_OPTIONS: `--require ${JSON.stringify(join(PROJECT_ROOT, "twin", "ords", "register.cjs"))}`,
          NODE_EXTRA_CA_CERTS: world.certificate.certFile,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (code) => {
        output.push(text);
        if (code === 0) resolve();
        else reject(new Error(`terraform ${args.join(" ")} exited ${code}:\n${text}`));
      });
    });
  }

  beforeAll(async () => {
    world = await startTwinOrdsWorld();
    dir = mkdtempSync(join(tmpdir(), "twin-ords-hook-"));
    const spec = ordsSpecFor(environmentFrom(world.env.json, world.env.name), { jwkUrl: world.jwkUrl });
    const app = new App({ outdir: join(dir, "cdktf.out") });
    const stack = new TerraformStack(app, world.env.name);
    new LocalBackend(stack, { path: join(dir, "terraform.tfstate") });
    new OrdsPostDeploy(stack, "ords", { spec });
    app.synth();
    await terraform("init", "-input=false", "-no-color");
  }, 120_000);

  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("deploy runs the kit's ords apply in the hook: the twin stores profile, privilege and demo module", async () => {
    await terraform("apply", "-auto-approve", "-input=false", "-no-color");
    const schema = readStore(world.dir).schemas.HR;
    expect(schema?.profile).toMatchObject({ issuer: world.idp.issuer, audience: world.idp.audience });
    expect(schema?.profile?.jwkUrl).toBe(world.jwkUrl);
    expect(Object.keys(schema?.privileges ?? {})).toEqual(["demo.read"]);
    expect(Object.keys(schema?.modules ?? {})).toEqual(["ords_jwt_kit.demo"]);
  }, 120_000);

  test("the twin then answers the demo: 401 without a token, 200 with the caller's name with one", async () => {
    expect((await world.fetch(world.endpoint)).status).toBe(401);
    const answer = await world.fetch(world.endpoint, {
      headers: { authorization: `Bearer ${await world.idp.mint()}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ current_user: world.idp.clientId });
  });

  test("destroy runs the kit's ords teardown in the hook: the schema is empty again", async () => {
    await terraform("destroy", "-auto-approve", "-input=false", "-no-color");
    expect(readStore(world.dir).schemas.HR).toMatchObject({ profile: null, privileges: {}, roles: [], modules: {} });
  }, 120_000);

  test("the database password appears in no terraform output", () => {
    expect(output.join("\n")).not.toContain(world.password);
  });
});
