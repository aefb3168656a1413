// Real pipes: the CLI's output reaches a slow reader in full, and the exit code still arrives.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { sentinelSecret } from "./support/sentinel";

const PROJECT_ROOT = join(__dirname, "..");
/** Well above the 64 KiB a Linux pipe holds. */
const TOKEN_LENGTH = 300_000;

let server: Server;
let tokenUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ access_token: "a".repeat(TOKEN_LENGTH), token_type: "Bearer", expires_in: 60 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the bin with stdout on a pipe that nobody reads for `delayMs`, then reads it all. */
function runWithSlowReader(
  args: readonly string[],
  delayMs: number,
): Promise<{ status: number | null; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "ords-jwt.cjs"), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ORDS_JWT_CLIENT_SECRET: sentinelSecret("client-secret"), ORDS_JWT_TOKEN: undefined },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let bytes = 0;
    const timer = setTimeout(() => child.stdout.on("data", (chunk: Buffer) => (bytes += chunk.length)), delayMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, bytes });
    });
  });
}

test("fails when piped output is cut short: a slow reader gets all of a 300 KB token and exit code 0", async () => {
  const run = await runWithSlowReader(
    ["token", "--token-url", tokenUrl, "--client-id", "c", "--scope", "s", "--allow-insecure"],
    1500,
  );
  expect(run).toEqual({ status: 0, bytes: TOKEN_LENGTH + 1 });
}, 60_000);
