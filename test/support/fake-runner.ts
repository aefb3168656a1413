// A fake at the subprocess seam: records every command and keeps a Terraform state the way terraform would.
// `terraform state list` prints the state, `cdktf destroy` empties it, targeted applies leave it as it is.
import { basename, relative } from "node:path";
import type { CommandResult, CommandRunner, CommandSpec } from "../../src/lifecycle/command-runner";
import { Secret } from "../../src/secret";
import { sentinelSecret } from "./sentinel";

export type FailureRule = (spec: CommandSpec, state: Set<string>) => boolean;

export class FakeRunner implements CommandRunner {
  readonly calls: CommandSpec[] = [];
  readonly state: Set<string>;
  /** Returns true to make that call fail (exit 1); it may change the state first, like a half-done destroy. */
  failWhen: FailureRule | undefined;
  /** What `terraform version -json` reports. */
  terraformVersion = "1.11.4";
  versionChecks = 0;

  constructor(state: Iterable<string>, failWhen?: FailureRule) {
    this.state = new Set(state);
    this.failWhen = failWhen;
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const line = describe(spec);
    // The read-only version check is counted apart, so `calls` lists what acts on the environment.
    if (line === "terraform version -json") {
      this.versionChecks += 1;
      return { exitCode: 0, stdout: JSON.stringify({ terraform_version: this.terraformVersion }) };
    }
    this.calls.push(spec);
    if (this.failWhen?.(spec, this.state)) return { exitCode: 1, stdout: "" };
    if (line.startsWith("terraform state list"))
      return { exitCode: 0, stdout: [...this.state].map((a) => `${a}\n`).join("") };
    if (line.startsWith("cdktf destroy")) this.state.clear();
    return { exitCode: 0, stdout: "" };
  }

  /** The calls as short lines: `<program> <args>` with the kit's own CLI shown as `ords-jwt`. */
  lines(projectRoot: string): string[] {
    return this.calls.map((spec) => {
      const where = relative(projectRoot, spec.cwd);
      // Passwords are shown as *** so expected lines never hold one.
      const env = Object.entries(spec.env ?? {})
        .map(([key, value]) => `${key}=${/PASSWORD/.test(key) ? "***" : value}`)
        .join(" ");
      return [describe(spec), where === "" ? "" : `@${where}`, env === "" ? "" : `[${env}]`]
        .filter((part) => part !== "")
        .join(" ");
    });
  }
}

export function describe(spec: CommandSpec): string {
  const program = basename(spec.command);
  if (spec.command === process.execPath && basename(spec.args[0] ?? "") === "ords-jwt.cjs")
    return ["ords-jwt", ...spec.args.slice(1)].join(" ");
  return [program, ...spec.args].join(" ");
}

/** The DB password tests hand to the lifecycle; made up at run time, never a real one. */
export const TEST_DB_PASSWORD = sentinelSecret("db-password");
export const testDbPassword = async (): Promise<Secret> => new Secret(TEST_DB_PASSWORD);
