// ORDS step benchmark: round trips per apply/teardown counted at the OrdsDb interface (against the test suite's
// ORDS model), and the readiness gate's overhead over a bare fetch of a loopback JWKS. Reports; never asserts.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseEnvironment } from "../src/config/load";
import { openConnection } from "../src/ords/connect";
import { waitForJwks } from "../src/ords/readiness";
import { type OrdsCommand, runOrds } from "../src/ords/runner";
import { ordsSpecFor } from "../src/ords/spec";
import { exampleJson } from "../test/support/environments";
import { emptyModel, FakeOrdsDatabase } from "../test/support/fake-ords-db";
import { median, ms, timeRuns } from "./stats";

const JWK_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
const JWKS = JSON.stringify({
  keys: [{ kty: "RSA", kid: "SIGNING_KEY", n: "0vx7agoebGcQSuu", e: "AQAB", use: "sig" }],
});

async function roundTrips(): Promise<string[]> {
  const json = exampleJson();
  json.ords.privilege.roles = ["Demo Reader"];
  const { environment } = parseEnvironment("bench", "bench.json", json);
  if (environment === undefined) throw new Error("bench environment is invalid");
  const spec = ordsSpecFor(environment, { jwkUrl: JWK_URL });
  const fake = new FakeOrdsDatabase(emptyModel());
  const run = (command: OrdsCommand) =>
    runOrds(command, spec, {
      connect: () =>
        openConnection(spec.connection, {
          connector: fake.connector,
          env: { ORDS_DB_PASSWORD: "bench" },
          prompt: false,
        }),
      waitForJwks: async (url) => ({ url, attempts: 1, elapsedMs: 0, keys: 1, bytes: JWKS.length, warnings: [] }),
    });
  const line = (label: string, trips: { reads: number; writes: number }) =>
    `  ${label.padEnd(34)} ${trips.reads} read + ${trips.writes} write`;
  const first = await run("apply");
  const again = await run("apply");
  const teardown = await run("teardown");
  const teardownAgain = await run("teardown");
  return [
    "ORDS step round trips (counted at the OrdsDb interface; targets: apply 1 + 1, unchanged 1 + 0)",
    line("apply, empty schema", first.roundTrips),
    line("apply, nothing changed", again.roundTrips),
    line("teardown", teardown.roundTrips),
    line("teardown, nothing left", teardownAgain.roundTrips),
  ];
}

async function readinessOverhead(): Promise<string[]> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end(JWKS);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1/SigningCert/jwk`;
  try {
    const runs = 50;
    const bareFetch = async () => {
      const response = await fetch(url);
      JSON.parse(await response.text());
    };
    const gateCheck = () => waitForJwks(url, { timeoutSeconds: 5, allowInsecure: true });
    // Interleaved, so both see the same warm-up and machine noise.
    const bare: number[] = [];
    const gate: number[] = [];
    for (let round = 0; round < runs; round++) {
      bare.push(...(await timeRuns(1, bareFetch, round === 0)));
      gate.push(...(await timeRuns(1, gateCheck, round === 0)));
    }
    const overhead = median(gate) - median(bare);
    return [
      `Readiness gate against a loopback JWKS (median of ${runs}; target: overhead < 50 ms)`,
      `  bare fetch + JSON.parse             ${ms(median(bare))}`,
      `  waitForJwks (ready at once)         ${ms(median(gate))}`,
      `  overhead                            ${ms(overhead)}  ` +
        `(${(median(gate) / Math.max(median(bare), 0.001)).toFixed(2)}× a bare fetch)`,
    ];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Lines for `npm run bench`. */
export async function benchOrds(): Promise<string[]> {
  return [...(await roundTrips()), "", ...(await readinessOverhead())];
}

if (require.main === module) {
  benchOrds()
    .then((lines) => process.stdout.write(`${lines.join("\n")}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
