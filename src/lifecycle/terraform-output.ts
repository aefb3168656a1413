// Makes cdktf/terraform output readable in a log (no terminal, or NO_COLOR): drops ANSI sequences, spinner frames and
// stack status lines, and finds terraform's own error in it so that deploy can say what failed and how to fix it.
// It passes on what terraform prints, as a terminal would show it, and adds nothing of its own to it.

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;
/** cdktf's spinner frames (Braille patterns) and its "N Stacks deploying …" status bar redraw on every tick. */
const SPINNER = /^\s*[\u2800-\u28ff]\s/;
const STATUS_BAR = /^\s*\d+ Stacks? deploying\s+\d+ Stacks? done\s+\d+ Stacks? waiting\s*$/;

/** One line as a log should show it, or undefined when it is only terminal animation. */
export function tidyLine(line: string): string | undefined {
  const plain = line.replace(ANSI, "").replace(/\r/g, "").trimEnd();
  if (SPINNER.test(plain) || STATUS_BAR.test(plain)) return undefined;
  return plain;
}

/** Tidies a whole chunk of output: animation dropped, runs of blank lines collapsed to one. */
export function tidyOutput(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split("\n")) {
    const line = tidyLine(raw);
    if (line === undefined) continue;
    if (line === "" && (lines.length === 0 || lines[lines.length - 1] === "")) continue;
    lines.push(line);
  }
  return lines;
}

/**
 * terraform's errors, each as one line of text: the summary and the first paragraph of its detail. Both forms are
 * read: boxed (`│ Error: …` up to `╵`, with colour) and plain (`Error: …`, then a blank line and the detail, with
 * -no-color). cdktf's stack-name column and indentation are dropped.
 */
export function terraformErrors(lines: readonly string[]): string[] {
  const errors: string[] = [];
  const body = lines.map((line) =>
    line
      .replace(/^\S+\s{2,}(?=[│╷╵]|Error: )/, "")
      .trim()
      .replace(/^│\s?/, ""),
  );
  for (let index = 0; index < body.length; index++) {
    const line = body[index] ?? "";
    if (!line.startsWith("Error: ")) continue;
    const parts = [line.slice("Error: ".length)];
    let next = index + 1;
    while (next < body.length && (body[next] ?? "") === "") next++;
    // The detail's first paragraph, unless the next non-empty line is already another message or the box's end.
    while (next < body.length) {
      const text = body[next] ?? "";
      if (text === "" || text.startsWith("Error: ") || text.startsWith("Warning: ") || /^[╷╵]/.test(text)) break;
      parts.push(text);
      next++;
    }
    errors.push(parts.length > 1 ? `${parts[0]}: ${parts.slice(1).join(" ")}` : line.slice("Error: ".length));
    index = next - 1;
  }
  return errors;
}

/** The kit's fix for a terraform error it recognizes; the general advice otherwise. */
export function fixForTerraformError(error: string | undefined, environment: string): string {
  const again = `then run "npx ords-jwt deploy ${environment}" again (terraform resumes from the state)`;
  if (error === undefined) return `Read cdktf's output above; fix the cause, ${again}.`;
  if (/provider packages|install provider|registry\.terraform\.io|Failed to query available provider/i.test(error)) {
    return (
      "terraform could not download its providers: this machine needs HTTPS access to registry.terraform.io " +
      ("(check the proxy: HTTPS_PROXY), or a provider mirror in a terraform CLI config file (TF_CLI_CONFIG_FILE); " +
        `${again}.`)
    );
  }
  if (/NotAuthenticated|401-NotAuthenticated|could not find config file|can not create client/i.test(error)) {
    return (
      "The OCI provider could not authenticate: check ~/.oci/config, its key file and the profile the " +
      `environment names; ${again}.`
    );
  }
  if (/AADSTS|azure cli|Authenticating using the Azure CLI|unable to build authorizer/i.test(error)) {
    return (
      `The azuread provider could not authenticate: run "az login" or export ARM_CLIENT_ID and ` +
      `ARM_CLIENT_SECRET; ${again}.`
    );
  }
  return `Fix what terraform says, ${again}.`;
}
