// A V8 code cache for the CommonJS modules the kit loads: its compiled TypeScript (.build/) and its dependencies.
// Without it node parses and compiles every module on every run, which was about a quarter of a plan's time.
//
// The cache is written by `npm run build`, which runs a few commands with ORDS_JWT_CODE_CACHE=record: at the end
// of such a run each module's code is serialized after it ran, so the functions it called come compiled too.
// Other runs only read it. A module compiles as it would without the cache when its file changed since the cache
// was written (size or mtime), when it was compiled in memory from a changed source, or when V8 rejects the data
// (another node, or other V8 flags).
//
// V8 accepts data only under the V8 flags it was written with, and node's options can change them (cdktf runs its app
// with --max-old-space-size=4096). Each set of options therefore has a cache of its own, in a folder named after
// them (variantOf); the build records the plain CLI's and the one the kit's cdktf children run with. Beside the
// data it keeps where each package require resolved to (bin/resolve-cache.cjs).
"use strict";
const Module = require("node:module");
const vm = require("node:vm");
const { mkdirSync, readFileSync } = require("node:fs");
const { dirname, isAbsolute, join, relative, sep } = require("node:path");
const { readJsonObject, stamp, writeAtomically } = require("./cache-files.cjs");
const { installResolveCache } = require("./resolve-cache.cjs");

const RECORD = "ORDS_JWT_CODE_CACHE";
const INDEX = "index.json";

const readIndex = (dir) => readJsonObject(join(dir, INDEX));

/**
 * The folder name for the node options of this process: "default" without any, else a digest of them. Preloads
 * (--require, -r, --import) and code given on the command line (-e, -p) are left out: they leave V8's flags alone.
 */
function variantOf() {
  const [execArgv, nodeOptions] = [process.execArgv, process.env.NODE_OPTIONS ?? ""];
  const withValue = /^(?:--require|-r|--import|--eval|-e|--print|-p)(?:=|$)/;
  const args = [];
  for (let i = 0; i < execArgv.length; i++) {
    if (!withValue.test(execArgv[i])) args.push(execArgv[i]);
    else if (!execArgv[i].includes("=")) i++;
  }
  const fromEnv = nodeOptions.replace(/(?:^|\s)(?:--require|-r|--import)(?:=|\s+)("(?:[^"\\]|\\.)*"|\S+)/g, " ");
  const options = [...args, ...fromEnv.split(/\s+/)].filter((option) => option !== "");
  if (options.length === 0) return "default";
  // FNV-1a: a stable name without loading node:crypto.
  let hash = 0x811c9dc5;
  for (const char of options.join(" ")) hash = Math.imul(hash ^ char.codePointAt(0), 0x01000193) >>> 0;
  return `options-${hash.toString(16).padStart(8, "0")}`;
}

/** The `require` node gives a module (module.require with resolve, resolve.paths, main, extensions and cache). */
function requireFor(module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/**
 * Compiles CommonJS modules under `root` with the cache in `cacheRoot`/<variant>, but only code whose source is
 * known: a .js or .cjs file node's own loader read (any other loader installed later, tsx say, may hand _compile
 * other code for the same file), or what `originOf(filename)` vouches for, `{ key, stamp }` (bin/compiled.cjs's
 * build output and bundles). Everything else compiles as it would without the cache.
 */
function installCodeCache({ root, cacheRoot, originOf }) {
  const dir = join(cacheRoot, variantOf());
  const recording = process.env[RECORD] === "record";
  installResolveCache({ root, dir, recording });
  /** Files whose text node's own .js/.cjs loader is about to pass to _compile. */
  const readByNode = new Set();
  // Node 20 loads .cjs files with the .js loader; a node that registers .cjs of its own is covered as well.
  for (const extension of [".js", ".cjs"].filter((name) => Module._extensions[name] !== undefined)) {
    const load = Module._extensions[extension];
    Module._extensions[extension] = function loadJavaScript(module, filename) {
      readByNode.add(filename);
      try {
        return load.call(this, module, filename);
      } finally {
        readByNode.delete(filename);
      }
    };
  }
  const original = Module.prototype._compile;
  const counts = { fromCache: 0, compiled: 0 };
  const compiled = [];
  let index;
  Module.prototype._compile = function compileWithCache(content, filename, format) {
    // Only files under the root: not `node -e` code ("[eval]-wrapper"), nor a module from elsewhere.
    const path = isAbsolute(filename) ? relative(root, filename).split(sep).join("/") : "../";
    if (format === "module" || path.startsWith("../")) return original.call(this, content, filename, format);
    const origin = originOf(filename) ?? (readByNode.has(filename) ? { key: path, stamp: stamp(filename) } : undefined);
    if (origin === undefined) {
      counts.compiled++;
      compiled.push(path);
      return original.call(this, content, filename, format);
    }
    const { key, stamp: current } = origin;
    index ??= readIndex(dir);
    let cachedData;
    if (index[key] === current) {
      try {
        cachedData = readFileSync(join(dir, cacheFileName(key)));
      } catch {
        // A build running right now replaced the cache under this process: compile without it.
      }
    }
    if (cachedData === undefined && !recording) {
      counts.compiled++;
      compiled.push(path);
      return original.call(this, content, filename, format);
    }
    let script;
    try {
      // The wrapper is node's own; the column offset keeps line 1's columns (and its source map) right.
      script = new vm.Script(Module.wrap(content.startsWith("#!") ? `//${content.slice(2)}` : content), {
        filename,
        cachedData,
        columnOffset: -Module.wrapper[0].length,
      });
    } catch (error) {
      // ES module syntax in a .js file, or a real syntax error: node's own path detects the one and reports the other.
      if (error instanceof SyntaxError) return original.call(this, content, filename, format);
      throw error;
    }
    const usedCache = cachedData !== undefined && script.cachedDataRejected !== true;
    counts[usedCache ? "fromCache" : "compiled"]++;
    if (!usedCache) compiled.push(path);
    if (recording && !usedCache) fresh.push({ key, stamp: current, script, data: undefined });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  if (recording) process.on("exit", () => record(dir, fresh));
  if (process.env.ORDS_JWT_DEBUG_BUILD) {
    const list = () => compiled.map((path) => `\n  ${path}`).join("");
    process.on("exit", () =>
      process.stderr.write(`code cache: ${counts.fromCache} from cache, ${counts.compiled} compiled${list()}\n`),
    );
  }
}

/** Modules compiled in this recording run whose code is not serialized yet. */
const fresh = [];

/**
 * To call just before this process changes V8's flags (bin/ords-jwt.cjs does at its first fetch): V8 writes the
 * flags of the moment into the data, and a later run loads these modules before it changes them. Modules compiled
 * after the change are serialized at exit, under the flags they load with.
 */
function beforeV8FlagsChange() {
  for (const entry of fresh) entry.data ??= entry.script.createCachedData();
}

function cacheFileName(key) {
  return `${key.replaceAll("/", "!")}.bin`;
}

/** At the end of a recording run: each new module's code as it stands now, and its stamp in the index. */
function record(dir, entries) {
  mkdirSync(dir, { recursive: true });
  const index = readIndex(dir);
  for (const { key, stamp: recorded, script, data } of entries) {
    writeAtomically(join(dir, cacheFileName(key)), data ?? script.createCachedData());
    index[key] = recorded;
  }
  writeAtomically(join(dir, INDEX), `${JSON.stringify(index, null, 1)}\n`);
}

module.exports = { installCodeCache, beforeV8FlagsChange, RECORD };
