// Reads the relative import graph of the kit's TypeScript sources with a regex over the text (no type checker):
// static imports and re-exports (`import type` and multi-line ones included), `require("…")` and `import("…")`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Block comments, and line comments that start a line or follow whitespace (so `https://…` in a string stays). */
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|\s)\/\/[^\n]*/g;
/** `import … from "x"`, `import type … from "x"`, `export … from "x"` at a line start, across lines up to `from`. */
const FROM = /^\s*(?:import|export)\s[^;"'`]*?\sfrom\s*["']([^"']+)["']/gm;
/** `import "x"` for its side effects. */
const BARE = /^\s*import\s*["']([^"']+)["']/gm;
/** `require("x")`, and `import("x")` (dynamic, or `typeof import("x")` in a type). */
const CALL = /\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g;

/** Every module specifier `source` names, in order of appearance per kind. */
export function specifiers(source: string): string[] {
  const code = source.replace(COMMENTS, "$1");
  return [FROM, BARE, CALL].flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] as string));
}

const EXTENSIONS = ["", ".ts", ".tsx", ".js", ".cjs", ".mjs", ".json", "/index.ts", "/index.js"];

/** The file a relative specifier names, or undefined when none of TypeScript's candidates exists. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const extension of EXTENSIONS) {
    const candidate = base + extension;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function sourceFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(path, entry.name))
      : /\.(ts|cjs|mjs|js)$/.test(entry.name)
        ? [join(path, entry.name)]
        : [],
  );
}

export interface ImportGraph {
  /** Project-relative file → the project-relative files it imports (within the scanned roots). */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** Relative specifiers that resolve to no file: a parser or a path mistake. */
  readonly unresolved: readonly string[];
}

/** The graph of the files under `roots` (files or folders, relative to `projectRoot`); other targets are left out. */
export function importGraph(projectRoot: string, roots: readonly string[]): ImportGraph {
  const files = roots.flatMap((root) => sourceFiles(join(projectRoot, root)));
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets: string[] = [];
    for (const specifier of specifiers(readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(file, specifier);
      if (target === undefined) unresolved.push(`${relative(projectRoot, file)}: ${specifier}`);
      else if (known.has(target)) targets.push(relative(projectRoot, target));
    }
    edges.set(relative(projectRoot, file), [...new Set(targets)]);
  }
  return { edges, unresolved };
}

/** Strongly connected groups of more than one node, or a node importing itself (Tarjan's algorithm). */
export function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(group.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** The same graph between folders: a file stands for its folder, and files directly under `src/` stand alone. */
export function folderGraph(edges: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const unit = (file: string) => (/^src\/[^/]+$/.test(file) || !file.includes("/") ? file : dirname(file));
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of edges) {
    const from = unit(file);
    const set = folders.get(from) ?? new Set<string>();
    for (const target of targets) if (unit(target) !== from) set.add(unit(target));
    folders.set(from, set);
  }
  return new Map([...folders].map(([folder, set]) => [folder, [...set]]));
}
