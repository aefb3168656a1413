// The IAM twin's state: one JSON file in the twin directory, read and written under a lock file, so every process
// that opens the directory sees one service and a crash never leaves half a file. It holds data, not behaviour:
// lifecycle rules live in the route modules.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../ca";

/** Domain lifecycle states as the Identity API has them (oci-identity `model/domain.d.ts`, LifecycleState). */
export const DomainLifecycleState = z.enum(["CREATING", "ACTIVE", "DELETING", "INACTIVE"]);
/** `lifecycleDetails` while a state change runs (oci-identity `model/domain.d.ts`, LifecycleDetails). */
const LifecycleDetails = z.enum(["DEACTIVATING", "ACTIVATING", "UPDATING"]);
/** Work request operations the twin runs (oci-identity `model/iam-work-request.d.ts`, OperationType). */
export const Operation = z.enum([
  "CREATE_DOMAIN",
  "UPDATE_DOMAIN",
  "ACTIVATE_DOMAIN",
  "DEACTIVATE_DOMAIN",
  "DELETE_DOMAIN",
]);
export type Operation = z.infer<typeof Operation>;

const Json = z.record(z.string(), z.unknown());
export type ScimResource = Record<string, unknown>;

const SigningKey = z.object({ kid: z.string(), privateKeyPem: z.string(), publicJwk: Json });

const Domain = z.object({
  id: z.string(),
  compartmentId: z.string(),
  displayName: z.string(),
  description: z.string(),
  homeRegion: z.string(),
  licenseType: z.string(),
  isHiddenOnLogin: z.boolean(),
  /** DEFAULT for the tenancy's Default domain, SECONDARY for every created one (oci-identity Domain.Type). */
  type: z.enum(["DEFAULT", "SECONDARY"]),
  lifecycleState: DomainLifecycleState,
  lifecycleDetails: LifecycleDetails.optional(),
  timeCreated: z.string(),
  freeformTags: z.record(z.string(), z.string()),
  definedTags: z.record(z.string(), Json),
  /** The loopback port of this domain's own endpoint: its `url` is `https://127.0.0.1:<port>`. */
  port: z.number().int().positive(),
  signingKey: SigningKey,
  /** The single Settings resource (`/admin/v1/Settings/Settings`), as SCIM JSON. */
  settings: Json,
  apps: z.record(z.string(), Json),
  users: z.record(z.string(), Json),
  /** A state change under way: it completes when a request (or the sweep timer) finds `readyAt` passed. */
  pending: z.object({ operation: Operation, workRequestId: z.string(), readyAt: z.number() }).optional(),
});
export type Domain = z.infer<typeof Domain>;

const WorkRequest = z.object({
  id: z.string(),
  operationType: Operation,
  compartmentId: z.string(),
  domainId: z.string(),
  timeAccepted: z.string(),
  readyAt: z.number(),
  /** Set when the operation could not finish; the work request then reports FAILED. */
  failed: z.boolean().default(false),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

const State = z.object({
  version: z.literal(1),
  /** The made-up tenancy and API user whose key the twin accepts (written to `<dir>/oci/config`). */
  tenancyId: z.string(),
  userId: z.string(),
  fingerprint: z.string(),
  publicKeyPem: z.string(),
  region: z.string(),
  /** The control plane's port, kept so that a restarted twin answers where it did before. */
  controlPlanePort: z.number().int().positive().optional(),
  /** `iss` of the tokens every domain issues (facts.md §1: Unsettled, configurable, slash by default). */
  issuer: z.string(),
  domains: z.record(z.string(), Domain),
  workRequests: z.record(z.string(), WorkRequest),
});
export type State = z.infer<typeof State>;

/** How long a lock file may live before it counts as left behind by a crashed process. */
const STALE_LOCK_MS = 10_000;
const LOCK_TIMEOUT_MS = 5_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The state file with a lock. Every read and update is synchronous and short, so one process never interleaves
 * two updates, and the lock file keeps other processes out while the file is rewritten.
 */
export class StateStore {
  readonly file: string;
  readonly #lock: string;

  constructor(dir: string) {
    mkdirSync(join(dir, "iam"), { recursive: true, mode: 0o700 });
    this.file = join(dir, "iam", "state.json");
    this.#lock = join(dir, "iam", "state.lock");
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  /** Replaces the whole state (a fresh twin). */
  reset(state: State): void {
    this.#locked(() => this.#write(State.parse(state)));
  }

  read(): State {
    return this.#locked(() => this.#read());
  }

  /** Runs `change` on the current state and writes the result, all under the lock. */
  update<T>(change: (state: State) => T): T {
    return this.#locked(() => {
      const text = readFileSync(this.file, "utf8");
      const state = State.parse(JSON.parse(text));
      const result = change(state);
      // Reads that change nothing (most GETs) leave the file alone.
      const next = `${JSON.stringify(state, null, 2)}\n`;
      if (next !== text) writeFileAtomic(this.file, next, true);
      return result;
    });
  }

  #read(): State {
    return State.parse(JSON.parse(readFileSync(this.file, "utf8")));
  }

  #write(state: State): void {
    // The file holds client secrets and signing keys, like the real service's store: private to the user.
    writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`, true);
  }

  #locked<T>(work: () => T): T {
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    let handle: number | undefined;
    while (handle === undefined) {
      try {
        handle = openSync(this.#lock, "wx", 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        if (this.#staleLock()) rmSync(this.#lock, { force: true });
        else if (Date.now() > deadline) throw new Error(`${this.#lock}: still locked after ${LOCK_TIMEOUT_MS} ms`);
        else Atomics.wait(sleeper, 0, 0, 5);
      }
    }
    try {
      writeSync(handle, `${process.pid} ${randomBytes(4).toString("hex")}\n`);
      return work();
    } finally {
      closeSync(handle);
      rmSync(this.#lock, { force: true });
    }
  }

  #staleLock(): boolean {
    try {
      return Date.now() - statSync(this.#lock).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;
    }
  }
}
