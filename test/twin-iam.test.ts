// The IAM twin's plumbing: its CA and certificates, runtime.json, the OCI config file it writes, request
// signatures, state that survives a restart and concurrent writers, and the foreground CLI entry.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as common from "oci-common";
import { fingerprintOf } from "../twin/iam/oci-signature";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { StateStore } from "../twin/iam/store";
import { readRuntime, updateRuntime } from "../twin/runtime";
import { signedFetch, trustingFetch } from "./support/twin-client";

const dirs: string[] = [];
const running: IamTwin[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "twin-iam-"));
  dirs.push(dir);
  return dir;
}

async function start(dir = freshDir()): Promise<IamTwin> {
  const twin = await startIamTwin({ dir, operationDelayMs: 0, log: () => {} });
  running.push(twin);
  return twin;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((twin) => twin.stop()));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ca = (twin: IamTwin) => readFileSync(twin.caFile, "utf8");
const domainsUrl = (twin: IamTwin) => `${twin.controlPlaneUrl}/20160918/domains?compartmentId=${twin.tenancyId}`;

test("the server certificate chains to the twin CA and names localhost and 127.0.0.1", async () => {
  const twin = await start();
  const authority = new X509Certificate(ca(twin));
  const server = new X509Certificate(readFileSync(join(twin.dir, "ca", "server.pem")));
  expect([server.verify(authority.publicKey), server.checkHost("localhost"), server.checkIP("127.0.0.1")]).toEqual([
    true,
    "localhost",
    "127.0.0.1",
  ]);
});

test("the CA certificate is a CA", async () => {
  const twin = await start();
  expect(new X509Certificate(ca(twin)).ca).toBe(true);
});

test("a restarted twin keeps its CA", async () => {
  const first = await start();
  const before = ca(first);
  await first.stop();
  const second = await start(first.dir);
  expect(ca(second)).toBe(before);
});

test("runtime.json records the control-plane URL, the pid, the CA file and the OCI config file", async () => {
  const twin = await start();
  expect(readRuntime(twin.dir)).toEqual({
    iam: { controlPlaneUrl: twin.controlPlaneUrl, pid: process.pid },
    caFile: twin.caFile,
    ociConfigFile: twin.ociConfigFile,
  });
});

test("stop removes the iam section from runtime.json", async () => {
  const twin = await start();
  await twin.stop();
  expect(readRuntime(twin.dir)?.iam).toBeUndefined();
});

test("fails when a second twin starts on a directory whose twin still runs", async () => {
  const twin = await start();
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
  try {
    const runtime = readRuntime(twin.dir);
    updateRuntime(twin.dir, {
      iam: { controlPlaneUrl: runtime?.iam?.controlPlaneUrl as string, pid: child.pid as number },
    });
    await expect(startIamTwin({ dir: twin.dir, log: () => {} })).rejects.toThrow(/already runs/);
  } finally {
    child.kill();
  }
});

test("the OCI config file's fingerprint is the fingerprint of its key file", async () => {
  const twin = await start();
  const provider = new common.ConfigFileAuthenticationDetailsProvider(twin.ociConfigFile);
  expect(await provider.getKeyId()).toBe(
    `${twin.tenancyId}/${provider.getUser()}/${fingerprintOf(provider.getPrivateKey())}`,
  );
});

test("a domain created before a restart answers at the same URL afterwards", async () => {
  const first = await start();
  await signedFetch(first.ociConfigFile, ca(first), `${first.controlPlaneUrl}/20160918/domains`, {
    method: "POST",
    body: {
      compartmentId: first.tenancyId,
      displayName: "kept",
      description: "",
      homeRegion: "us-ashburn-1",
      licenseType: "free",
    },
  });
  const [domain]: any = await (
    await signedFetch(first.ociConfigFile, ca(first), `${domainsUrl(first)}&displayName=kept`)
  ).json();
  await first.stop();
  const second = await start(first.dir);
  const discovery = await trustingFetch(ca(second))(`${domain.url}/.well-known/openid-configuration`);
  expect(discovery.status).toBe(200);
});

test("fails when a control-plane request carries no signature: 401 NotAuthenticated", async () => {
  const twin = await start();
  const response = await trustingFetch(ca(twin))(domainsUrl(twin));
  expect([response.status, ((await response.json()) as any).code]).toEqual([401, "NotAuthenticated"]);
});

test("fails when a request is signed with another tenancy's key: 401", async () => {
  const twin = await start();
  const other = await start();
  const response = await signedFetch(other.ociConfigFile, ca(twin), domainsUrl(twin));
  expect(response.status).toBe(401);
});

test("fails when a signed body is changed after signing: 401", async () => {
  const twin = await start();
  const provider = new common.ConfigFileAuthenticationDetailsProvider(twin.ociConfigFile);
  const url = `${twin.controlPlaneUrl}/20160918/domains`;
  const signedBody = JSON.stringify({ displayName: "aaaa" });
  const headers = new Headers({ "content-type": "application/json" });
  await new common.DefaultRequestSigner(provider).signHttpRequest({
    method: "POST",
    uri: url,
    headers,
    body: signedBody,
  });
  const response = await trustingFetch(ca(twin))(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ displayName: "bbbb" }),
  });
  expect(response.status).toBe(401);
});

test("fails when a SCIM request carries no signature: 401", async () => {
  const twin = await start();
  const response = await trustingFetch(ca(twin))(`${twin.defaultDomainUrl}/admin/v1/Settings/Settings`);
  expect(response.status).toBe(401);
});

test("two processes updating the state file lose no update", async () => {
  const twin = await start();
  await twin.stop();
  const child = spawn(process.execPath, [
    "--import",
    "tsx",
    join(__dirname, "support", "twin-store-writer.ts"),
    twin.dir,
    "40",
  ]);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  // The parent keeps writing for as long as the child runs, so the two contend for the lock.
  const store = new StateStore(twin.dir);
  let parentWrites = 0;
  while (!exited) {
    const index = parentWrites++;
    store.update((state) => {
      const domain = Object.values(state.domains).find((candidate) => candidate.type === "DEFAULT");
      if (domain) domain.freeformTags[`parent-${index}`] = "x";
    });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const tags = Object.values(store.read().domains).find((domain) => domain.type === "DEFAULT")?.freeformTags ?? {};
  expect(Object.keys(tags)).toHaveLength(40 + parentWrites);
});

test("the CLI entry prints the runtime as JSON and stops on SIGTERM", async () => {
  const dir = freshDir();
  const main = join(__dirname, "..", "twin", "iam", "main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main, "--dir", dir, "--operation-delay-ms", "0"]);
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
  child.kill("SIGTERM");
  const code = await new Promise((resolve) => child.once("exit", resolve));
  expect([JSON.parse(first).controlPlaneUrl, code, readRuntime(dir)?.iam]).toEqual([
    expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
    0,
    undefined,
  ]);
});
