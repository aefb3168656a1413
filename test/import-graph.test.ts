// The import graph of src/, stacks/, main.ts, twin/ and scripts/ has no circle, stacks/ knows nothing of the layers
// above it (lifecycle, commands, CLI, doctor), and only the CLI imports the CLI. It reads the real source files; it
// does not run them.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./support/environments";
import { cycles, folderGraph, importGraph, specifiers } from "./support/import-graph";

const ROOTS = ["src", "stacks", "main.ts", "twin", "scripts"];
/** What stacks/ may not import: the layers that synthesize stacks and run terraform on them. */
const ABOVE_STACKS = /^src\/(lifecycle|commands|cli|doctor)(\/|\.ts$)/;

describe("the import parser", () => {
  test("reads multi-line, type-only and re-exported imports, require and import(), and skips comments", () => {
    const source = [
      'import type { A } from "./a";',
      "import {",
      "  b,",
      "  type C,",
      '} from "../b";',
      'export { d } from "./d";',
      'import "./side-effect";',
      'const e = require("./e") as typeof import("./e-type");',
      '// import { f } from "./commented";',
      '/* require("./block-commented") */',
      'const url = "https://example.invalid/x"; // trailing',
    ].join("\n");
    expect(specifiers(source).sort()).toEqual(["./a", "../b", "./d", "./side-effect", "./e", "./e-type"].sort());
  });

  test("fails when two files import each other, or through a third", () => {
    const twoWay = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(cycles(twoWay)).toEqual([["a.ts", "b.ts"]]);
    const threeWay = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(cycles(threeWay)).toEqual([["a.ts", "b.ts", "c.ts"]]);
    expect(
      cycles(
        new Map([
          ["a.ts", ["b.ts"]],
          ["b.ts", []],
        ]),
      ),
    ).toEqual([]);
  });

  test("a folder stands for its files, and files directly under src/ stand alone", () => {
    const edges = new Map([
      ["stacks/app.ts", ["src/lifecycle/phase.ts"]],
      ["src/lifecycle/deploy.ts", ["stacks/state-backend.ts", "src/errors.ts"]],
      ["src/errors.ts", []],
    ]);
    expect(cycles(folderGraph(edges))).toEqual([["src/lifecycle", "stacks"]]);
  });
});

describe("the kit's import graph", () => {
  const graph = importGraph(PROJECT_ROOT, ROOTS);

  test("every relative import names a file that exists", () => {
    expect(graph.unresolved).toEqual([]);
    // The graph is the real one: the cdktf entry point reaches the stacks through these edges.
    expect(graph.edges.get("main.ts")).toEqual(expect.arrayContaining(["stacks/app.ts"]));
    expect(graph.edges.get("stacks/app.ts")).toEqual(expect.arrayContaining(["stacks/environment-stack.ts"]));
  });

  test("no file takes part in an import circle", () => {
    expect(cycles(graph.edges)).toEqual([]);
  });

  test("no folder takes part in an import circle", () => {
    expect(cycles(folderGraph(graph.edges))).toEqual([]);
  });

  test("stacks/ imports nothing from the lifecycle, commands, CLI or doctor", () => {
    const upward = [...graph.edges]
      .filter(([file]) => file.startsWith("stacks/"))
      .flatMap(([file, targets]) => targets.filter((target) => ABOVE_STACKS.test(target)).map((t) => `${file} → ${t}`));
    expect(upward).toEqual([]);
  });

  test("src/ takes jose's code from src/jwt/jose.ts alone: the build bundles that module with it", () => {
    // Another import of jose would load a second copy, as ES modules (type-only imports load nothing).
    const importers = [...graph.edges.keys()]
      .filter((file) => file.startsWith("src/") && file !== "src/jwt/jose.ts")
      .filter((file) => {
        const code = readFileSync(join(PROJECT_ROOT, file), "utf8").replace(/^import type [^;]*;$/gm, "");
        return specifiers(code).some((specifier) => specifier === "jose" || specifier.startsWith("jose/"));
      });
    expect(importers).toEqual([]);
    expect(graph.edges.get("src/doctor/checks.ts")).toContain("src/jwt/jose.ts");
  });

  test("nothing outside src/cli/ imports the command table: the build bundles it as one module", () => {
    // A module outside the bundle that imported one inside would load a second copy of it (bin/compiled.cjs).
    const inward = [...graph.edges]
      .filter(([file]) => !file.startsWith("src/cli/"))
      .flatMap(([file, targets]) => targets.filter((t) => t.startsWith("src/cli/")).map((t) => `${file} → ${t}`));
    expect(inward).toEqual([]);
    expect([...graph.edges.keys()].filter((file) => file.startsWith("src/cli/"))).toContain("src/cli/program.ts");
  });
});
