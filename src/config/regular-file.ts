// Reads a small text file the user names (an environment file, --token-file): regular files only, size-capped, UTF-8.
// It never blocks on a FIFO or a device and never grows without bound; it does not parse what it reads.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";

/** Why a file could not be read; the message is a reason, never the file's contents. */
export class FileReadProblem extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "FileReadProblem";
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function decode(bytes: Buffer): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    // A byte-order mark some editors write is not part of the content.
    return text.startsWith("\ufeff") ? text.slice(1) : text;
  } catch {
    throw new FileReadProblem("is not UTF-8 text: save it as UTF-8");
  }
}

/** Reads at most maxBytes + 1 bytes from an open descriptor; more than maxBytes is an error. */
function readCapped(fd: number, maxBytes: number, what: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    let count: number;
    try {
      count = readSync(fd, buffer, 0, Math.min(buffer.length, maxBytes + 1 - total), null);
    } catch (error) {
      // A non-blocking stdin that has nothing yet: wait briefly instead of spinning.
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw new FileReadProblem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
    total += count;
    if (total > maxBytes) throw new FileReadProblem(`is larger than ${maxBytes} bytes, the limit for ${what}`);
  }
  return Buffer.concat(chunks);
}

/**
 * The text of `file`, which must be a regular file of at most `maxBytes` bytes. `what` names the limit in messages
 * ("an environment file"). A FIFO would block the read forever and /dev/zero never ends, so both are refused
 * before they are opened, and again on the open descriptor in case the path changed in between.
 */
export function readRegularTextFile(file: string, maxBytes: number, what: string): string {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new FileReadProblem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (!stats.isFile()) throw new FileReadProblem(`is ${kindOf(stats)}; only regular files are read`);
  if (stats.size > maxBytes) throw new FileReadProblem(`is larger than ${maxBytes} bytes, the limit for ${what}`);
  let fd: number;
  try {
    // O_NONBLOCK: if a FIFO took the file's place since the check, opening it does not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new FileReadProblem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw new FileReadProblem(`is ${kindOf(opened)}; only regular files are read`);
    return decode(readCapped(fd, maxBytes, what));
  } finally {
    closeSync(fd);
  }
}

/** Standard input (`-`), which may be a pipe: read to its end, but never more than `maxBytes`. */
export function readStdinText(maxBytes: number, what: string): string {
  return decode(readCapped(0, maxBytes, what));
}
