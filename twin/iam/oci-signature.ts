// OCI API keys for the twin: it makes up a tenancy, a user and an API key, writes the OCI config file that the SDK,
// the kit and the twin provider read, and verifies OCI HTTP request signatures with real crypto. It knows no
// other credential type (no session tokens, no instance principals).
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../ca";
import type { TwinRequest } from "./http";

export interface ApiIdentity {
  readonly tenancyId: string;
  readonly userId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly region: string;
}

/** A made-up OCID in OCI's layout `ocid1.<type>.<realm>.[region].<unique>`. */
export function ocid(type: string, region = ""): string {
  return `ocid1.${type}.oc1.${region}.aaaaaaaa${randomBytes(26).toString("hex").slice(0, 52)}`;
}

/**
 * OCI's key fingerprint: MD5 of the DER public key, colon-separated (the OCI docs' "How to Get the Key's Fingerprint":
 * `openssl rsa -pubout -outform DER … | openssl md5 -c`).
 */
export function fingerprintOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return (createHash("md5").update(der).digest("hex").match(/../g) ?? []).join(":");
}

/**
 * Generates the API key pair, writes `<dir>/oci/key.pem` and `<dir>/oci/config` (the OCI CLI/SDK config file format:
 * user, fingerprint, tenancy, region, key_file), and returns the identity the twin accepts.
 */
export function createApiIdentity(dir: string, region: string): ApiIdentity & { readonly configFile: string } {
  const folder = join(dir, "oci");
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // OCI API signing keys are RSA, 2048 bits minimum (OCI docs, "Required Keys and OCIDs").
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyFile = join(folder, "key.pem");
  writeFileAtomic(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }) as string, true);
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const identity = {
    tenancyId: ocid("tenancy"),
    userId: ocid("user"),
    fingerprint: fingerprintOf(publicKeyPem),
    publicKeyPem,
    region,
  };
  const configFile = join(folder, "config");
  writeFileAtomic(
    configFile,
    [
      "[DEFAULT]",
      `user=${identity.userId}`,
      `fingerprint=${identity.fingerprint}`,
      `tenancy=${identity.tenancyId}`,
      `region=${region}`,
      `key_file=${keyFile}`,
      "",
    ].join("\n"),
    true,
  );
  return { ...identity, configFile };
}

/** The headers OCI requires in the signature (OCI docs, "Request Signatures", "Required Headers"). */
const ALWAYS_SIGNED = ["(request-target)", "host"];
const BODY_SIGNED = ["content-length", "content-type", "x-content-sha256"];
/** OCI refuses a request whose date is more than five minutes off ("Request Signatures": clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function parseSignature(header: string): Record<string, string> | undefined {
  if (!header.startsWith("Signature ")) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice("Signature ".length).matchAll(/([a-zA-Z]+)="([^"]*)"/g)) {
    fields[match[1] as string] = match[2] as string;
  }
  return fields;
}

/**
 * Verifies an OCI request signature (draft-cavage-http-signatures as OCI profiles it: `version="1"`, keyId
 * `<tenancy>/<user>/<fingerprint>`, rsa-sha256, and the required header list), including the body hash.
 */
export function verifyOciSignature(request: TwinRequest, identity: ApiIdentity): SignatureCheck {
  const fields = parseSignature(String(request.headers.authorization ?? ""));
  if (!fields) return { ok: false, reason: "no OCI request signature (Authorization: Signature …)" };
  if (fields.version !== "1") return { ok: false, reason: 'signature version is not "1"' };
  const keyId = `${identity.tenancyId}/${identity.userId}/${identity.fingerprint}`;
  if (fields.keyId !== keyId) return { ok: false, reason: "unknown keyId" };
  if (fields.algorithm !== "rsa-sha256") return { ok: false, reason: "algorithm is not rsa-sha256" };
  const signed = (fields.headers ?? "").toLowerCase().split(" ").filter(Boolean);
  const hasBody = ["POST", "PUT", "PATCH"].includes(request.method);
  const required = [...ALWAYS_SIGNED, ...(hasBody ? BODY_SIGNED : [])];
  const missing = required.filter((name) => !signed.includes(name));
  if (!signed.includes("date") && !signed.includes("x-date")) missing.push("date or x-date");
  if (missing.length > 0) return { ok: false, reason: `headers not signed: ${missing.join(", ")}` };
  const dateHeader = request.headers["x-date"] ?? request.headers.date;
  const date = Date.parse(String(dateHeader ?? ""));
  if (Number.isNaN(date) || Math.abs(Date.now() - date) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: "date missing or more than five minutes off" };
  }
  if (hasBody) {
    const digest = createHash("sha256").update(request.body).digest("base64");
    if (request.headers["x-content-sha256"] !== digest) return { ok: false, reason: "x-content-sha256 does not match" };
    if (Number(request.headers["content-length"]) !== request.body.length) {
      return { ok: false, reason: "content-length does not match" };
    }
  }
  const lines: string[] = [];
  for (const name of signed) {
    if (name === "(request-target)") {
      lines.push(`(request-target): ${request.method.toLowerCase()} ${request.target}`);
      continue;
    }
    const value = request.headers[name];
    if (value === undefined) return { ok: false, reason: `signed header ${name} is absent` };
    lines.push(`${name}: ${Array.isArray(value) ? value.join(", ") : value}`);
  }
  const good = verify(
    "sha256",
    Buffer.from(lines.join("\n")),
    identity.publicKeyPem,
    Buffer.from(fields.signature ?? "", "base64"),
  );
  return good ? { ok: true } : { ok: false, reason: "signature does not verify" };
}
