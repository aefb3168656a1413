// The redactor and the state reader behind every terraform run's output: secrets split across chunks, escaped
// forms, and the OCI client_secret that the provider does not mark sensitive.
import { REDACTED, StreamRedactor } from "../src/lifecycle/redact";
import { ordsTeardownHookInState, secretsInState } from "../src/lifecycle/state-secrets";
import { sentinelSecret } from "./support/sentinel";

function through(secrets: string[], chunks: string[]): string {
  const out: string[] = [];
  const redactor = new StreamRedactor(secrets, (text) => out.push(text));
  for (const chunk of chunks) redactor.push(chunk);
  redactor.end();
  return out.join("");
}

test("a secret split across two chunks is still replaced", () => {
  const secret = sentinelSecret("client-secret");
  const text = through([secret], [`before ${secret.slice(0, 9)}`, `${secret.slice(9)} after\n`]);
  expect(text).toBe(`before ${REDACTED} after\n`);
});

test("a secret with quotes is replaced in its JSON-escaped form too", () => {
  const secret = `pa"ss${sentinelSecret("x")}`;
  expect(through([secret], [`{"password":${JSON.stringify(secret)}}`])).toBe(`{"password":"${REDACTED}"}`);
});

test("text without secrets passes unchanged, including a prompt without a newline", () => {
  expect(through([sentinelSecret("s")], ["Enter a value: "])).toBe("Enter a value: ");
});

test("reads the app's client_secret, sensitive outputs and sensitive attributes from a state", () => {
  const clientSecret = sentinelSecret("client-secret");
  const password = sentinelSecret("password");
  const output = sentinelSecret("output");
  const state = {
    version: 4,
    outputs: { client_secret: { value: output, type: "string", sensitive: true }, issuer: { value: "https://x/" } },
    resources: [
      {
        mode: "managed",
        type: "oci_identity_domains_app",
        name: "identity_app_1234ABCD",
        instances: [{ attributes: { name: "client-id", client_secret: clientSecret }, sensitive_attributes: [] }],
      },
      {
        mode: "managed",
        type: "something_else",
        name: "x",
        instances: [
          {
            attributes: { password, visible: "plain" },
            sensitive_attributes: [[{ type: "get_attr", value: "password" }]],
          },
        ],
      },
    ],
  };
  const found = secretsInState(JSON.stringify(state)).map((secret) => secret.reveal());
  expect(found.sort()).toEqual([clientSecret, output, password].sort());
});

test("an empty or unreadable state holds no secrets and no hook", () => {
  expect(secretsInState("")).toEqual([]);
  expect(secretsInState("not json")).toEqual([]);
  expect(ordsTeardownHookInState("")).toBeUndefined();
});

test("finds the ORDS teardown hook in a state", () => {
  const state = {
    resources: [{ mode: "managed", type: "terraform_data", name: "ords_teardown_0A1B2C3D", instances: [] }],
  };
  expect(ordsTeardownHookInState(JSON.stringify(state))).toBe("terraform_data.ords_teardown_0A1B2C3D");
});
