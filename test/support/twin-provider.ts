// Test helpers for the twin provider: start it the way go-plugin does and talk tfplugin6 to it over mutual TLS.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { pluginCertificate } from "../../twin/provider/cert";
import { MAGIC_COOKIE_VALUE } from "../../twin/provider/handshake";
import { PROJECT_ROOT } from "./environments";

const PROVIDER_DIR = join(PROJECT_ROOT, "twin", "provider");

export interface RunningProvider {
  readonly child: ChildProcess;
  readonly handshake: string;
  readonly provider: grpc.Client & Record<string, any>;
  readonly controller: grpc.Client & Record<string, any>;
  readonly exited: Promise<number | null>;
}

/** Calls a unary method and resolves with its response. */
export function call<T = any>(
  client: grpc.Client & Record<string, any>,
  method: string,
  request: object = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function pemOf(handshakeCert: string): string {
  const base64 = Buffer.from(handshakeCert, "base64").toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}

/** Starts twin/provider/main.ts with go-plugin's environment and connects as Terraform would (AutoMTLS). */
export async function startProvider(env: NodeJS.ProcessEnv = {}): Promise<RunningProvider> {
  const client = pluginCertificate();
  const child = spawn(process.execPath, ["--import", "tsx", join(PROVIDER_DIR, "main.ts")], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: "5,6",
      PLUGIN_CLIENT_CERT: client.certPem,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const handshake = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`provider exited with ${code} before the handshake: ${err}`)));
  });
  const [, , network, address, , cert] = handshake.split("|");
  const definition = protoLoader.loadSync(
    [join(PROVIDER_DIR, "tfplugin6.8.proto"), join(PROVIDER_DIR, "grpc_controller.proto")],
    { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true },
  );
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const credentials = grpc.credentials.createSsl(
    Buffer.from(pemOf(cert ?? "")),
    Buffer.from(client.keyPem),
    Buffer.from(client.certPem),
  );
  const target = `${network}:${address}`;
  const options = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
  return {
    child,
    handshake,
    provider: new loaded.tfplugin6.Provider(target, credentials, options),
    controller: new loaded.plugin.GRPCController(target, credentials, options),
    exited,
  };
}
