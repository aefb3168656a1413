// cdktf records where every token was created, so that an error can say where: a full stack trace per token,
// formatted as the token is made. Formatting is the expensive part (V8 renders every frame, and maps it through the
// source maps when they are on); it was over half of a synth's time, and nearly all of each extra environment's.
// Here the stack is captured exactly as cdktf captures it and formatted only when something reads it: cdktf reads
// it only to build an error message. cdktf is pinned (0.21, archived upstream), so this internal path stays put.
/** A function whose frame and those above it are left out of a captured stack. */
type Below = (...args: never[]) => unknown;

interface StackTraceModule {
  captureStackTrace: (below?: Below) => string[];
}

const stackTrace = require("cdktf/lib/tokens/private/stack-trace") as StackTraceModule;

/** cdktf's captureStackTrace with the same result, formatted on first read. */
function captureStackTraceOnRead(below?: Below): string[] {
  const holder: { stack?: string } = {};
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(holder, below ?? captureStackTraceOnRead);
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
  let lines: string[] | undefined;
  const read = (): string[] => {
    lines ??= (holder.stack ?? "")
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/^\s*at\s+/, ""));
    return lines;
  };
  return new Proxy([], {
    get: (_, key) => {
      const value = Reflect.get(read(), key);
      return typeof value === "function" ? value.bind(read()) : value;
    },
    has: (_, key) => Reflect.has(read(), key),
    ownKeys: () => Reflect.ownKeys(read()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(read(), key),
  });
}

/** From now on, tokens made in this process format their creation stack only when it is read. */
export function formatCreationStacksOnRead(): void {
  stackTrace.captureStackTrace = captureStackTraceOnRead;
}
