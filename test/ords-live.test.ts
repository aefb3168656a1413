// Opt-in live test against a real database with ORDS: apply, apply again (no change), status, teardown.
// Skipped, with a message, unless ORDS_LIVE_CONNECT_STRING, ORDS_LIVE_USER and ORDS_DB_PASSWORD are set (README).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOrdsCommand } from "../src/commands/ords";
import { exampleJson } from "./support/environments";

const live = {
  connectString: process.env.ORDS_LIVE_CONNECT_STRING,
  user: process.env.ORDS_LIVE_USER,
  schema: process.env.ORDS_LIVE_SCHEMA,
  walletDir: process.env.ORDS_LIVE_WALLET_DIR,
  baseUrl: process.env.ORDS_LIVE_BASE_URL,
  // Any public JWKS with RSA keys and kids will do: the profile is created, not used.
  jwkUrl: process.env.ORDS_LIVE_JWK_URL ?? "https://login.microsoftonline.com/common/discovery/v2.0/keys",
};
const enabled = Boolean(live.connectString && live.user && process.env.ORDS_DB_PASSWORD);
const describeLive = enabled ? describe : describe.skip;

// When skipped, the test report names this title once (test/support/skipped-reporter.js).
describeLive(
  "live ORDS step (set ORDS_LIVE_CONNECT_STRING, ORDS_LIVE_USER and ORDS_DB_PASSWORD, then npm run test:live)",
  () => {
    let dir: string;
    const environment = "ordslive";
    const options = () => ({ environment, environmentsDir: dir, jwkUrl: live.jwkUrl });

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "ords-live-"));
      const json = exampleJson();
      // Names of its own, so a live run never touches a real API's privilege.
      json.identityProvider.app.primaryAudience = "ords-jwt-kit-live/";
      json.identityProvider.app.scopes = [{ value: "ords_jwt_kit.live_test", description: "ords-jwt-kit live test" }];
      json.ords = {
        connectString: live.connectString,
        user: live.user,
        ...(live.schema ? { schema: live.schema } : {}),
        ...(live.walletDir ? { wallet: { configDir: live.walletDir } } : {}),
        baseUrl: live.baseUrl ?? "https://ords.invalid/ords/live/",
        demoModule: { name: "ords_jwt_kit.live_demo", basePath: "/ords-jwt-kit-live/" },
        readinessTimeoutSeconds: 60,
      };
      writeFileSync(join(dir, `${environment}.json`), JSON.stringify(json));
    });

    afterAll(async () => {
      // Leave nothing behind, even after a failed assertion.
      await runOrdsCommand("teardown", { ...options(), force: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    test("apply creates the profile, the demo module and the privilege in one write", async () => {
      const result = await runOrdsCommand("apply", options());
      expect(result.applied).toBe(true);
      expect(result.roundTrips).toMatchObject({ reads: 1, writes: 1 });
    });

    test("apply again changes nothing and writes nothing", async () => {
      const result = await runOrdsCommand("apply", options());
      expect(result.applied).toBe(false);
      expect(result.roundTrips).toMatchObject({ reads: 1, writes: 0 });
    });

    test("status shows the profile and privilege in sync", async () => {
      const result = await runOrdsCommand("status", options());
      expect(result.state?.profile).toMatchObject({
        issuer: "https://identity.oraclecloud.com/",
        audience: "ords-jwt-kit-live/",
        jwkUrl: live.jwkUrl,
      });
      expect(result.state?.privilege).toMatchObject({
        name: "ords_jwt_kit.live_test",
        modules: ["ords_jwt_kit.live_demo"],
      });
      expect(result.changes.every((change) => change.action === "unchanged")).toBe(true);
    });

    test("the demo endpoint refuses a request without a token", async () => {
      if (!live.baseUrl) return;
      const response = await fetch(`${live.baseUrl.replace(/\/?$/, "/")}ords-jwt-kit-live/hello`, {
        signal: AbortSignal.timeout(10_000),
        redirect: "manual",
      });
      expect(response.status).toBe(401);
    });

    test("teardown drops everything, and a second teardown finds nothing", async () => {
      const first = await runOrdsCommand("teardown", { ...options(), force: true });
      expect(first.applied).toBe(true);
      const second = await runOrdsCommand("teardown", { ...options(), force: true });
      expect(second.changes.every((change) => change.action === "absent")).toBe(true);
    });
  },
);
