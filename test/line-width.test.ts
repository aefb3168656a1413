// Every line of the kit's TypeScript/JavaScript sources fits in 120 columns (issue 13); it reads the files,
// never runs them.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "./support/environments";

const MAX_COLUMNS = 120;
const ROOTS = ["src", "stacks", "twin", "test", "bench", "bin", "scripts", "main.ts"];
const SOURCE = /\.(ts|cjs|mjs|js)$/;
/** Installed, generated or run-time folders: none of them is the kit's source. Dot folders (.gen, .build …) too. */
const SKIPPED = new Set(["node_modules", "cdktf.out", "coverage"]);

/** The source files under `path` (a file or a folder), walked without following the skipped folders. */
function sources(path: string): string[] {
  const entries = (() => {
    try {
      return readdirSync(path, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw error;
    }
  })();
  if (entries === undefined) return SOURCE.test(path) ? [path] : [];
  return entries.flatMap((entry) => {
    if (entry.isDirectory()) {
      return entry.name.startsWith(".") || SKIPPED.has(entry.name) ? [] : sources(join(path, entry.name));
    }
    return entry.isFile() && SOURCE.test(entry.name) ? [join(path, entry.name)] : [];
  });
}

/** `file:line (length)` for each line wider than MAX_COLUMNS, counting characters (code points), not bytes. */
function longLines(file: string, text: string): string[] {
  return text.split(/\r?\n/).flatMap((line, index) => {
    const length = [...line].length;
    return length > MAX_COLUMNS ? [`${file}:${index + 1} (${length} columns)`] : [];
  });
}

describe("line width", () => {
  test("fails when a line is one column over the limit, naming file:line and its length", () => {
    const text = `${"x".repeat(MAX_COLUMNS)}\n${"é".repeat(MAX_COLUMNS + 1)}\n`;
    expect(longLines("a.ts", text)).toEqual([`a.ts:2 (${MAX_COLUMNS + 1} columns)`]);
  });

  test("reads the sources of every root, this file among them, and no installed or generated file", () => {
    const files = ROOTS.flatMap((root) => sources(join(PROJECT_ROOT, root))).map((file) =>
      relative(PROJECT_ROOT, file),
    );
    expect(files).toContain("test/line-width.test.ts");
    expect(files).toContain("main.ts");
    expect(files).toContain("bin/ords-jwt.cjs");
    expect(files.filter((file) => /(^|\/)(node_modules|\.gen|\.build[^/]*|cdktf\.out)\//.test(file))).toEqual([]);
  });

  test("no source line is longer than 120 columns", () => {
    const offenders = ROOTS.flatMap((root) => sources(join(PROJECT_ROOT, root))).flatMap((file) =>
      longLines(relative(PROJECT_ROOT, file), readFileSync(file, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
