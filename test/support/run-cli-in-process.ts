// Runs the kit's CLI entry (main in src/cli/program.ts) inside the test process, capturing what it writes to stdout and
// stderr, for tests about what a command prints and returns. It does not prove the process boundary (exit code
// handed to the OS, flushing to a pipe, a terminal, stdin): tests of those spawn the CLI (run-cli-async.ts).
import { main } from "../../src/cli/program";

export interface InProcessRun {
  /** What main resolved to: the code bin/ords-jwt.cjs exits with. */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Write = typeof process.stdout.write;

/** Points `stream.write` at `sink` and makes the stream look like a pipe, as it is for a spawned CLI. */
function capture(stream: NodeJS.WriteStream, sink: string[]): () => void {
  const write = stream.write;
  const isTTY = stream.isTTY;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as Write;
  stream.isTTY = false as true;
  return () => {
    stream.write = write;
    stream.isTTY = isTTY;
  };
}

/**
 * `ords-jwt <args>` in process, with `env` laid over process.env for the run (undefined removes a variable) and
 * the same defaults as runCliAsync: no client secret and no token from the developer's shell.
 */
export async function runCliInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<InProcessRun> {
  const overrides: Record<string, string | undefined> = {
    CHECKPOINT_DISABLE: "1",
    ORDS_JWT_CLIENT_SECRET: undefined,
    ORDS_JWT_TOKEN: undefined,
    ...env,
  };
  const saved = Object.fromEntries(Object.keys(overrides).map((key) => [key, process.env[key]]));
  const setAll = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  const stdout: string[] = [];
  const stderr: string[] = [];
  setAll(overrides);
  const restoreStdout = capture(process.stdout, stdout);
  const restoreStderr = capture(process.stderr, stderr);
  try {
    const status = await main([process.execPath, "ords-jwt", ...args]);
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    restoreStdout();
    restoreStderr();
    setAll(saved);
  }
}
