// `npm start` / `npm run demo`: the whole flow on the local twin of OCI IAM and ORDS, through the kit's real CLI,
// cdktf and terraform: deploy, token, call (401, then 200), doctor, one thing broken and named, teardown. It never
// prompts (no stdin needed). Without terraform it says so in one line and shows the offline plan of the examples.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as common from "oci-common";
import { DEFAULT_TWIN_DIR, TWIN_DIR_ENV } from "../src/seams";
import { DEFAULT_STATE_DIR, outputsFileFor } from "../src/state-files";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { type OrdsTwinServer, startOrdsTwin } from "../twin/ords/resource-server";
import { enableSchema } from "../twin/ords/store";
import { installTwinProvider } from "../twin/provider/install";

const ROOT = resolve(__dirname, "..");
const BIN = join(ROOT, "bin", "ords-jwt.cjs");
const EXAMPLES = join(ROOT, "environments", "examples");
const ENVIRONMENT = "sandbox";
const started = Date.now();
const QUIET = !process.argv.includes("--verbose");

const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (title: string) => say(`\n== ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

interface Run {
  readonly status: number | null;
  readonly stdout: string;
}

/** The kit's own progress lines in deploy and teardown; cdktf's and terraform's go to the log file only. */
const KIT_PROGRESS = /^(deploying|deployed|\[\d\/\d\]|error |fix: )/;
/** Everything every command printed, for a look behind the summary. */
let logFile: string | undefined;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * Runs the kit's CLI; its output is shown indented unless captured, and with `quiet` only the kit's own progress
 * lines of its stderr. Asynchronous: the twins answer from this process.
 */
function kit(args: string[], env: Record<string, string>, capture = false, quiet = false): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let partial = "";
    const show = (text: string) => process.stdout.write(text.replace(/^(?=.)/gm, "   "));
    const record = (text: string) => {
      if (logFile !== undefined) appendFileSync(logFile, text.replace(ANSI, ""));
    };
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stdout += text;
      if (!capture) {
        record(text);
        show(text);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      record(text);
      if (!quiet) {
        show(text);
        return;
      }
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      const kept = lines.filter((line) => KIT_PROGRESS.test(line.replace(ANSI, "").trim()));
      if (kept.length > 0) show(`${kept.join("\n")}\n`);
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout }));
  });
}

function expectStatus(run: Run, want: number, what: string): void {
  if (run.status !== want) throw new Error(`${what} exited with ${run.status}, expected ${want}`);
}

/** "Client access" off again: one SCIM PATCH of the domain's Settings, signed with the twin's API key like the SDK. */
async function turnClientAccessOff(domainUrl: string, configFile: string, caFile: string): Promise<number> {
  const url = `${domainUrl.replace(/\/+$/, "")}/admin/v1/Settings/Settings`;
  const body = JSON.stringify({
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", path: "signingCertPublicAccess", value: false }],
  });
  const headers = new Headers({ "content-type": "application/json" });
  const signer = new common.DefaultRequestSigner(new common.ConfigFileAuthenticationDetailsProvider(configFile));
  await signer.signHttpRequest({ method: "PATCH", uri: url, headers, body });
  return new Promise((done, fail) => {
    const outgoing = request(
      url,
      { method: "PATCH", ca: readFileSync(caFile, "utf8"), headers: Object.fromEntries(headers.entries()) },
      (incoming) => {
        incoming.resume();
        incoming.on("end", () => done(incoming.statusCode ?? 0));
      },
    );
    outgoing.on("error", fail);
    outgoing.end(body);
  });
}

function terraformFound(): boolean {
  return spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;
}

async function offlinePlan(): Promise<number> {
  say("terraform is not on the PATH, so the twin flow cannot run; here is the offline plan of the examples instead.");
  // A scratch output directory: `npm run plan` is the command that keeps cdktf.out.
  const outdir = mkdtempSync(join(tmpdir(), "ords-jwt-plan-"));
  try {
    const names = ["examples/oci", "examples/entra", `examples/${ENVIRONMENT}`];
    return (await kit(["plan", ...names, "--outdir", outdir], {})).status ?? 1;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function flow(): Promise<void> {
  const dir = resolve(process.env[TWIN_DIR_ENV] || join(ROOT, DEFAULT_TWIN_DIR));
  let iam: IamTwin | undefined;
  let ords: OrdsTwinServer | undefined;
  try {
    step(`Starting the twin in ${dir}`);
    iam = await startIamTwin({ dir, log: () => undefined });
    logFile = join(dir, "demo.log");
    writeFileSync(logFile, "");
    // ORDS.ENABLE_SCHEMA for the sandbox's schema, as a DBA does once before the kit runs.
    await enableSchema(dir, { schema: "HR" });
    ords = await startOrdsTwin({ dir });
    installTwinProvider(dir);
    say(`   IAM control plane ${iam.controlPlaneUrl}, ORDS ${ords.baseUrl}`);
    say(`   cdktf's and terraform's own output: ${logFile} (npm start -- --verbose shows it here)`);
    const env: Record<string, string> = {
      [TWIN_DIR_ENV]: dir,
      // The kit's own HTTPS calls (token, call, doctor) trust the twin's CA; its children get it from the kit.
      NODE_EXTRA_CA_CERTS: iam.caFile,
      // The twin has no database accounts and checks no password; a made-up one keeps the kit from asking.
      ORDS_DB_PASSWORD: randomBytes(18).toString("base64url"),
      CI: "true",
    };
    // The sandbox example alone: cdktf synthesizes every environment of the directory on each run.
    const environments = join(dir, "environments");
    mkdirSync(environments, { recursive: true });
    copyFileSync(join(EXAMPLES, `${ENVIRONMENT}.json`), join(environments, `${ENVIRONMENT}.json`));
    // Its own cdktf output directory too: cdktf's synth deletes the stack directories it did not write.
    const where = ["--environments-dir", environments, "--outdir", join(dir, "cdktf.out")];

    step(`Deploying "${ENVIRONMENT}" with the kit (cdktf + terraform + the twin oracle/oci provider)`);
    expectStatus(await kit(["deploy", ENVIRONMENT, "--yes", ...where], env, false, QUIET), 0, "deploy");

    step("Getting a token (client credentials) and showing its claims");
    expectStatus(await kit(["token", ENVIRONMENT, "--decode", ...where], env), 0, "token --decode");
    const token = (await kit(["token", ENVIRONMENT, ...where], env, true)).stdout.trim();
    const withToken = { ...env, ORDS_JWT_TOKEN: token };

    step("Calling the demo endpoint without a token: ORDS answers 401");
    await kit(["call", ENVIRONMENT, "demo/hello", "--no-token", ...where], env);
    step("Calling it with the token: 200 and the caller");
    expectStatus(await kit(["call", ENVIRONMENT, "demo/hello", ...where], withToken), 0, "call");

    step("doctor: every check passes");
    expectStatus(await kit(["doctor", ENVIRONMENT, ...where], withToken), 0, "doctor");

    step("Breaking one thing: client access off (a SCIM PATCH of the domain's Settings)");
    const outputs = JSON.parse(readFileSync(outputsFileFor(join(ROOT, DEFAULT_STATE_DIR), ENVIRONMENT), "utf8"));
    const domainUrl = outputs[ENVIRONMENT]?.domain_url as string;
    say(
      `   PATCH ${domainUrl}/admin/v1/Settings/Settings signingCertPublicAccess=false: HTTP ${await turnClientAccessOff(
        domainUrl,
        iam.ociConfigFile,
        iam.caFile,
      )}`,
    );
    step("doctor names it");
    expectStatus(await kit(["doctor", ENVIRONMENT, ...where], withToken), 1, "doctor (broken)");

    step(`Tearing "${ENVIRONMENT}" down`);
    expectStatus(await kit(["teardown", ENVIRONMENT, "--yes", ...where], env, false, QUIET), 0, "teardown");
  } finally {
    step("Stopping the twin");
    await ords?.stop();
    await iam?.stop();
  }
  say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. The twin's README: twin/README.md`);
}

async function main(): Promise<number> {
  if (!terraformFound()) return offlinePlan();
  await flow();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
