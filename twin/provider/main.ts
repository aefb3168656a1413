// Entry point Terraform starts as the oracle/oci provider binary: the go-plugin handshake over a unix socket with
// AutoMTLS, then the tfplugin6 gRPC services until Terraform calls Shutdown. It is not meant to be run by hand.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { pluginCertificate } from "./cert";
import { handshakeLine, handshakeRefusal } from "./handshake";
import { providerService } from "./provider";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadServices(): { provider: grpc.ServiceDefinition; controller: grpc.ServiceDefinition } {
  const options: protoLoader.Options = { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true };
  const definition = protoLoader.loadSync(
    [join(__dirname, "tfplugin6.8.proto"), join(__dirname, "grpc_controller.proto")],
    options,
  );
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    tfplugin6: { Provider: { service: grpc.ServiceDefinition } };
    plugin: { GRPCController: { service: grpc.ServiceDefinition } };
  };
  return { provider: loaded.tfplugin6.Provider.service, controller: loaded.plugin.GRPCController.service };
}

function main(): void {
  const refusal = handshakeRefusal(process.env);
  if (refusal) fail(refusal);
  // go-plugin hosts handle Ctrl-C themselves and then call Shutdown; a plugin that died on SIGINT would make
  // Terraform report a crashed provider.
  process.on("SIGINT", () => undefined);

  const server = new grpc.Server();
  const socket = join(
    process.env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(),
    `tf-oci-twin-${randomBytes(6).toString("hex")}.sock`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const exit = (): void => {
      rmSync(socket, { force: true });
      process.exit(0);
    };
    // Let the Shutdown answer reach Terraform first (tryShutdown waits for calls in flight), but never hang.
    server.tryShutdown(exit);
    setTimeout(() => {
      server.forceShutdown();
      exit();
    }, 2000);
  };
  const { provider, controller } = loadServices();
  server.addService(
    provider,
    providerService(() => undefined),
  );
  server.addService(controller, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      callback(null, {});
      stop();
    },
  });

  // AutoMTLS: Terraform sends its client certificate and trusts only the one in our handshake line (facts.md §6).
  const clientCert = process.env.PLUGIN_CLIENT_CERT;
  const identity = clientCert ? pluginCertificate() : undefined;
  const credentials =
    clientCert && identity
      ? grpc.ServerCredentials.createSsl(
          Buffer.from(clientCert),
          [{ private_key: Buffer.from(identity.keyPem), cert_chain: Buffer.from(identity.certPem) }],
          true,
        )
      : grpc.ServerCredentials.createInsecure();
  server.bindAsync(`unix:${socket}`, credentials, (error) => {
    if (error) fail(`The twin provider could not listen on ${socket}: ${error.message}`);
    process.stdout.write(handshakeLine(socket, identity?.handshakeCert));
  });
  process.on("exit", () => rmSync(socket, { force: true }));
}

main();
