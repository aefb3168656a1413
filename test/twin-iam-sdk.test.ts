// Oracle's own TypeScript SDK against the IAM twin: IdentityClient with its endpoint set to the twin's control
// plane, IdentityDomainsClient with its endpoint set to a domain URL, both signing with the twin's OCI config file
// and trusting the twin's CA through NODE_EXTRA_CA_CERTS, as the kit's SDK calls do.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { SdkWorker } from "./support/twin-sdk";

const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

let dir: string;
let twin: IamTwin;
let sdk: SdkWorker;
let count = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twin-iam-sdk-"));
  twin = await startIamTwin({ dir, operationDelayMs: 80, log: () => {} });
  sdk = await SdkWorker.start(twin);
});

afterAll(async () => {
  await sdk?.stop();
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const control = (method: string, request: unknown) => sdk.call("identity", twin.controlPlaneUrl, method, request);
const controlOk = (method: string, request: unknown) => sdk.ok("identity", twin.controlPlaneUrl, method, request);

async function waitForWorkRequest(id: string): Promise<any> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { iamWorkRequest } = await controlOk("getIamWorkRequest", { iamWorkRequestId: id });
    if (iamWorkRequest.status !== "IN_PROGRESS" && iamWorkRequest.status !== "ACCEPTED") return iamWorkRequest;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`work request ${id} did not finish`);
}

async function createDomain(): Promise<any> {
  const displayName = `sdk-domain-${++count}`;
  const created = await controlOk("createDomain", {
    createDomainDetails: {
      compartmentId: twin.tenancyId,
      displayName,
      description: "made by the SDK test",
      homeRegion: "us-ashburn-1",
      licenseType: "free",
    },
  });
  await waitForWorkRequest(created.opcWorkRequestId);
  const { items } = await controlOk("listDomains", { compartmentId: twin.tenancyId, displayName });
  return items[0];
}

async function deactivate(domainId: string): Promise<void> {
  const accepted = await controlOk("deactivateDomain", { domainId });
  await waitForWorkRequest(accepted.opcWorkRequestId);
}

async function createApp(url: string, active: boolean): Promise<any> {
  const { app } = await sdk.ok("domains", url, "createApp", {
    app: {
      schemas: [APP_SCHEMA],
      displayName: `app-${++count}`,
      basedOnTemplate: { value: "CustomWebAppTemplateId" },
      isOAuthClient: true,
      clientType: "confidential",
      allowedGrants: ["client_credentials"],
      active,
    },
  });
  return app;
}

test("createDomain answers with a work request that reaches SUCCEEDED", async () => {
  const created = await controlOk("createDomain", {
    createDomainDetails: {
      compartmentId: twin.tenancyId,
      displayName: "sdk-work-request",
      description: "",
      homeRegion: "us-ashburn-1",
      licenseType: "free",
    },
  });
  const work = await waitForWorkRequest(created.opcWorkRequestId);
  expect(work).toMatchObject({ operationType: "CREATE_DOMAIN", status: "SUCCEEDED", percentComplete: 100 });
});

test("getDomain returns an ACTIVE domain whose url is a bare https origin", async () => {
  const summary = await createDomain();
  const { domain } = await controlOk("getDomain", { domainId: summary.id });
  expect(domain.lifecycleState).toBe("ACTIVE");
  expect(domain.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test("listDomains filters by compartment and display name", async () => {
  const summary = await createDomain();
  const { items } = await controlOk("listDomains", {
    compartmentId: twin.tenancyId,
    displayName: summary.displayName,
  });
  expect(items.map((item: any) => item.id)).toEqual([summary.id]);
});

test("listDomains finds the Default domain in the tenancy compartment", async () => {
  const { items } = await controlOk("listDomains", { compartmentId: twin.tenancyId, type: "DEFAULT" });
  expect(items.map((item: any) => item.displayName)).toEqual(["Default"]);
});

test("fails when an active domain is deleted: 412 PreConditionFailed", async () => {
  const summary = await createDomain();
  const result = await control("deleteDomain", { domainId: summary.id });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 412, serviceCode: "PreConditionFailed" } });
});

test("deactivateDomain leaves the domain INACTIVE once its work request succeeds", async () => {
  const summary = await createDomain();
  await deactivate(summary.id);
  const { domain } = await controlOk("getDomain", { domainId: summary.id });
  expect(domain.lifecycleState).toBe("INACTIVE");
});

test("the domain stays ACTIVE with lifecycleDetails DEACTIVATING while deactivation runs", async () => {
  const summary = await createDomain();
  await controlOk("deactivateDomain", { domainId: summary.id });
  const { domain } = await controlOk("getDomain", { domainId: summary.id });
  expect(domain).toMatchObject({ lifecycleState: "ACTIVE", lifecycleDetails: "DEACTIVATING" });
});

test("activateDomain brings an INACTIVE domain back to ACTIVE", async () => {
  const summary = await createDomain();
  await deactivate(summary.id);
  const accepted = await controlOk("activateDomain", { domainId: summary.id });
  await waitForWorkRequest(accepted.opcWorkRequestId);
  const { domain } = await controlOk("getDomain", { domainId: summary.id });
  expect(domain.lifecycleState).toBe("ACTIVE");
});

test("fails when a domain is deactivated while one of its apps is active", async () => {
  const summary = await createDomain();
  await createApp(summary.url, true);
  const result = await control("deactivateDomain", { domainId: summary.id });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 412 } });
});

test("fails when the Default domain is deactivated", async () => {
  const { items } = await controlOk("listDomains", { compartmentId: twin.tenancyId, type: "DEFAULT" });
  const result = await control("deactivateDomain", { domainId: items[0].id });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 412 } });
});

test("deleteDomain removes an INACTIVE domain: getDomain answers 404 afterwards", async () => {
  const summary = await createDomain();
  await deactivate(summary.id);
  const accepted = await controlOk("deleteDomain", { domainId: summary.id });
  await waitForWorkRequest(accepted.opcWorkRequestId);
  const result = await control("getDomain", { domainId: summary.id });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 404, serviceCode: "NotAuthorizedOrNotFound" } });
});

test("patchSetting turns on signingCertPublicAccess", async () => {
  const summary = await createDomain();
  const { setting } = await sdk.ok("domains", summary.url, "patchSetting", {
    settingId: "Settings",
    patchOp: {
      schemas: [PATCH_OP],
      operations: [{ op: "REPLACE", path: "signingCertPublicAccess", value: true }],
    },
  });
  expect(setting.signingCertPublicAccess).toBe(true);
});

test("patchSetting leaves the attributes it does not name unchanged", async () => {
  const summary = await createDomain();
  const before = await sdk.ok("domains", summary.url, "getSetting", { settingId: "Settings" });
  const { setting } = await sdk.ok("domains", summary.url, "patchSetting", {
    settingId: "Settings",
    patchOp: { schemas: [PATCH_OP], operations: [{ op: "replace", path: "SigningCertPublicAccess", value: true }] },
  });
  expect({ ...setting, signingCertPublicAccess: false, meta: undefined }).toEqual({
    ...before.setting,
    meta: undefined,
  });
});

test("putSetting replaces the whole object: attributes the body omits are gone", async () => {
  const summary = await createDomain();
  const before = await sdk.ok("domains", summary.url, "getSetting", { settingId: "Settings" });
  expect(before.setting.preferredLanguage).toBe("en");
  const { setting } = await sdk.ok("domains", summary.url, "putSetting", {
    settingId: "Settings",
    setting: {
      schemas: ["urn:ietf:params:scim:schemas:oracle:idcs:Settings"],
      csrAccess: "none",
      signingCertPublicAccess: true,
    },
  });
  expect(setting.preferredLanguage).toBeUndefined();
});

test("fails when putSetting omits the required csrAccess", async () => {
  const summary = await createDomain();
  const result = await sdk.call("domains", summary.url, "putSetting", {
    settingId: "Settings",
    setting: { schemas: ["urn:ietf:params:scim:schemas:oracle:idcs:Settings"], signingCertPublicAccess: true },
  });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 400 } });
});

test("createApp returns the client id as name and a client secret for a confidential client", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, true);
  expect(app).toMatchObject({ name: expect.stringMatching(/^[0-9a-f]{32}$/), clientSecret: expect.any(String) });
});

test("createApp appends the OCITags extension schema", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, true);
  expect(app.schemas).toEqual([APP_SCHEMA, "urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags"]);
});

test("patchApp with active=false deactivates the app", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, true);
  const { app: patched } = await sdk.ok("domains", summary.url, "patchApp", {
    appId: app.id,
    patchOp: { schemas: [PATCH_OP], operations: [{ op: "replace", path: "active", value: false }] },
  });
  expect(patched.active).toBe(false);
});

test("fails when an active app is deleted, even with forceDelete", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, true);
  const result = await sdk.call("domains", summary.url, "deleteApp", { appId: app.id, forceDelete: true });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 400 } });
});

test("deleteApp removes an inactive app", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, false);
  await sdk.ok("domains", summary.url, "deleteApp", { appId: app.id, forceDelete: true });
  const result = await sdk.call("domains", summary.url, "getApp", { appId: app.id });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 404 } });
});

test("createUser creates a SCIM user that getUser reads back", async () => {
  const summary = await createDomain();
  const { user } = await sdk.ok("domains", summary.url, "createUser", {
    user: {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "demo.user@example.com",
      emails: [{ type: "work", value: "demo.user@example.com", primary: true }],
    },
  });
  const read = await sdk.ok("domains", summary.url, "getUser", { userId: user.id });
  expect(read.user).toMatchObject({ userName: "demo.user@example.com", active: true });
});

test("fails when a second user takes the same userName: 409", async () => {
  const summary = await createDomain();
  const user = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "twice@example.com" };
  await sdk.ok("domains", summary.url, "createUser", { user });
  const result = await sdk.call("domains", summary.url, "createUser", {
    user: { ...user, userName: "TWICE@example.com" },
  });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 409 } });
});

test("fails when the SCIM API of an inactive domain is called", async () => {
  const summary = await createDomain();
  await deactivate(summary.id);
  const result = await sdk.call("domains", summary.url, "getSetting", { settingId: "Settings" });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 403 } });
});

test("updateDomain changes the description through a work request", async () => {
  const summary = await createDomain();
  const accepted = await controlOk("updateDomain", {
    domainId: summary.id,
    updateDomainDetails: { description: "changed by the SDK" },
  });
  await waitForWorkRequest(accepted.opcWorkRequestId);
  const { domain } = await controlOk("getDomain", { domainId: summary.id });
  expect(domain.description).toBe("changed by the SDK");
});

test("listApps filters by displayName", async () => {
  const summary = await createDomain();
  const app = await createApp(summary.url, false);
  await createApp(summary.url, false);
  const { apps } = await sdk.ok("domains", summary.url, "listApps", { filter: `displayName eq "${app.displayName}"` });
  expect(apps.resources.map((item: any) => item.id)).toEqual([app.id]);
});

test("fails when listApps uses a filter the twin does not implement: 400", async () => {
  const summary = await createDomain();
  const result = await sdk.call("domains", summary.url, "listApps", { filter: 'displayName co "app"' });
  expect(result).toMatchObject({ ok: false, error: { statusCode: 400 } });
});
