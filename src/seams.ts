// The one place that resolves which seams an environment uses: the real cloud's (nothing to change), or the twin's
// (twin/README.md): terraform's oracle/oci provider, the OCI endpoints and config file, the CA, the database
// connector and the ORDS origin. It starts nothing; a twin environment needs a running twin (npm start starts one).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Environment } from "./config/load";
import { KitError } from "./errors";
import { nodeOptionsWith } from "./node-options";
import type { Connector } from "./ords/db";

/** Names the twin directory for every child; twin/runtime.ts reads the same variable. */
export const TWIN_DIR_ENV = "ORDS_JWT_TWIN_DIR";
/** The twin directory when ORDS_JWT_TWIN_DIR is unset, relative to the working directory (git ignores it). */
export const DEFAULT_TWIN_DIR = ".twin";

/** The preload that makes a child's `require("oracledb")` answer from the ORDS twin (twin/ords/register.cjs). */
const ORDS_TWIN_PRELOAD = resolve(__dirname, "..", "twin", "ords", "register.cjs");

export interface Seams {
  readonly target: "cloud" | "twin";
  /**
   * Added to the environment of every child the kit starts (cdktf, terraform and through them the provider, the
   * `ords-jwt oci` provisioners and the ORDS hook). Empty for the cloud. Computed on call: it installs the twin
   * provider's mirror.
   */
  childEnv(): Record<string, string>;
  /**
   * Added to `cdktf deploy|destroy`. For the twin, --skip-provider-lock: after init, cdktf would run `terraform
   * providers lock`, which asks the registry for oracle/oci's hashes even though the twin's mirror provides it.
   */
  readonly cdktfFlags: readonly string[];
  /** The ORDS step's database connector; undefined means node-oracledb. */
  readonly connector: Connector | undefined;
  /** The schema's ORDS base URL: the configured one, on the twin's origin for a twin environment. */
  readonly ordsBaseUrl: string | undefined;
  /** The CA file the kit's own HTTPS calls must trust (NODE_EXTRA_CA_CERTS); undefined for the cloud. */
  readonly caFile: string | undefined;
}

const CLOUD: Omit<Seams, "ordsBaseUrl"> = {
  target: "cloud",
  cdktfFlags: [],
  childEnv: () => ({}),
  connector: undefined,
  caFile: undefined,
};

const installed = new Map<string, { readonly env: Record<string, string> }>();

/** The twin directory: `$ORDS_JWT_TWIN_DIR`, else `.twin` in the working directory. */
export function twinDirOf(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[TWIN_DIR_ENV];
  return resolve(configured !== undefined && configured !== "" ? configured : DEFAULT_TWIN_DIR);
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface TwinRuntimeView {
  readonly controlPlaneUrl: string;
  readonly caFile: string;
  readonly ociConfigFile: string;
  readonly ordsOrigin: string | undefined;
}

/** What runtime.json says about the running twin; TWIN_NOT_RUNNING when the IAM twin is not up. */
function runningTwin(dir: string): TwinRuntimeView {
  const { readRuntime } = require("../twin/runtime") as typeof import("../twin/runtime");
  const runtime = readRuntime(dir);
  const iam = runtime?.iam;
  const ords = (runtime as { ords?: { baseUrl?: unknown; pid?: unknown } } | undefined)?.ords;
  if (iam === undefined || !alive(iam.pid) || runtime?.caFile === undefined || runtime.ociConfigFile === undefined) {
    throw new KitError("TWIN_NOT_RUNNING", `This environment targets the twin, but no twin runs in ${dir}`, {
      fix:
        `Run "npm start" for the whole flow on the sandbox example, or "npm run twin -- <ords.user>" to keep the ` +
        "twins " +
        `running for your own environments (${TWIN_DIR_ENV} names another twin directory).`,
      details: { twinDir: dir },
    });
  }
  const ordsUp = typeof ords?.baseUrl === "string" && typeof ords.pid === "number" && alive(ords.pid);
  return {
    controlPlaneUrl: iam.controlPlaneUrl,
    caFile: runtime.caFile,
    ociConfigFile: runtime.ociConfigFile,
    ordsOrigin: ordsUp ? (ords?.baseUrl as string) : undefined,
  };
}

/** The configured base URL's path (`/ords/hr/`) served from the ORDS twin's origin. */
function onTwinOrigin(baseUrl: string | undefined, origin: string | undefined): string | undefined {
  if (baseUrl === undefined || origin === undefined) return baseUrl;
  return `${origin.replace(/\/+$/, "")}${new URL(baseUrl).pathname}`;
}

/**
 * The seams of one environment. For the cloud nothing changes. For the twin: every child gets TF_CLI_CONFIG_FILE
 * (the twin provider's filesystem mirror; ~/.terraformrc is never read or written), ORDS_JWT_TWIN_DIR,
 * NODE_EXTRA_CA_CERTS (the twin CA), OCI_CLI_CONFIG_FILE (the twin's OCI config, which src/oci/auth.ts passes to the
 * SDK explicitly), ORDS_JWT_OCI_IDENTITY_ENDPOINT (the twin's control plane) and the ORDS twin's oracledb preload;
 * the kit's own ORDS step connects through the twin connector; ords.baseUrl's path is served by the ORDS twin.
 */
export function seamsFor(environment: Environment | undefined, env: NodeJS.ProcessEnv = process.env): Seams {
  const ords = environment?.settings.ords;
  if (environment === undefined || environment.settings.target !== "twin")
    return { ...CLOUD, ordsBaseUrl: ords?.baseUrl };
  return twinSeams(twinDirOf(env), ords?.baseUrl, env);
}

/** The twin's seams for a twin directory (seamsFor's twin half; tests that start terraform themselves use it). */
export function twinSeams(dir: string, baseUrl?: string, env: NodeJS.ProcessEnv = process.env): Seams {
  const twin = runningTwin(dir);
  const { twinConnector } = require("../twin/ords/connector") as typeof import("../twin/ords/connector");
  return {
    target: "twin",
    cdktfFlags: ["--skip-provider-lock"],
    caFile: twin.caFile,
    connector: twinConnector({ dir }),
    ordsBaseUrl: onTwinOrigin(baseUrl, twin.ordsOrigin),
    childEnv() {
      const { installTwinProvider } = require("../twin/provider/install") as typeof import("../twin/provider/install");
      // Once per process and directory: it bundles the provider, and preflight and deploy both ask.
      const install = installed.get(dir) ?? installTwinProvider(dir);
      installed.set(dir, install);
      return {
        ...install.env,
        [TWIN_DIR_ENV]: dir,
        NODE_EXTRA_CA_CERTS: twin.caFile,
        OCI_CLI_CONFIG_FILE: twin.ociConfigFile,
        ORDS_JWT_OCI_IDENTITY_ENDPOINT: twin.controlPlaneUrl,
        NODE_OPTIONS: nodeOptionsWith(env.NODE_OPTIONS, [ORDS_TWIN_PRELOAD]),
      };
    },
  };
}

/**
 * The kit's own HTTPS calls (token, call, doctor) trust the twin CA only through NODE_EXTRA_CA_CERTS, which Node reads
 * at start-up; without it they would fail with an opaque certificate error, so say what to export instead.
 */
export function assertTrustsTwin(seams: Seams, env: NodeJS.ProcessEnv = process.env): void {
  if (seams.caFile === undefined) return;
  const extra = env.NODE_EXTRA_CA_CERTS;
  const trusted =
    extra !== undefined &&
    existsSync(extra) &&
    readFileSync(extra, "utf8").includes(readFileSync(seams.caFile, "utf8").trim());
  if (!trusted) {
    throw new KitError(
      "TWIN_NOT_RUNNING",
      "The kit does not trust the twin's CA, so it cannot call the twin over HTTPS",
      {
        fix:
          `export NODE_EXTRA_CA_CERTS=${JSON.stringify(seams.caFile)} and run the command again (npm start ` +
          "sets it).",
        details: { caFile: seams.caFile },
      },
    );
  }
}
