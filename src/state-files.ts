// The files an environment keeps in the state directory: the local backend's state (it holds the client secret)
// and the outputs deploy writes without the secret. Plain paths and modes, shared by the stacks, deploy, teardown
// and the tools, none of which needs cdktf for them.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Local state files and the outputs files live here, relative to the working directory. */
export const DEFAULT_STATE_DIR = "state";

/** `<stateDir>/<env>.tfstate`: the local backend's state file; the kit keeps it 0600. */
export function localStateFile(stateDir: string, environment: string): string {
  return join(stateDir, `${environment}.tfstate`);
}

/** `<stateDir>/<env>.outputs.json`: what deploy keeps of the outputs, without the secret (cdktf leaves it out). */
export function outputsFileFor(stateDir: string, environment: string): string {
  return join(stateDir, `${environment}.outputs.json`);
}

/** `state/` holds state files with the client secret and their backups: owner only, even if it existed before. */
export function ensurePrivateStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
}
