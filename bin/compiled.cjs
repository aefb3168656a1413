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
const { stamp, stampIfAny } = require("./cache-files.cjs");
const { installCodeCache, RECORD } = require("./code-cache.cjs");
const { standIn } = require("./stand-in.cjs");

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, ".build");
const MANIFEST = join(OUT, "manifest.json");
const CODE_CACHE = join(OUT, "code-cache");
/** What is compiled: the CLI and the stacks, and the generated bindings they import (by far the most code). */
const SOURCES = ["main.ts", "src", "stacks", ".gen"];
/** The compiled output also depends on these: a change to either makes the whole build stale. */
const INPUTS = [join(ROOT, "tsconfig.json"), __filename];
const MANIFEST_VERSION = 2;

/**
 * Modules built as one: the command table (src/cli/ and commander) is what --help and every command load first, and
 * one module loads faster than the twenty it is made of. Only files under `within` and the named packages go in;
 * every other import stays a require of its own path, so each of those modules still loads once, as itself, with
 * its classes and its state (the secrets to redact) never duplicated. Nothing outside `within` imports a module
 * inside it (test/import-graph.test.ts). A bundle whose inputs changed since the build is not used: its entry then
 * loads file by file.
 */
const BUNDLES = [
  { entry: "src/cli/program.ts", within: "src/cli/", packages: ["commander"], output: "bundle/cli.js" },
  // jose ships ES modules only, which node 20 compiles anew on every run; bundled, the code cache serves them.
  { entry: "src/jwt/jose.ts", within: "src/jwt/jose.ts", packages: ["jose"], output: "bundle/jose.js" },
];

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
  return { ...compileOptions(sourcemap), loader: "ts", sourcefile: file };
}

/** What a transform of one file and a bundle share. */
function compileOptions(sourcemap) {
  return {
    format: "cjs",
    platform: "node",
    target: "node20.9",
    keepNames: true,
    minifyWhitespace: true,
    sourcemap,
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
 * - cdktf's CLI (its bundled commands, in its children the kit starts) requires its HCL tools as it loads: hcl2cdk
 *   (with jsii-rosetta, babel and prettier) for `cdktf convert` and `init --from-terraform-project`, hcl2json
 *   for `cdktf get` of modules, hcl-tools for `synth --hcl`. hcl2json and hcl-tools compile and start a Go
 *   WebAssembly runtime as they load. Together that was about half the CPU of a `cdktf synth` or `deploy`; none of
 *   it runs in the synth, diff, deploy and destroy the kit starts.
 */
const CDKTF_CLI_COMMANDS = `${sep}node_modules${sep}cdktf-cli${sep}bundle${sep}bin${sep}cmds${sep}handlers.js`;
const DEFERRED = [
  { requests: ["@cdktf/hcl2json"], from: [CDKTF_CLI_COMMANDS], target: () => ({}), esModule: true },
  { requests: ["@cdktf/hcl-tools"], from: [CDKTF_CLI_COMMANDS], target: () => ({}), esModule: true },
  {
    requests: ["@cdktf/hcl2cdk"],
    from: [CDKTF_CLI_COMMANDS],
    target: () => ({}),
    esModule: true,
    // The CLI also takes it through esbuild's __toESM, which lists the module's own names as it loads: the stand-in
    // answers with these (@cdktf/hcl2cdk 0.21.0's exports; test/compiled-loader.test.ts compares them with the
    // installed module's), each a getter that loads the real module.
    exportNames: [
      "CODE_MARKER",
      "getParsedHcl",
      "parseProviderRequirements",
      "convertToTypescript",
      "convert",
      "getTerraformConfigFromDir",
      "convertProject",
      "isRegistryModule",
      "attributeNameToCdktfName",
    ],
  },
  {
    // Subprocesses nobody here starts: commander's subcommands that are separate executables (its own file, or the
    // command table bundled with it), and cdktf's check of the terraform version, zipping of assets and test
    // matchers, none of which runs in the kit's synths.
    requests: ["node:child_process", "child_process"],
    from: [
      `${sep}node_modules${sep}commander${sep}lib${sep}command.js`,
      `${sep}src${sep}cli${sep}program.ts`,
      `${sep}node_modules${sep}cdktf${sep}lib${sep}validations${sep}validate-binary-version.js`,
      `${sep}node_modules${sep}cdktf${sep}lib${sep}private${sep}fs.js`,
      `${sep}node_modules${sep}cdktf${sep}lib${sep}testing${sep}matchers.js`,
    ],
    target: () => ({}),
    esModule: false,
  },
  {
    requests: ["../locales/index.cjs"],
    from: [`${sep}node_modules${sep}zod${sep}v4${sep}`],
    target: () => ({}),
    esModule: true,
  },
  {
    // cdktf's check that a binary (terraform) is new enough: the kit's apps synthesize with skipValidation.
    requests: ["semver"],
    from: [`${sep}node_modules${sep}cdktf${sep}lib${sep}validations${sep}validate-binary-version.js`],
    target: () => ({}),
    esModule: false,
  },
  {
    requests: ["archiver"],
    from: [`${sep}node_modules${sep}cdktf${sep}lib${sep}private${sep}fs.js`],
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
    const deferred = DEFERRED.find(
      (entry) =>
        entry.requests.includes(request) && entry.from.some((part) => parent?.filename?.includes(part) === true),
    );
    if (deferred === undefined) return load.apply(this, args);
    if (!standIns.has(deferred)) {
      const { target, esModule, exportNames } = deferred;
      standIns.set(
        deferred,
        standIn(() => load.apply(this, args), { target: target(), esModule, exportNames }),
      );
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
  const bundles = manifest === undefined ? {} : manifest.bundles;
  /** The build output or bundle the .ts module about to compile came from, for the code cache (installCodeCache). */
  const origins = new Map();
  const originOf = (filename) => {
    const origin = origins.get(filename);
    origins.delete(filename); // for this compile only: another loader may compile the same file later
    return origin;
  };
  installCodeCache({ root: ROOT, cacheRoot: CODE_CACHE, originOf });
  let engine;
  let stale = 0;
  Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    const key = relative(ROOT, filename).split(sep).join("/");
    const bundled = bundles[key] !== undefined ? currentBundle(bundles[key]) : undefined;
    if (bundled !== undefined) {
      origins.set(filename, bundled.origin);
      return module._compile(bundled.code, filename);
    }
    const recorded = files[key];
    if (recorded !== undefined && recorded === stamp(filename)) {
      let compiled;
      try {
        compiled = readFileSync(outputFor(filename), "utf8");
      } catch {
        // A build running right now replaced .build/ under this process: compile in memory instead.
      }
      if (compiled !== undefined) {
        origins.set(filename, { key, stamp: recorded });
        return module._compile(compiled, filename);
      }
    }
    stale++;
    if (process.env.ORDS_JWT_DEBUG_BUILD) process.stderr.write(`compiling ${key} in memory (${stale} so far)\n`);
    engine ??= esbuild();
    module._compile(compile(filename, engine), filename);
  };
}

/** A bundle's code when none of its inputs changed since the build, else undefined. */
function currentBundle(bundle) {
  if (!Object.entries(bundle.inputs).every(([input, recorded]) => stampIfAny(join(ROOT, input)) === recorded)) {
    return undefined;
  }
  const output = join(OUT, bundle.output);
  try {
    return { code: readFileSync(output, "utf8"), origin: { key: bundle.output, stamp: stamp(output) } };
  } catch {
    return undefined; // a build running right now replaced .build/ under this process
  }
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

/**
 * Bundles one entry of BUNDLES into `next` and returns its manifest entry: the output and the stamp of every input,
 * or undefined when an input was saved while the build ran (the entry then loads file by file).
 */
async function bundleToFile({ entry, within, packages, output }, next, engine) {
  const started = Date.now();
  const { outputFiles, metafile } = await engine.build({
    ...compileOptions("external"),
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    outfile: join(next, output),
    plugins: [bundleBoundary(dirname(join(ROOT, entry)), join(ROOT, within), packages)],
    logLevel: "silent",
  });
  const allowed = [within, ...packages.map((name) => `node_modules/${name}/`)];
  const inputs = {};
  for (const input of Object.keys(metafile.inputs)) {
    if (!allowed.some((prefix) => input.startsWith(prefix))) {
      throw new Error(`the bundle of ${entry} would take in ${input}: only ${allowed.join(", ")} may go in`);
    }
    inputs[input] = stamp(join(ROOT, input));
  }
  if (Object.values(inputs).some((recorded) => Number(recorded.split(":")[1]) >= started)) return undefined;
  mkdirSync(dirname(join(next, output)), { recursive: true });
  const code = outputFiles.find((file) => file.path.endsWith(".js"));
  const map = outputFiles.find((file) => file.path.endsWith(".js.map"));
  writeFileSync(`${join(next, output)}.map`, map.contents);
  // Node resolves the map against the module's filename, which is the entry's, not the bundle's.
  const mapPath = relative(dirname(join(ROOT, entry)), `${join(OUT, output)}.map`)
    .split(sep)
    .join("/");
  writeFileSync(join(next, output), `${code.text}//# sourceMappingURL=${mapPath}\n`);
  return { output, inputs };
}

/**
 * Keeps a bundle to its own files: a relative import of a file under `within` and an import of one of `packages` go
 * in (the packages resolved as node resolves them, CommonJS), any other import stays a require, of a path relative
 * to the entry's folder, which is where the bundle loads from.
 */
function bundleBoundary(entryDir, within, packages) {
  return {
    name: "bundle-boundary",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === "inner") return undefined;
        if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined; // inside a package that goes in
        if (!args.path.startsWith(".")) {
          const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
          if (!packages.includes(name)) return { path: args.path, external: true };
          return { path: require.resolve(args.path, { paths: [ROOT] }) };
        }
        const resolved = await build.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          importer: args.importer,
          pluginData: "inner",
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.path.startsWith(within)) return { path: resolved.path };
        const fromEntry = relative(entryDir, resolved.path)
          .split(sep)
          .join("/")
          .replace(/\.(ts|js)$/, "");
        return { path: fromEntry.startsWith(".") ? fromEntry : `./${fromEntry}`, external: true };
      });
    },
  };
}

/** Compiles every source into .build/ and records each one's stamp; then swapped in as a whole. */
async function build() {
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
  const bundles = {};
  for (const bundle of BUNDLES.filter(({ entry }) => existsSync(join(ROOT, entry)))) {
    const entry = await bundleToFile(bundle, next, engine);
    if (entry !== undefined) bundles[bundle.entry] = entry;
  }
  writeFileSync(
    join(next, "manifest.json"),
    `${JSON.stringify({ version: MANIFEST_VERSION, inputs, files, bundles }, null, 1)}\n`,
  );
  rmSync(OUT, { recursive: true, force: true });
  renameSync(next, OUT);
  return Object.keys(files).length;
}

/**
 * Writes the code cache (bin/code-cache.cjs) by running, in record mode, what loads the most: the CLI's --help; an
 * offline plan of every example environment (the command table, cdktf, zod, the stacks and the bindings); doctor on
 * an example against a closed loopback port (jose, the checks, node's fetch); and `cdktf synth` under the node
 * options the kit gives its cdktf children (cdktf's own CLI and the app it runs, which have a cache of their own:
 * the options differ). They run in an empty folder with none of the kit's variables, so nothing deployed is read
 * and nothing beyond loopback is contacted. A run that fails leaves its modules uncached: slower, never wrong.
 */
function recordCodeCache() {
  const cli = join(ROOT, "bin", "ords-jwt.cjs");
  const examples = join(ROOT, "environments", "examples");
  if (!existsSync(cli) || !existsSync(examples)) return []; // a layout without the CLI has nothing to record
  // Required here, not above: the CLI loads this file on every run, and child_process alone costs it 5-10 ms.
  const { spawnSync } = require("node:child_process");
  register();
  const { KIT_PRELOAD, nodeOptionsWith } = require("../src/node-options.ts");
  const scratch = mkdtempSync(join(require("node:os").tmpdir(), "ords-jwt-build-"));
  const closed = "http://127.0.0.1:9"; // the discard port: nothing listens there, so each request fails at once
  const node = (args, ok = 0) => ({ what: `ords-jwt ${args[0]}`, command: process.execPath, args: [cli, ...args], ok });
  const runs = [
    node(["--help"]),
    node(["plan", "--environments-dir", examples, "--outdir", join(scratch, "plan")]),
    node(
      ["doctor", "oci", "--environments-dir", examples, "--jwk-url", `${closed}/jwks`, "--url", `${closed}/x`].concat([
        "--allow-insecure",
        "--timeout-ms",
        "2000",
        "--json",
      ]),
      1, // its checks fail, as they should against a closed port
    ),
    {
      what: "cdktf synth",
      command: join(ROOT, "node_modules", ".bin", "cdktf"),
      args: ["synth", "--output", join(scratch, "synth")],
      cwd: ROOT, // where cdktf.json is
      env: { ORDS_JWT_ENVIRONMENTS_DIR: examples, CHECKPOINT_DISABLE: "1", CI: "1" },
      preload: true,
      ok: 0,
    },
  ];
  // Only what node, cdktf and terraform need to start: no credentials, no ORDS_JWT_* settings.
  const base = Object.fromEntries(
    ["PATH", "HOME", "TMPDIR", "NODE_OPTIONS"].filter((name) => process.env[name]).map((n) => [n, process.env[n]]),
  );
  try {
    return runs.flatMap(({ what, command, args, cwd = scratch, env = {}, preload = false, ok }) => {
      const nodeOptions = preload ? { NODE_OPTIONS: nodeOptionsWith(process.env.NODE_OPTIONS, [KIT_PRELOAD]) } : {};
      const result = spawnSync(command, args, {
        cwd,
        env: { ...base, ...env, ...nodeOptions, [RECORD]: "record" },
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
        timeout: 120_000,
      });
      const last = (result.stderr ?? "").trim().split("\n").pop()?.slice(0, 300) ?? "";
      return result.status === ok ? [] : [`${what} exited ${result.status}${last === "" ? "" : `: ${last}`}`];
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { register, build, ROOT, OUT };

if (require.main === module) {
  const started = Date.now();
  build().then((count) => {
    const failures = recordCodeCache();
    for (const failure of failures) process.stderr.write(`code cache: ${failure}\n`);
    const took = Date.now() - started;
    process.stderr.write(`compiled ${count} TypeScript files and recorded the code cache in ${took} ms\n`);
  });
}
