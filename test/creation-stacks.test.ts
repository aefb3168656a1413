// cdktf's token creation stacks (stacks/creation-stacks.ts): captured where the token is made, formatted only when
// read, and read the same as cdktf's own, in the error message cdktf builds from them.
import { App, type IResolvable, Lazy, TerraformOutput, TerraformStack } from "cdktf";
import { formatCreationStacksOnRead } from "../stacks/creation-stacks";

type Token = IResolvable & { readonly creationStack: string[] };

beforeAll(() => formatCreationStacksOnRead());

function tokenMadeHere(produce: () => unknown = () => "value"): Token {
  return Lazy.anyValue({ produce }) as Token;
}

/** Runs `body` while counting the stack traces V8 formats. */
function countingFormats<T>(body: (formatted: () => number) => T): T {
  const previous = Error.prepareStackTrace;
  let formatted = 0;
  Error.prepareStackTrace = (error, frames) => {
    formatted++;
    return previous ? previous(error, frames) : [String(error), ...frames.map((frame) => `    at ${frame}`)].join("\n");
  };
  try {
    return body(() => formatted);
  } finally {
    Error.prepareStackTrace = previous;
  }
}

test("a token's creation stack is formatted when it is read, not when the token is made", () => {
  countingFormats((formatted) => {
    const tokens = [tokenMadeHere(), tokenMadeHere(), tokenMadeHere()];
    expect(formatted()).toBe(0);
    expect(tokens[0]?.creationStack.length).toBeGreaterThan(0);
    expect(formatted()).toBe(1);
  });
});

test("a creation stack reads as cdktf's own: an array of frames, without 'at', naming where the token was made", () => {
  const { creationStack } = tokenMadeHere();
  expect(Array.isArray(creationStack)).toBe(true);
  expect(creationStack.some((frame) => frame.includes("tokenMadeHere"))).toBe(true);
  expect(creationStack.filter((frame) => /^\s*at\s/.test(frame))).toEqual([]);
  expect([...creationStack]).toEqual(creationStack.slice());
});

test("a token that fails to resolve still names, in cdktf's error, where it was made", () => {
  const app = new App({ outdir: "unused", skipValidation: true });
  const stack = new TerraformStack(app, "stack");
  new TerraformOutput(stack, "broken", {
    value: tokenMadeHere(() => {
      throw new Error("no value here");
    }),
  });
  expect(() => app.synth()).toThrow(
    /Resolution error: no value here\.\nObject creation stack:\n {2}at [\s\S]*tokenMadeHere/,
  );
});
