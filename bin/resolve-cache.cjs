// Where each package require resolved to, recorded with the code cache (bin/code-cache.cjs) and only read after.
// Node resolves a package by walking node_modules folders and reading package.json files (their "exports" too) for
// every require; for the few hundred modules a plan loads that walk was about a tenth of its time.
//
// Only requests that depend on installed packages alone are recorded: a package name from anywhere under the
// root, and a relative path from inside node_modules. An answer is used only while it still holds: the file it
// names has the size and mtime it had (npm writes every file of a package it installs), and no node_modules/<name>
// folder has appeared nearer the requiring file than the one it was found in. Otherwise node resolves as usual.
"use strict";
const Module = require("node:module");
const { existsSync, mkdirSync } = require("node:fs");
const { dirname, isAbsolute, join, relative, sep } = require("node:path");

const { readJsonObject, stampIfAny, writeAtomically } = require("./cache-files.cjs");

const FILE = "resolutions.json";

/** The package name a bare request names ("@scope/name" or "name"), or undefined for a path or a builtin. */
function packageOf(request) {
  if (request.startsWith(".") || isAbsolute(request) || Module.isBuiltin(request)) return undefined;
  const parts = request.split("/");
  return request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The node_modules/<name> folders node would look in before `found`, from `from` upwards, that do not exist. */
function nearerFolders(from, name, found) {
  const folders = [];
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (found === candidate || found.startsWith(`${candidate}${sep}`)) return folders;
    if (!existsSync(candidate)) folders.push(candidate);
    if (dirname(dir) === dir) return undefined; // never reached where it was found: not a plain node_modules lookup
  }
}

/**
 * Answers Module._resolveFilename from `dir`/resolutions.json where an answer still holds; with `recording`, writes
 * what this process resolved there as it exits.
 */
function installResolveCache({ root, dir, recording }) {
  const insideRoot = (file) => !relative(root, file).startsWith("..") && !isAbsolute(relative(root, file));
  const modules = join(root, "node_modules") + sep;
  let answers;
  const fresh = {};
  const counts = { fromCache: 0, resolved: 0 };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveWithCache(request, parent, isMain, options) {
    const from = parent?.filename;
    const name = packageOf(request);
    const cacheable =
      options === undefined &&
      typeof from === "string" &&
      isAbsolute(from) &&
      insideRoot(from) &&
      (name !== undefined || (request.startsWith(".") && from.startsWith(modules)));
    if (!cacheable) return resolve.call(this, request, parent, isMain, options);
    const key = `${relative(root, dirname(from))}\0${request}`;
    answers ??= readJsonObject(join(dir, FILE));
    const answer = answers[key];
    if (answer !== undefined) {
      const target = join(root, answer.target);
      const holds =
        stampIfAny(target) === answer.stamp && answer.absent.every((folder) => !existsSync(join(root, folder)));
      if (holds) {
        counts.fromCache++;
        return target;
      }
    }
    counts.resolved++;
    const target = resolve.call(this, request, parent, isMain, options);
    if (recording && isAbsolute(target) && insideRoot(target)) {
      const absent = name === undefined ? [] : nearerFolders(dirname(from), name, target);
      const stamp = stampIfAny(target);
      if (absent !== undefined && stamp !== undefined) {
        fresh[key] = { target: relative(root, target), stamp, absent: absent.map((folder) => relative(root, folder)) };
      }
    }
    return target;
  };
  if (process.env.ORDS_JWT_DEBUG_BUILD) {
    process.on("exit", () =>
      process.stderr.write(`resolutions: ${counts.fromCache} from cache, ${counts.resolved} resolved\n`),
    );
  }
  if (recording) {
    process.on("exit", () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, FILE);
      writeAtomically(file, `${JSON.stringify({ ...readJsonObject(file), ...fresh }, null, 1)}\n`);
    });
  }
}

module.exports = { installResolveCache };
