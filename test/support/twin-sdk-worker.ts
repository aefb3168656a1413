// A child process that runs Oracle's own SDK clients (oci-identity IdentityClient, oci-identitydomains
// IdentityDomainsClient) against the twin. It trusts the twin's CA the way the kit does, through
// NODE_EXTRA_CA_CERTS set by the parent, and takes its credentials from the OCI config file the twin wrote. It
// reads one JSON call per stdin line and writes one JSON result per stdout line; it has no logic of its own.
import { createInterface } from "node:readline";
import * as common from "oci-common";
import * as identity from "oci-identity";
import * as identitydomains from "oci-identitydomains";

export interface SdkCall {
  readonly id: number;
  /** `identity` = IdentityClient (endpoint = the control plane), `domains` = IdentityDomainsClient (= domain URL). */
  readonly client: "identity" | "domains";
  readonly endpoint: string;
  readonly method: string;
  readonly request: unknown;
}

export type SdkResult =
  | { readonly id: number; readonly ok: true; readonly value: Record<string, unknown> }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { statusCode?: number; serviceCode?: string; message: string };
    };

const configFile = process.env.TWIN_OCI_CONFIG_FILE;
if (!configFile) throw new Error("TWIN_OCI_CONFIG_FILE is not set");
const provider = new common.ConfigFileAuthenticationDetailsProvider(configFile);
// No retries: a refusal must show as the refusal, not as a retried call (the SDK retries some statuses by default).
const clientConfiguration = { retryConfiguration: common.NoRetryConfigurationDetails };
const identityClient = new identity.IdentityClient({ authenticationDetailsProvider: provider }, clientConfiguration);
const domainsClient = new identitydomains.IdentityDomainsClient(
  { authenticationDetailsProvider: provider },
  clientConfiguration,
);

async function run(call: SdkCall): Promise<SdkResult> {
  const client = call.client === "identity" ? identityClient : domainsClient;
  client.endpoint = call.endpoint;
  const method = (client as unknown as Record<string, (request: unknown) => Promise<Record<string, unknown>>>)[
    call.method
  ];
  if (typeof method !== "function") throw new Error(`no SDK method ${call.method}`);
  try {
    return { id: call.id, ok: true, value: await method.call(client, call.request) };
  } catch (error) {
    const failure = error as { statusCode?: number; serviceCode?: string; message?: string };
    return {
      id: call.id,
      ok: false,
      error: { statusCode: failure.statusCode, serviceCode: failure.serviceCode, message: String(failure.message) },
    };
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const call = JSON.parse(line) as SdkCall;
  run(call).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) =>
      process.stdout.write(`${JSON.stringify({ id: call.id, ok: false, error: { message: String(error) } })}\n`),
  );
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
