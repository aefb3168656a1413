// What the CLI prints (issue: a user's first hour): `error CODE: message` + `fix:`, --json errors on stdout,
// one-line usage errors, --version, colour only on a terminal, readable token times, a JSON call body as JSON.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { colourFor } from "../src/cli/shared";
import { type CallResult, callJson } from "../src/commands/call";
import { renderDoctor } from "../src/commands/doctor";
import { renderToken, type TokenCommandResult } from "../src/commands/token";
import type { DoctorResult } from "../src/doctor/run";
import type { TokenResult } from "../src/oauth/client";
import { Secret } from "../src/secret";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
// What main prints and returns is the behaviour here, so it runs in process; tools-cli.test.ts spawns the CLI.
import { runCliInProcess } from "./support/run-cli-in-process";

let environmentsDir: string;
beforeAll(() => {
  environmentsDir = mkdtempSync(join(tmpdir(), "ords-jwt-cli-output-"));
  writeFileSync(join(environmentsDir, "dev.json"), JSON.stringify(exampleJson()));
});
afterAll(() => rmSync(environmentsDir, { recursive: true, force: true }));

describe("errors", () => {
  test("prints error CODE: message, then fix: on its own line", async () => {
    const run = await runCliInProcess(["token", "nosuch", "--environments-dir", environmentsDir]);
    expect(run.status).toBe(2);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^error CONFIG_NOT_FOUND: No environment/);
    expect(lines.at(-1)).toMatch(/^fix: /);
  });

  test("with --json, prints {error:{code,message,fix}} on stdout and keeps the exit code", async () => {
    const run = await runCliInProcess(["token", "nosuch", "--json", "--environments-dir", environmentsDir]);
    expect(run.status).toBe(2);
    const printed = JSON.parse(run.stdout) as { error: { code: string; message: string; fix: string } };
    expect(Object.keys(printed.error).sort()).toEqual(["code", "fix", "message"]);
    expect(printed.error.code).toBe("CONFIG_NOT_FOUND");
    expect(run.stderr).toBe("");
  });

  test("fails with one line and a pointer to --help on a missing argument, not the whole help", async () => {
    const run = await runCliInProcess(["deploy"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "error USAGE_INVALID: missing required argument 'environment'\n" +
        'fix: Run "npx ords-jwt deploy --help" to see the arguments and options.\n',
    );
  });

  test("fails on a misspelt subcommand with a suggestion on the same line", async () => {
    const run = await runCliInProcess(["ords", "aply", "dev"]);
    expect(run.status).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe("error USAGE_INVALID: unknown command 'aply' (Did you mean apply?)");
    expect(run.stderr).toContain('"npx ords-jwt ords --help"');
  });

  test("fails when token gets no environment and no endpoint, without talking about a scope", async () => {
    const run = await runCliInProcess(["token"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error USAGE_INVALID: token needs an environment name, or --token-url/);
    expect(run.stderr).not.toContain("No scope");
  });
});

test("--version prints the kit's version", async () => {
  const run = await runCliInProcess(["--version"]);
  expect(run.status).toBe(0);
  const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  expect(run.stdout.trim()).toBe(version);
});

describe("colour", () => {
  const result: DoctorResult = {
    checks: [
      { id: "jwks.reachable", status: "pass", message: "ok", fix: "" },
      { id: "token.issuer", status: "fail", message: "wrong", fix: "fix it" },
    ],
  };

  test("colours ✓ and ✗ when asked to", () => {
    expect(renderDoctor(result, { colour: true })).toContain("\u001b[31m✗\u001b[0m");
  });

  test("prints no escape sequence by default", () => {
    expect(renderDoctor(result)).not.toContain("\u001b");
  });

  test("is on for a terminal only, and NO_COLOR turns it off", () => {
    expect(colourFor({ isTTY: true }, {})).toBe(true);
    expect(colourFor({ isTTY: false }, {})).toBe(false);
    expect(colourFor({}, {})).toBe(false);
    expect(colourFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
  });
});

test("token --decode shows iat and exp as dates next to the claims", () => {
  const now = Date.UTC(2026, 10, 30, 6, 0, 0);
  const iat = now / 1000 - 60;
  const decoded: TokenCommandResult = {
    kind: "decoded",
    token: { accessToken: new Secret("x.y.z") } as TokenResult,
    header: { alg: "RS256" },
    claims: { iat, exp: iat + 3600 },
  };
  const printed = renderToken(decoded, now);
  expect(printed).toContain("iat: 2026-11-30 05:59:00 UTC (60 s ago)");
  expect(printed).toContain("exp: 2026-11-30 06:59:00 UTC (in 59 min)");
});

describe("call --json", () => {
  const base: CallResult = {
    method: "GET",
    url: "https://ords.example/ords/hr/demo/hello",
    status: 200,
    wwwAuthenticate: null,
    contentType: "application/json; charset=utf-8",
    body: '{"current_user":"app"}',
    token: "given",
    expected: "2xx",
    ok: true,
    verdict: "success",
  };

  test("returns a JSON body as JSON", () => {
    expect(callJson(base).body).toEqual({ current_user: "app" });
  });

  test("keeps a body that is not JSON as text", () => {
    expect(callJson({ ...base, contentType: "text/html", body: "<p>hi</p>" }).body).toBe("<p>hi</p>");
    expect(callJson({ ...base, body: "not json" }).body).toBe("not json");
  });
});
