// What children print reaches the kit's stream terminal-safe: real child processes through the real runner, whose
// escape sequences, C1 controls and bidi overrides arrive as visible escapes, and who are asked for plain output.
import { createProcessRunner } from "../src/lifecycle/command-runner";
import { Secret } from "../src/secret";

/** Raw characters a terminal acts on; newline and tab are the only controls the stream may carry. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

async function relay(script: string, options: { interactive?: boolean; redact?: Secret[] } = {}): Promise<string> {
  const output: string[] = [];
  const result = await createProcessRunner({ output: (text) => output.push(text) }).run({
    command: process.execPath,
    args: ["-e", script],
    cwd: process.cwd(),
    interactive: options.interactive,
    redact: options.redact,
  });
  expect(result.exitCode).toBe(0);
  return output.join("");
}

describe("a child's output on the kit's stream", () => {
  test("ESC, CSI, OSC, C1 and bidi controls on stdout and stderr arrive escaped, lines and text intact", async () => {
    const text = await relay(`
      process.stdout.write("name \\u001b[31mRED\\u001b[0m title \\u001b]0;pwned\\u0007 c1 \\u009b2J\\r\\n");
      process.stderr.write("bidi \\u202eevil\\u202c erase \\u001b[1A\\u001b[2K bell \\u0007\\n");
      process.stdout.write(Buffer.from([0x62, 0x79, 0x74, 0x65, 0x20, 0x9b, 0x0a]));
    `);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain("name \\x1b[31mRED\\x1b[0m title \\x1b]0;pwned\\x07 c1 \\u009b2J\\r\n");
    expect(text).toContain("bidi \\u202eevil\\u202c erase \\x1b[1A\\x1b[2K bell \\x07\n");
    // A lone 0x9b byte is not UTF-8: it is decoded to U+FFFD, so no 8-bit CSI reaches the terminal either.
    expect(text).toContain("byte \ufffd\n");
  });

  test("a secret is redacted before escaping, even when it holds a control character", async () => {
    const secret = "pa\u001bss-word-1";
    const text = await relay(`process.stdout.write("secret " + ${JSON.stringify(secret)} + "\\n")`, {
      redact: [new Secret(secret)],
    });
    expect(text).toBe("secret [redacted]\n");
  });

  test("a child that prompts keeps only the prompt's redraw (erase line, cursor up, column 1)", async () => {
    const text = await relay(
      `process.stdout.write("\\u001b[2K\\u001b[1A\\u001b[2K\\u001b[GApprove?\\u001b[31m \\u001b[3A\\u001b[2J\\n");
       process.stdout.write("\\u001b[");
       setTimeout(() => process.stdout.write("2Kagain\\n"), 100);`,
      { interactive: true },
    );
    expect(text).toBe("\u001b[2K\u001b[1A\u001b[2K\u001b[GApprove?\\x1b[31m \\x1b[3A\\x1b[2J\n\u001b[2Kagain\n");
  });

  test("a child that does not prompt keeps no sequence at all, the prompt's redraw included", async () => {
    const text = await relay(`process.stdout.write("\\u001b[2K\\u001b[1A\\u001b[Gdone\\n")`);
    expect(text).toBe("\\x1b[2K\\x1b[1A\\x1b[Gdone\n");
  });

  test("children are asked for plain output: no colour anywhere, no animation unless they prompt", async () => {
    const runner = createProcessRunner({ output: () => undefined });
    const envOf = async (interactive: boolean) =>
      JSON.parse(
        (
          await runner.run({
            command: process.execPath,
            args: ["-e", "const e = process.env; console.log(JSON.stringify([e.CI, e.FORCE_COLOR, e.TF_CLI_ARGS]))"],
            cwd: process.cwd(),
            capture: true,
            interactive,
          })
        ).stdout,
      );
    expect(await envOf(false)).toEqual(["1", "0", expect.stringMatching(/(^| )-no-color$/)]);
    const [ci, forceColor] = await envOf(true);
    expect(forceColor).toBe("0");
    // CI would hide cdktf's approval prompt; the parent's own CI passes through as it is.
    expect(ci ?? undefined).toBe(process.env.CI);
  });
});
