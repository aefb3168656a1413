// What the build (bin/compiled.cjs) and the caches beside it (bin/code-cache.cjs, bin/resolve-cache.cjs) share:
// a file's stamp, and JSON read leniently and written whole.
"use strict";
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");

/** A file's size and mtime: enough to notice any save, for one statSync. Throws when the file is gone. */
function stamp(file) {
  const stats = statSync(file);
  return `${stats.size}:${stats.mtimeMs}`;
}

/** The stamp, or undefined when the file is gone. */
function stampIfAny(file) {
  try {
    return stamp(file);
  } catch {
    return undefined;
  }
}

/** A JSON object from a file, or {} when it is missing or unreadable (a cache that is not there yet). */
function readJsonObject(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return {};
  }
}

/** Written beside and renamed over, so a reader never sees half a file. */
function writeAtomically(file, data) {
  const next = `${file}.${process.pid}`;
  writeFileSync(next, data);
  renameSync(next, file);
}

module.exports = { stamp, stampIfAny, readJsonObject, writeAtomically };
