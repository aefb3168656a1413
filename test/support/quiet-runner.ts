// A real process runner whose children's progress (cdktf, terraform) is kept in memory instead of printed, so the
// test log holds jest's report only. A test that fails can print `output()` in its message.
import { type CommandRunner, createProcessRunner } from "../../src/lifecycle/command-runner";

export interface QuietRunner extends CommandRunner {
  /** Everything the children printed so far. */
  output(): string;
}

export function quietRunner(): QuietRunner {
  const chunks: string[] = [];
  const runner = createProcessRunner({ output: (text) => chunks.push(text) });
  return { run: (spec) => runner.run(spec), output: () => chunks.join("") };
}
