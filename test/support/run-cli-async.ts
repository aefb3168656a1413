// Runs the kit's CLI as a subprocess without blocking the event loop, so loopback servers in the test process
// keep answering while the CLI talks to them.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const PROJECT_ROOT = join(__dirname, "..", "..");

export interface AsyncCliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The twin's node-oracledb stand-in, preloaded the way the twin's hook runs the CLI (twin/ords/register.cjs). */
export const TWIN_DRIVER_PRELOAD = join(PROJECT_ROOT, "twin", "ords", "register.cjs");

export function runCliAsync(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
  preload?: string,
): Promise<AsyncCliRun> {
  const nodeArgs = preload === undefined ? [] : ["--require", preload];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, join(PROJECT_ROOT, "bin", "ords-jwt.cjs"), ...args], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: "1",
        ORDS_JWT_CLIENT_SECRET: undefined,
        ORDS_JWT_TOKEN: undefined,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
