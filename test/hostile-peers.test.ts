// Hostile HTTP peers and hostile flags against the CLI's entry: every run ends with exit 0, 1 or 2 and a readable
// message, within its time bound, with no stack trace, no raw control character and no secret in the output.
// The CLI runs in process (what it prints and returns is the behaviour here; tools-cli.test.ts spawns it for exit
// codes and pipes), except where a regression would block or flood the test process itself.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleJson } from "./support/environments";
import { runCliAsync } from "./support/run-cli-async";
import { runCliInProcess } from "./support/run-cli-in-process";
import { sentinelSecret } from "./support/sentinel";

const SECRET = sentinelSecret("client-secret");
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler = (_, response) => response.end();
let dir: string;

const json =
  (status: number, body: unknown): Handler =>
  (request, response) => {
    request.resume();
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** An unsigned JWT-shaped token; the CLI only decodes it here. */
const jwt = (header: object, claims: object) => `${b64({ alg: "RS256", ...header })}.${b64(claims)}.c2ln`;

beforeAll(async () => {
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), "hostile-peers-"));
  const environment = exampleJson();
  delete environment.ords;
  writeFileSync(join(dir, "dev.json"), JSON.stringify(environment));
  execFileSync("mkfifo", [join(dir, "token.fifo")]);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const tokenArgs = (...extra: string[]) => [
  "token",
  "--token-url",
  `${base}/token`,
  "--client-id",
  "c",
  "--scope",
  "s",
  "--allow-insecure",
  ...extra,
];
const callArgs = (...extra: string[]) => [
  "call",
  "dev",
  `${base}/resource`,
  "--environments-dir",
  dir,
  "--allow-insecure",
  ...extra,
];

interface PeerCase {
  readonly name: string;
  readonly peer?: Handler;
  readonly args: () => string[];
  readonly status: number;
  /** What the output (stdout + stderr) must show. */
  readonly shows: RegExp;
  /** Run as a subprocess: a regression that reads the file would block or fill the test process. */
  readonly spawn?: true;
}

const CASES: PeerCase[] = [
  {
    name: "the IdP echoes the client secret in error_description",
    peer: json(401, { error: "invalid_client", error_description: `client secret ${SECRET} is wrong` }),
    args: () => tokenArgs(),
    status: 1,
    shows: /client secret \[redacted\] is wrong/,
  },
  {
    name: "error_description holds CSI and OSC sequences",
    peer: json(400, { error: "invalid_scope", error_description: "\u001b[31mred\u001b]0;title\u0007" }),
    args: () => tokenArgs(),
    status: 1,
    shows: /\\x1b\[31mred\\x1b\]0;title\\x07/,
  },
  {
    name: "error_description holds a C1 CSI and a bidi override",
    peer: json(400, { error: "invalid_scope", error_description: "a\u009b2Jb\u202ec" }),
    args: () => tokenArgs(),
    status: 1,
    shows: /a\\u009b2Jb\\u202ec/,
  },
  {
    name: "the error code holds ESC",
    peer: json(400, { error: "\u001b[2J", error_description: "x" }),
    args: () => tokenArgs(),
    status: 1,
    shows: /\\x1b\[2J/,
  },
  {
    name: "error_description of 500 KB",
    peer: json(400, { error: "invalid_request", error_description: "y".repeat(500_000) }),
    args: () => tokenArgs(),
    status: 1,
    shows: /more characters/,
  },
  {
    name: "the access token holds ESC",
    peer: json(200, { access_token: "abc\u001b[31mdef", token_type: "Bearer", expires_in: 60 }),
    args: () => tokenArgs(),
    status: 0,
    shows: /abc\\x1b\[31mdef/,
  },
  {
    name: "--json with a scope holding a bidi override",
    peer: json(200, { access_token: "abc", token_type: "Bearer", expires_in: 60, scope: "s\u202e" }),
    args: () => tokenArgs("--json"),
    status: 0,
    shows: /"s\\u202e"/,
  },
  {
    name: "--decode of a token whose sub, iss and kid hold ESC",
    peer: json(200, {
      access_token: jwt({ kid: "k\u001b[1m" }, { sub: "s\u001b[31m", iss: "i\u009b", aud: "a", exp: 2e9, iat: 1 }),
      token_type: "Bearer",
      expires_in: 60,
    }),
    args: () => tokenArgs("--decode"),
    status: 0,
    shows: /"sub": "s\\u001b\[31m",\s+"iss": "i\\u009b"/,
  },
  {
    name: "the token endpoint answers an HTML page",
    peer: (request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<html>\u001b[31mlogin</html>");
    },
    args: () => tokenArgs(),
    status: 1,
    shows: /OAuth|JSON|token/i,
  },
  {
    name: "the token endpoint answers a JSON array",
    peer: json(200, [1, 2, 3]),
    args: () => tokenArgs(),
    status: 1,
    shows: /token/i,
  },
  {
    name: "the token endpoint never answers",
    peer: () => undefined,
    args: () => tokenArgs("--timeout-ms", "300"),
    status: 1,
    shows: /time/i,
  },
  {
    name: "the token endpoint redirects",
    peer: (request, response) => {
      request.resume();
      // Node refuses C0 controls in headers, but sends C1 (latin1) ones as a hostile server would.
      response.writeHead(302, { location: "http://evil.example/\u009b31m" });
      response.end();
    },
    args: () => tokenArgs(),
    status: 1,
    shows: /redirect|302/i,
  },
  {
    name: "call --no-token prints a body holding ESC",
    peer: (request, response) => {
      request.resume();
      response.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token\u009b31m"' });
      response.end("body \u001b]8;;http://evil.example\u0007link");
    },
    args: () => callArgs("--no-token"),
    status: 0,
    shows: /body \\x1b\]8;;http:\/\/evil\.example\\x07link/,
  },
  {
    name: "call --json with a body holding a C1 control",
    peer: (request, response) => {
      request.resume();
      response.writeHead(401);
      response.end("a\u009bb");
    },
    args: () => callArgs("--no-token", "--json"),
    status: 0,
    shows: /a\\u009bb/,
  },
  {
    name: "doctor with JWKS kids and token claims holding ESC",
    peer: json(200, { keys: [{ kty: "RSA", kid: "k\u001b]0;x\u0007", n: "sXch", e: "AQAB" }] }),
    args: () => [
      "doctor",
      "--jwk-url",
      `${base}/jwks`,
      "--issuer",
      "https://issuer.example/",
      "--audience",
      "aud",
      "--token",
      jwt({ kid: "t\u001b[31m" }, { sub: "s\u009b", iss: "https://issuer.example/", aud: "aud", exp: 2e9, iat: 1 }),
      "--allow-insecure",
      "--timeout-ms",
      "3000",
    ],
    status: 1,
    shows: /k\\x1b\]0;x\\x07/,
  },
  {
    name: "--timeout-ms beyond Node's timer range",
    args: () => tokenArgs("--timeout-ms", "3000000000"),
    status: 2,
    shows: /from 1 to 3600000/,
  },
  {
    name: "--timeout-ms that is not a number",
    args: () => tokenArgs("--timeout-ms", "1e3"),
    status: 2,
    shows: /from 1 to 3600000/,
  },
  {
    name: "--max-response-bytes of zero",
    args: () => callArgs("--no-token", "--max-response-bytes", "0"),
    status: 2,
    shows: /from 1 to 104857600/,
  },
  {
    name: "--token-file /dev/zero",
    args: () => callArgs("--token-file", "/dev/zero"),
    status: 2,
    spawn: true,
    shows: /is a character device; only regular files are read/,
  },
  {
    name: "--token-file on a FIFO",
    args: () => callArgs("--token-file", join(dir, "token.fifo")),
    status: 2,
    spawn: true,
    shows: /is a FIFO/,
  },
  {
    name: "--token-file on a directory",
    args: () => callArgs("--token-file", dir),
    status: 2,
    shows: /is a directory/,
  },
];

describe("hostile peers and flags", () => {
  test.each(CASES.map((c) => [c.name, c] as const))(
    "%s",
    async (_, peerCase) => {
      handler = peerCase.peer ?? ((_, response) => response.end());
      const env = { ORDS_JWT_CLIENT_SECRET: SECRET };
      const run =
        peerCase.spawn === true
          ? await runCliAsync(peerCase.args(), env, 30_000)
          : await runCliInProcess(peerCase.args(), env);
      const output = `${run.stdout}${run.stderr}`;
      expect({ status: run.status, output }).toEqual({
        status: peerCase.status,
        output: expect.stringMatching(peerCase.shows),
      });
      expect(output).not.toMatch(RAW_CONTROL);
      expect(output).not.toContain(SECRET);
      expect(output).not.toMatch(/^\s+at /m);
      expect(output.length).toBeLessThan(20_000);
    },
    40_000,
  );
});
