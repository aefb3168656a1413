// The manual stays true: the troubleshooting guide lists exactly the error codes of src/errors.ts, every command the
// README, docs and fix texts name is one the CLI has, every link into docs/ resolves, and the kit's making stays out.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildProgram } from "../src/cli/program";
import { PROJECT_ROOT } from "./support/environments";

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), "utf8");
const manual = ["README.md", ...readdirSync(join(PROJECT_ROOT, "docs")).map((file) => `docs/${file}`)];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir)).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    if (statSync(join(PROJECT_ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

test("the troubleshooting guide lists every error code in src/errors.ts, and no other", () => {
  const declared = [...read("src/errors.ts").matchAll(/^\s*\| "([A-Z_]+)"/gm)].map((match) => match[1]).sort();
  const documented = [...read("docs/troubleshooting.md").matchAll(/^### `([A-Z_]+)`$/gm)]
    .map((match) => match[1])
    .sort();
  expect(declared.length).toBeGreaterThan(40);
  expect(documented).toEqual(declared);
});

test("every `npx ords-jwt <command>` in the manual and in fix texts is a command the CLI has", () => {
  const program = buildProgram();
  const known = new Map(program.commands.map((command) => [command.name(), command.commands.map((sub) => sub.name())]));
  const problems: string[] = [];
  for (const file of [...manual, ...sourceFiles("src")]) {
    for (const match of read(file).matchAll(/npx ords-jwt ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g)) {
      const [, name = "", sub] = match;
      const subcommands = known.get(name);
      if (subcommands === undefined) problems.push(`${file}: npx ords-jwt ${name}`);
      else if (subcommands.length > 0 && (sub === undefined || !subcommands.includes(sub)))
        problems.push(`${file}: npx ords-jwt ${name} ${sub ?? ""}`);
    }
  }
  expect(problems).toEqual([]);
});

test("every relative link in the manual points at a file that exists", () => {
  const missing: string[] = [];
  for (const file of manual) {
    for (const match of read(file).matchAll(/\]\((?!https?:|#)([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = join(PROJECT_ROOT, dirname(file), match[1] ?? "");
      try {
        statSync(target);
      } catch {
        missing.push(`${file}: ${match[1]}`);
      }
    }
  }
  expect(missing).toEqual([]);
});

test("the manual carries no words from the kit's making", () => {
  expect(manual.filter((file) => /the seed saw|unsettled/i.test(read(file)))).toEqual([]);
});
