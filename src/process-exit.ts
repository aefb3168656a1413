// Ends the process with an exit code only after stdout and stderr have handed all their data to the OS.
// It does not buffer or print anything itself; the CLI entry points call it instead of process.exit.

/**
 * Resolves once every write queued on `stream` so far has been flushed (or the reader has gone away).
 * On a pipe Node writes asynchronously: process.exit() straight after write() drops whatever the reader has not
 * taken yet, which cut `plan --json | …` at 64 KiB (the pipe buffer).
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) {
      resolve();
      return;
    }
    // Writes complete in order, so the callback of an empty write runs after all earlier ones.
    stream.write("", () => resolve());
  });
}

/** A reader that closes early (`… | head`) makes writes fail with EPIPE: that is the reader's choice, not a crash. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/** Flushes stdout and stderr, then exits with `code`. */
export async function exitAfterFlush(code: number): Promise<never> {
  ignoreBrokenPipe(process.stdout);
  ignoreBrokenPipe(process.stderr);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
