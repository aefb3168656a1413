// Where environment files live when no --environments-dir is given: ORDS_JWT_ENVIRONMENTS_DIR, else `environments`.
// A separate module without zod, so the CLI's start-up can read it; deploy and teardown pass it to their children.

/** Set by deploy and teardown for cdktf's app (main.ts) and the ORDS hook, so a flag-given directory reaches them. */
export const ENVIRONMENTS_DIR_ENV = "ORDS_JWT_ENVIRONMENTS_DIR";

export function environmentsDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[ENVIRONMENTS_DIR_ENV];
  return dir === undefined || dir === "" ? "environments" : dir;
}
