// NODE_OPTIONS for the node processes the kit starts (cdktf, the app it runs, the hooks terraform runs): preloads
// added once each, keeping whatever the user had there, and cdktf's memory setting kept.
import { resolve } from "node:path";

/**
 * The kit's loader (bin/register.cjs): a node child runs the kit's TypeScript from the compiled build, and every
 * module it loads, cdktf's own CLI included, from the code cache recorded for these options (bin/code-cache.cjs).
 */
export const KIT_PRELOAD = resolve(__dirname, "..", "bin", "register.cjs");

/** cdktf gives its app this only when NODE_OPTIONS is empty, and warns when NODE_OPTIONS is set without it. */
const CDKTF_MEMORY = "--max-old-space-size=4096";

/** `current` with each preload required once (a path as one double-quoted word) and cdktf's memory setting. */
export function nodeOptionsWith(current: string | undefined, preloads: readonly string[]): string {
  const given = current?.trim() ?? "";
  const memory = given.includes("--max-old-space-size") ? [] : [CDKTF_MEMORY];
  const missing = preloads.filter((preload) => !given.includes(preload));
  return [
    ...memory,
    ...(given === "" ? [] : [given]),
    ...missing.map((path) => `--require ${JSON.stringify(path)}`),
  ].join(" ");
}
