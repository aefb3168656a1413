// Starts the IAM twin: the control-plane listener and one listener per identity domain (its own loopback port, so
// a domain URL is a bare origin like a real one), all HTTPS with the twin's CA, all reading one state file. It
// records where it runs in runtime.json. Route logic lives in the route modules; this file only wires and binds.
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadOrCreateTwinTls, type TwinTls } from "../ca";
import { readRuntime, updateRuntime } from "../runtime";
import { controlPlaneRoutes } from "./control-plane";
import { domainUrl, newDomain, newSigningKey, nextDeadline, settle } from "./domains";
import { createDispatcher, ociError, type RouteModule, scimError, type TwinResponse } from "./http";
import { oauthRoutes } from "./oauth";
import { createApiIdentity } from "./oci-signature";
import { scimRoutes } from "./scim";
import { StateStore } from "./store";

export interface IamTwinOptions {
  /** The twin directory: CA, state, OCI config and runtime.json live here. */
  readonly dir: string;
  /** `iss` of every token (facts.md §1: Unsettled, slash by default). @default "https://identity.oraclecloud.com/" */
  readonly issuer?: string;
  /** How long a domain create/activate/deactivate/delete runs before its work request succeeds. @default 250 */
  readonly operationDelayMs?: number;
  /** The control plane's port; 0 picks a free one. @default the port of the previous run, else 0 */
  readonly port?: number;
  /** The region written to the OCI config file. @default "us-ashburn-1" */
  readonly region?: string;
  /** Where listener failures are reported. @default stderr */
  readonly log?: (line: string) => void;
}

export interface IamTwin {
  /** The Identity API base: the SDK's IdentityClient takes it as `endpoint` and appends `/20160918`. */
  readonly controlPlaneUrl: string;
  readonly caFile: string;
  readonly ociConfigFile: string;
  readonly dir: string;
  /** The Default domain's URL (compartment = the tenancy, facts.md §1). */
  readonly defaultDomainUrl: string;
  readonly tenancyId: string;
  stop(): Promise<void>;
}

export const DEFAULT_ISSUER = "https://identity.oraclecloud.com/";

/** Listens on 127.0.0.1 with the twin's certificate; the handler is set once the port is known. */
async function listen(
  tls: TwinTls,
  port: number,
  modules: (port: number) => RouteModule[],
  notFound: () => TwinResponse,
  log: (line: string) => void,
) {
  let dispatch: ReturnType<typeof createDispatcher> | undefined;
  const server = createServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, (request, response) => {
    if (dispatch) dispatch(request, response);
    else response.writeHead(503).end();
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const bound = (server.address() as AddressInfo).port;
  dispatch = createDispatcher(modules(bound), notFound, (error) =>
    log(`twin: request failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  return { server, port: bound };
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startIamTwin(options: IamTwinOptions): Promise<IamTwin> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const previous = readRuntime(options.dir)?.iam;
  if (previous && previous.pid !== process.pid && isRunning(previous.pid)) {
    throw new Error(`an IAM twin already runs for ${options.dir} (pid ${previous.pid}, ${previous.controlPlaneUrl})`);
  }
  const tls = loadOrCreateTwinTls(options.dir);
  const store = new StateStore(options.dir);
  const operationDelayMs = options.operationDelayMs ?? 250;
  const domainServers = new Map<number, Server>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const domainModules = (port: number): RouteModule[] => {
    const context = { store, port, changed };
    return [scimRoutes(context), oauthRoutes({ ...context, issuer: () => store.read().issuer })];
  };
  const openDomainEndpoint = async (port = 0): Promise<number> => {
    const opened = await listen(tls, port, domainModules, () => scimError(404, "Not found"), log);
    domainServers.set(opened.port, opened.server);
    return opened.port;
  };

  /** Finishes due state changes, closes the listeners of deleted domains and arms the timer for the next one. */
  function changed(): void {
    if (stopped) return;
    const state = store.update((current) => {
      settle(current);
      return current;
    });
    const live = new Set(Object.values(state.domains).map((domain) => domain.port));
    for (const [port, server] of domainServers) {
      if (!live.has(port)) {
        domainServers.delete(port);
        void close(server);
      }
    }
    if (timer) clearTimeout(timer);
    const deadline = nextDeadline(state);
    timer = deadline === undefined ? undefined : setTimeout(changed, Math.max(0, deadline - Date.now()) + 5);
  }

  let ociConfigFile = join(options.dir, "oci", "config");
  if (!store.exists() || !existsSync(ociConfigFile)) {
    const region = options.region ?? "us-ashburn-1";
    const identity = createApiIdentity(options.dir, region);
    ociConfigFile = identity.configFile;
    const port = await openDomainEndpoint();
    // The tenancy's Default domain: it exists from the start and can never be deactivated (facts.md §1). Its
    // license type is the twin's choice.
    const fallback = newDomain(
      {
        compartmentId: identity.tenancyId,
        displayName: "Default",
        description: "Default identity domain",
        homeRegion: region,
        licenseType: "free",
        type: "DEFAULT",
      },
      port,
      await newSigningKey(),
      identity.tenancyId,
      region,
    );
    fallback.lifecycleState = "ACTIVE";
    const { configFile: _configFile, ...rest } = identity;
    // A fresh state: an old file without its OCI config would hold a key nobody has any more.
    store.reset({
      version: 1,
      ...rest,
      issuer: options.issuer ?? DEFAULT_ISSUER,
      domains: { [fallback.id]: fallback },
      workRequests: {},
    });
  }
  const initial = store.update((state) => {
    if (options.issuer !== undefined) state.issuer = options.issuer;
    return state;
  });
  // Re-bind every recorded domain port, so the URLs in terraform state stay valid across restarts.
  for (const domain of Object.values(initial.domains)) {
    if (domainServers.has(domain.port)) continue;
    try {
      await openDomainEndpoint(domain.port);
    } catch (error) {
      await Promise.all([...domainServers.values()].map(close));
      throw new Error(`cannot bind the port of domain ${domain.displayName} (${domainUrl(domain)})`, { cause: error });
    }
  }
  // One key is made ahead, so a domain create waits for the port, not for an RSA key generation.
  let spareKey = newSigningKey();
  const signingKey = () => {
    const next = spareKey;
    spareKey = newSigningKey();
    return next;
  };
  const control = await listen(
    tls,
    options.port ?? initial.controlPlanePort ?? 0,
    () => [controlPlaneRoutes({ store, operationDelayMs, signingKey, openDomainEndpoint, changed })],
    () => ociError(404, "NotAuthorizedOrNotFound", "The twin serves no such Identity API path"),
    log,
  );
  store.update((state) => {
    state.controlPlanePort = control.port;
  });
  changed();
  const controlPlaneUrl = `https://127.0.0.1:${control.port}`;
  updateRuntime(options.dir, {
    iam: { controlPlaneUrl, pid: process.pid },
    caFile: tls.caFile,
    ociConfigFile,
  });
  const defaultDomain = Object.values(initial.domains).find((domain) => domain.type === "DEFAULT");
  return {
    controlPlaneUrl,
    caFile: tls.caFile,
    ociConfigFile,
    dir: options.dir,
    defaultDomainUrl: defaultDomain ? domainUrl(defaultDomain) : "",
    tenancyId: initial.tenancyId,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.all([control.server, ...domainServers.values()].map(close));
      domainServers.clear();
      const runtime = readRuntime(options.dir);
      if (runtime?.iam?.pid === process.pid) updateRuntime(options.dir, { iam: undefined });
    },
  };
}
