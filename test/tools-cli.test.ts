// token, call and doctor through the real CLI (bin/ords-jwt.cjs) as subprocesses: exit codes, the --json shape,
// and no token in the output of call and doctor. Usage checks and the stack-outputs path run the CLI's entry in
// process: their behaviour is what main prints and returns, and exit 2 through a process is proven above them.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JwtWorld, startJwtWorld } from "./support/jwt-world";
import { ORDS_INVALID_TOKEN } from "./support/ords-resource";
import { runCliAsync } from "./support/run-cli-async";
import { runCliInProcess } from "./support/run-cli-in-process";
import { sentinelSecret } from "./support/sentinel";
import { writeToolEnvironment } from "./support/tool-environment";

let world: JwtWorld;
let scratch: string;

beforeEach(async () => {
  world = await startJwtWorld();
  scratch = mkdtempSync(join(tmpdir(), "ords-jwt-cli-"));
});

afterEach(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await world.close();
});

function tokenFile(token: string): string {
  const file = join(scratch, "token.txt");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

function expectNoToken(text: string, token: string): void {
  expect(text).not.toContain(token);
  for (const part of token.split(".")) expect(text).not.toContain(part.slice(0, 24));
}

function standaloneDoctorFlags(): string[] {
  const { expected } = world;
  return [
    "--issuer",
    expected.issuer,
    "--audience",
    expected.audience,
    "--jwk-url",
    expected.jwkUrl,
    "--privilege",
    expected.privilege,
    "--url",
    world.endpoint,
    "--allow-insecure",
  ];
}

test("token prints only the token on stdout, standalone, with the secret from the environment", async () => {
  const { idp } = world;
  const run = await runCliAsync(
    ["token", "--token-url", idp.tokenUrl, "--client-id", idp.clientId, "--scope", idp.fqs(), "--allow-insecure"],
    { ORDS_JWT_CLIENT_SECRET: idp.clientSecret },
  );
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
  expect(run.stderr).not.toContain(idp.clientSecret);
});

test("token --decode --json prints header and claims and no signature", async () => {
  const { idp } = world;
  const run = await runCliAsync(
    [
      "token",
      "--decode",
      "--json",
      "--token-url",
      idp.tokenUrl,
      "--client-id",
      idp.clientId,
      "--scope",
      idp.fqs(),
      "--allow-insecure",
    ],
    { ORDS_JWT_CLIENT_SECRET: idp.clientSecret },
  );
  expect(run.status).toBe(0);
  const printed = JSON.parse(run.stdout);
  expect(Object.keys(printed)).toEqual(["header", "claims"]);
  expect(printed.claims).toMatchObject({ aud: idp.audience, scope: "demo.read" });
});

test("token exits 1 and explains when the IdP refuses the client", async () => {
  const { idp } = world;
  const wrongSecret = sentinelSecret("wrong-client-secret");
  const run = await runCliAsync(
    ["token", "--token-url", idp.tokenUrl, "--client-id", idp.clientId, "--scope", idp.fqs(), "--allow-insecure"],
    { ORDS_JWT_CLIENT_SECRET: wrongSecret },
  );
  expect(run.status).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toContain("invalid_client");
  expect(run.stderr).not.toContain(wrongSecret);
});

test("token exits 2 for a malformed flag", async () => {
  const run = await runCliAsync(["token", "--token-url", "not a url"]);
  expect(run.status).toBe(2);
});

test("call prints status and body, exits 0 on 200, and never shows the token", async () => {
  const token = await world.idp.mint();
  const run = await runCliAsync([
    "call",
    "any",
    world.endpoint,
    "--token-file",
    tokenFile(token),
    "--allow-insecure",
    "--environments-dir",
    writeToolEnvironment(world.idp, undefined, "any").dir,
  ]);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("200");
  expect(run.stdout).toContain(`"current_user":"${world.idp.clientId}"`);
  expectNoToken(run.stdout + run.stderr, token);
});

test("call --no-token exits 0 on the expected 401 and shows ORDS's WWW-Authenticate", async () => {
  const env = writeToolEnvironment(world.idp);
  try {
    const run = await runCliAsync([
      "call",
      env.name,
      world.endpoint,
      "--no-token",
      "--allow-insecure",
      "--environments-dir",
      env.dir,
      "--json",
    ]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 401, ok: true, wwwAuthenticate: ORDS_INVALID_TOKEN });
  } finally {
    env.remove();
  }
});

test("call exits 1 on a 401 with a token, without showing the token", async () => {
  const token = await world.idp.mint({ scope: "Demo.Read" });
  const env = writeToolEnvironment(world.idp);
  try {
    const run = await runCliAsync(
      ["call", env.name, world.endpoint, "--allow-insecure", "--environments-dir", env.dir],
      { ORDS_JWT_TOKEN: token },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("401");
    expect(run.stdout).toContain(ORDS_INVALID_TOKEN);
    expectNoToken(run.stdout + run.stderr, token);
  } finally {
    env.remove();
  }
});

test("doctor --json prints exactly {checks:[{id,status,message,fix}]} and exits 0 when nothing fails", async () => {
  const token = await world.idp.mint();
  const run = await runCliAsync(["doctor", ...standaloneDoctorFlags(), "--token-file", tokenFile(token), "--json"]);
  expect(run.status).toBe(0);
  const printed = JSON.parse(run.stdout);
  expect(Object.keys(printed)).toEqual(["checks"]);
  for (const item of printed.checks) {
    expect(Object.keys(item)).toEqual(["id", "status", "message", "fix"]);
    expect(["pass", "fail", "warn", "skip"]).toContain(item.status);
  }
  expect(printed.checks.find((item: { id: string }) => item.id === "endpoint.authenticated").status).toBe("pass");
  expectNoToken(run.stdout + run.stderr, token);
});

test("doctor exits 1 when a check fails, prints ✗ with a fix, and never shows the token", async () => {
  const token = await world.idp.mint({ scope: "Demo.Read" });
  const run = await runCliAsync(["doctor", ...standaloneDoctorFlags(), "--token-file", tokenFile(token)]);
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/✗ token\.scope/);
  expect(run.stdout).toMatch(/fix: /);
  expect(run.stdout).toMatch(/✓ jwks\.reachable/);
  expect(run.stdout).toMatch(/– profile\.exists/);
  expect(run.stderr).toContain("token.scope");
  expectNoToken(run.stdout + run.stderr, token);
});

test("fails when the token file holds two lines: doctor and call exit 2 and show no part of the token", async () => {
  const token = await world.idp.mint();
  const file = join(scratch, "two-lines.txt");
  writeFileSync(file, `${token.slice(0, 60)}\n${token.slice(60)}\n`, { mode: 0o600 });
  const env = writeToolEnvironment(world.idp);
  try {
    const doctorRun = await runCliAsync(["doctor", ...standaloneDoctorFlags(), "--token-file", file]);
    const callRun = await runCliAsync([
      "call",
      env.name,
      world.endpoint,
      "--token-file",
      file,
      "--allow-insecure",
      "--environments-dir",
      env.dir,
    ]);
    for (const run of [doctorRun, callRun]) {
      expect(run.status).toBe(2);
      expect(run.stderr).toContain("a line break");
      expectNoToken(run.stdout + run.stderr, token);
      for (const part of [token.slice(0, 60), token.slice(60)])
        expect(run.stdout + run.stderr).not.toContain(part.slice(-16));
    }
    expect(world.resource.lastFailure).toBeUndefined();
  } finally {
    env.remove();
  }
});

test("doctor exits 2 for a usage error", async () => {
  const run = await runCliInProcess([
    "doctor",
    ...standaloneDoctorFlags(),
    "--token",
    "a.b.c",
    "--token-file",
    "/dev/null",
  ]);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("either --token or --token-file");
});

test("fails when doctor gets no environment and no values: exit 2, naming what to pass", async () => {
  const run = await runCliInProcess(["doctor"]);
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr).toContain("nothing to check");
  expect(run.stderr).toContain("--jwk-url");
});

test("fails when --role-claim is not a JSON pointer: exit 2", async () => {
  const run = await runCliInProcess(["doctor", ...standaloneDoctorFlags(), "--role-claim", "roles"]);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('JSON pointer such as "/roles"');
});

test("fails when token has no client secret: exit 2 like a missing DB password", async () => {
  const { idp } = world;
  const run = await runCliInProcess([
    "token",
    "--token-url",
    idp.tokenUrl,
    "--client-id",
    idp.clientId,
    "--scope",
    idp.fqs(),
    "--allow-insecure",
  ]);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("ORDS_JWT_CLIENT_SECRET");
});

test("fails when --mirror-jwks is asked for on a protected environment without --force: exit 2", async () => {
  const env = writeToolEnvironment(world.idp, (json) => {
    json.protected = true;
  });
  try {
    const run = await runCliInProcess([
      "doctor",
      env.name,
      "--mirror-jwks",
      "--environments-dir",
      env.dir,
      "--allow-insecure",
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--force");
  } finally {
    env.remove();
  }
});

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform)
  process.stderr.write("tools-cli: no terraform binary on PATH; the environment + stack outputs test is skipped\n");

(hasTerraform ? test : test.skip)(
  "token, call and doctor for an environment read the stack's outputs (client secret included) through terraform",
  async () => {
    const { idp } = world;
    const env = writeToolEnvironment(idp, (json) => {
      json.ords = {
        connectString: "localhost:1521/FREEPDB1",
        user: "DEMO",
        baseUrl: world.resource.baseUrl,
        demoModule: true,
      };
    });
    const outdir = join(scratch, "cdktf.out");
    const stackDir = join(outdir, "stacks", env.name);
    mkdirSync(stackDir, { recursive: true });
    const output = (value: unknown, sensitive = false) => ({ value, sensitive });
    writeFileSync(
      join(stackDir, "main.tf.json"),
      JSON.stringify({
        output: {
          domain_url: output(idp.url),
          token_url: output(idp.tokenUrl),
          authorize_url: output(idp.authorizeUrl),
          jwk_url: output(idp.jwkUrl),
          client_id: output(idp.clientId),
          client_secret: output(idp.clientSecret, true),
          issuer: output(idp.issuer),
          audience: output(idp.audience),
        },
      }),
    );
    execFileSync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], {
      cwd: stackDir,
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      stdio: "pipe",
    });
    try {
      const common = ["--environments-dir", env.dir, "--outdir", outdir, "--allow-insecure"];
      const tokenRun = await runCliInProcess(["token", env.name, ...common]);
      expect(tokenRun.status).toBe(0);
      const token = tokenRun.stdout.trim();
      expect(token.split(".")).toHaveLength(3);

      const callRun = await runCliInProcess(["call", env.name, "demo/hello", ...common]);
      expect(callRun.status).toBe(0);
      expect(callRun.stdout).toContain(`"current_user":"${idp.clientId}"`);
      expect(callRun.stdout + callRun.stderr).not.toContain(idp.clientSecret);

      const doctorRun = await runCliInProcess(["doctor", env.name, ...common, "--json"]);
      const checks: Array<{ id: string; status: string }> = JSON.parse(doctorRun.stdout).checks;
      expect(checks.filter((check) => check.status === "fail" || check.status === "warn")).toEqual([]);
      expect(checks.find((check) => check.id === "token.request")?.status).toBe("pass");
      expect(checks.find((check) => check.id === "endpoint.authenticated")?.status).toBe("pass");
      expect(doctorRun.status).toBe(0);
      expect(doctorRun.stdout + doctorRun.stderr).not.toContain(idp.clientSecret);
    } finally {
      env.remove();
    }
  },
);
