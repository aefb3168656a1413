// Runs the kit's TypeScript (src/, stacks/, main.ts, .gen/) from JavaScript compiled once, and compiles it.
// It does not type-check (tsc does) and never runs stale code: a source whose size or mtime differs from the
// build manifest, or that the build never saw, is compiled again in memory with the same options.
//
// `require("./compiled.cjs").register()` installs the `.ts` loader; `node bin/compiled.cjs` (npm run build, run by
// postinstall after the OCI bindings are generated) writes .build/. Without a .build/ the loader compiles every file
// it loads, which is correct and only slower.
"use strict";
const Module = require("node:module");
const {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require("node:fs");
const { dirname, join, relative, sep } = require("node:path");
const { installCodeCache, RECORD } = require("./code-cache.cjs");

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, ".build");
const MANIFEST = join(OUT, "manifest.json");
const CODE_CACHE = join(OUT, "code-cache");
/** What is compiled: the CLI and the stacks, and the generated bindings they import (by far the most code). */
const SOURCES = ["main.ts", "src", "stacks", ".gen"];
/** The compiled output also depends on these: a change to either makes the whole build stale. */
const INPUTS = [join(ROOT, "tsconfig.json"), __filename];
const MANIFEST_VERSION = 1;

/** esbuild comes with tsx (a dependency of the kit); resolved from tsx's location, as twin/provider/install.ts does. */
function esbuild() {
  return require(require.resolve("esbuild", { paths: [dirname(require.resolve("tsx"))] }));
}

/**
 * The options tsx itself transforms with (CommonJS, keepNames, whitespace minified, the project's tsconfig), so the
 * compiled code behaves as it did through tsx. The target is the engines floor, not this node, so a build stays
 * valid when node is upgraded. Source maps are written but not switched on: node parses every map as the module
 * loads, which cost about a third of the start-up budget; `NODE_OPTIONS=--enable-source-maps` turns them on.
 */
function transformOptions(file, sourcemap) {
  return {
    loader: "ts",
    format: "cjs",
    platform: "node",
    target: "node20.9",
    keepNames: true,
    minifyWhitespace: true,
    sourcemap,
    sourcefile: file,
    tsconfigRaw: readFileSync(join(ROOT, "tsconfig.json"), "utf8"),
  };
}

/** In memory, for a source changed since the build: the map goes inline, there is no file to point it at. */
function compile(file, engine) {
  return engine.transformSync(readFileSync(file, "utf8"), transformOptions(file, "inline")).code;
}

/** For .build/: the map beside the code, named relative to the .ts file, which is what node resolves it against. */
function compileToFile(file, output, finalOutput, engine) {
  const { code, map } = engine.transformSync(readFileSync(file, "utf8"), transformOptions(file, "external"));
  writeFileSync(`${output}.map`, map);
  const mapPath = relative(dirname(file), `${finalOutput}.map`).split(sep).join("/");
  writeFileSync(output, `${code}//# sourceMappingURL=${mapPath}\n`);
}

/** The stamp the build recorded for a file: size and mtime, enough to notice any save (cheap: one statSync). */
function stamp(file) {
  const stats = statSync(file);
  return `${stats.size}:${stats.mtimeMs}`;
}

function outputFor(file) {
  return join(OUT, `${relative(ROOT, file).slice(0, -".ts".length)}.js`);
}

function readManifest() {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
    if (manifest.version !== MANIFEST_VERSION) return undefined;
    if (INPUTS.some((input) => manifest.inputs[relative(ROOT, input)] !== stamp(input))) return undefined;
    return manifest;
  } catch {
    return undefined;
  }
}

/**
 * Requires of dependencies that load much more than the kit uses, each answered with a stand-in that loads the
 * real module on first use (the stand-in forwards every call and property, so nothing else changes):
 * - zod 4's CommonJS build requires all of its ~50 locales as it loads (about a third of its load time, paid by
 *   every command that reads an environment file); the kit uses English, which zod's schemas load themselves. zod
 *   takes the namespace through __importStar, which passes an object marked __esModule on unchanged.
 * - cdktf requires archiver (with its streams and globbing, over half of cdktf's load time) for zipping a
 *   TerraformAsset directory, which the kit's stacks never create; cdktf only ever calls it.
 */
const DEFERRED = [
  {
    // commander requires child_process for subcommands that are separate executables, which the kit has none of.
    request: "node:child_process",
    from: `${sep}node_modules${sep}commander${sep}lib${sep}command.js`,
    target: () => ({}),
    esModule: false,
  },
  {
    request: "../locales/index.cjs",
    from: `${sep}node_modules${sep}zod${sep}v4${sep}`,
    target: () => ({}),
    esModule: true,
  },
  {
    request: "archiver",
    from: `${sep}node_modules${sep}cdktf${sep}lib${sep}private${sep}fs.js`,
    // An arrow function: callable, and without the non-configurable `prototype` a Proxy would have to mirror.
    target: () => () => undefined,
    esModule: false,
  },
];

function deferRequires() {
  const load = Module._load;
  const standIns = new Map();
  Module._load = function loadDeferring(...args) {
    const [request, parent] = args;
    const deferred = DEFERRED.find((entry) => entry.request === request && parent?.filename?.includes(entry.from));
    if (deferred === undefined) return load.apply(this, args);
    if (!standIns.has(deferred)) {
      let real;
      const module = () => {
        real ??= load.apply(this, args);
        return real;
      };
      const standIn = new Proxy(deferred.target(), {
        apply: (_, self, callArgs) => Reflect.apply(module(), self, callArgs),
        get: (_, key) => (key === "__esModule" && deferred.esModule ? true : module()[key]),
        has: (_, key) => key in module(),
        ownKeys: () => Reflect.ownKeys(module()),
        getOwnPropertyDescriptor: (_, key) => {
          const descriptor = Object.getOwnPropertyDescriptor(module(), key);
          return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
        },
      });
      standIns.set(deferred, standIn);
    }
    return standIns.get(deferred);
  };
}

let registered = false;

/**
 * Installs the `.ts` loader for require(), the code cache (bin/code-cache.cjs) and the deferred requires above; a
 * second call does nothing.
 */
function register() {
  if (registered) return;
  registered = true;
  deferRequires();
  const manifest = readManifest();
  const files = manifest === undefined ? {} : manifest.files;
  const inMemory = new Set();
  installCodeCache({ root: ROOT, dir: CODE_CACHE, compiledInMemory: (filename) => inMemory.has(filename) });
  let engine;
  let stale = 0;
  Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    const key = relative(ROOT, filename).split(sep).join("/");
    const recorded = files[key];
    if (recorded !== undefined && recorded === stamp(filename)) {
      let compiled;
      try {
        compiled = readFileSync(outputFor(filename), "utf8");
      } catch {
        // A build running right now replaced .build/ under this process: compile in memory instead.
      }
      if (compiled !== undefined) return module._compile(compiled, filename);
    }
    stale++;
    inMemory.add(filename);
    if (process.env.ORDS_JWT_DEBUG_BUILD) process.stderr.write(`compiling ${key} in memory (${stale} so far)\n`);
    engine ??= esbuild();
    module._compile(compile(filename, engine), filename);
  };
}

function sourceFiles(entry) {
  const path = join(ROOT, entry);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return []; // .gen/ before `npm run get` has run
  }
  if (!stats.isDirectory()) return entry.endsWith(".ts") ? [path] : [];
  return readdirSync(path, { withFileTypes: true }).flatMap((dirent) =>
    sourceFiles(join(entry, dirent.name)).filter(
      (file) => !file.endsWith(".d.ts") && !file.split(sep).includes("node_modules"),
    ),
  );
}

/** Compiles every source into .build/ and records each one's stamp; then swapped in as a whole. */
function build() {
  const engine = esbuild();
  const files = {};
  const inputs = {};
  for (const input of INPUTS) inputs[relative(ROOT, input)] = stamp(input);
  // Built beside and swapped in whole, so a CLI running meanwhile reads either build, never half of one.
  const next = `${OUT}.${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  for (const file of SOURCES.flatMap(sourceFiles)) {
    // The stamp is taken before reading, so a save during the build leaves the entry stale rather than wrong.
    const before = stamp(file);
    const output = join(next, relative(OUT, outputFor(file)));
    mkdirSync(dirname(output), { recursive: true });
    compileToFile(file, output, outputFor(file), engine);
    files[relative(ROOT, file).split(sep).join("/")] = before;
  }
  writeFileSync(
    join(next, "manifest.json"),
    `${JSON.stringify({ version: MANIFEST_VERSION, inputs, files }, null, 1)}\n`,
  );
  rmSync(OUT, { recursive: true, force: true });
  renameSync(next, OUT);
  return Object.keys(files).length;
}

/**
 * Writes the code cache (bin/code-cache.cjs) by running, in record mode, the CLI's --help and an offline plan of
 * every example environment: together they load the command table, cdktf, zod, the stacks and the bindings, which
 * cdktf's app command loads too. A run that fails leaves its modules uncached, which is slower, never wrong.
 */
function recordCodeCache() {
  const cli = join(ROOT, "bin", "ords-jwt.cjs");
  const examples = join(ROOT, "environments", "examples");
  if (!existsSync(cli) || !existsSync(examples)) return []; // a layout without the CLI has nothing to record
  // Required here, not above: the CLI loads this file on every run, and child_process alone costs it 5-10 ms.
  const { spawnSync } = require("node:child_process");
  const scratch = mkdtempSync(join(require("node:os").tmpdir(), "ords-jwt-build-"));
  try {
    const runs = [["--help"], ["plan", "--environments-dir", examples, "--outdir", join(scratch, "cdktf.out")]];
    return runs.flatMap((args) => {
      const result = spawnSync(process.execPath, [cli, ...args], {
        cwd: scratch,
        env: { ...process.env, [RECORD]: "record" },
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
      });
      return result.status === 0 ? [] : [`ords-jwt ${args[0]} exited ${result.status}: ${result.stderr.trim()}`];
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { register, build, ROOT, OUT };

if (require.main === module) {
  const started = Date.now();
  const count = build();
  const failures = recordCodeCache();
  for (const failure of failures) process.stderr.write(`code cache: ${failure}\n`);
  process.stderr.write(`compiled ${count} TypeScript files and recorded the code cache in ${Date.now() - started} ms\n`);
}
