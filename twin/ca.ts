// The twin's certificate authority: an ECDSA P-256 CA and loopback server certificates, DER-encoded by hand with
// node:crypto alone (facts.md §6: Node's crypto is enough to build a certificate). It issues certificates for
// loopback use only; it has no revocation, no renewal and no path-length rules beyond "one CA, one leaf".
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

// ---- a minimal DER writer: only the types an X.509 v3 certificate needs ------------------------------------------

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const explicit = (tagNumber: number, content: Buffer): Buffer => tlv(0xa0 + tagNumber, content);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
/** A BIT STRING with `unused` trailing bits in its last byte. */
const bits = (content: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), content]));

function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === "number" ? Buffer.from([value]) : value;
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) bytes = bytes.subarray(1);
  // A leading 1 bit would make the integer negative.
  if (((bytes[0] as number) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) chunk.unshift(0x80 | (value & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime for years before 2050, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, "ascii"))
    : tlv(0x18, Buffer.from(`${iso}Z`, "ascii"));
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid(OID.organization), utf8("ords-jwt twin"))),
    set(sequence(oid(OID.commonName), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octets(value)) : sequence(oid(id), octets(value));
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  const names = hosts.map((host) => {
    if (isIP(host) === 4) return tlv(0x87, Buffer.from(host.split(".").map(Number)));
    if (isIP(host) !== 0) throw new Error(`only IPv4 literals are supported in a twin certificate: ${host}`);
    return tlv(0x82, Buffer.from(host, "ascii"));
  });
  return sequence(...names);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: "spki", format: "der" });
  // For a P-256 key the BIT STRING is the last 66 bytes (tag, length, unused-bits byte, 65-byte point).
  return createHash("sha1")
    .update(spki.subarray(spki.length - 65))
    .digest();
}

export interface CertificateRequest {
  readonly commonName: string;
  /** DNS names and IPv4 literals for subjectAltName. @default none */
  readonly hosts?: readonly string[];
  /** A CA certificate may sign others (basicConstraints CA:TRUE, keyCertSign). @default false */
  readonly isCa?: boolean;
  /** Extended key usages. @default ["serverAuth"] */
  readonly usages?: readonly ("serverAuth" | "clientAuth")[];
  /** Validity from now. @default 825 (the longest validity clients commonly accept for a leaf) */
  readonly validityDays?: number;
  /** The signer; omitted for a self-signed certificate. */
  readonly issuer?: { readonly certificatePem: string; readonly privateKeyPem: string; readonly commonName: string };
}

export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Issues an ECDSA P-256 / SHA-256 certificate with a fresh key pair. */
export function issueCertificate(request: CertificateRequest): IssuedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signerKey = request.issuer ? createPrivateKey(request.issuer.privateKeyPem) : privateKey;
  const signerPublic = request.issuer ? createPublicKey(signerKey) : publicKey;
  const issuerName = name(request.issuer?.commonName ?? request.commonName);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const keyUsage = request.isCa
    ? bits(Buffer.from([0x86]), 1) // digitalSignature, keyCertSign, cRLSign
    : bits(Buffer.from([0x80]), 7); // digitalSignature (ECDHE key agreement signs with it)
  const usages = request.usages ?? ["serverAuth"];
  const extensions = [
    extension(OID.basicConstraints, true, request.isCa ? sequence(boolean(true)) : sequence()),
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.extKeyUsage, false, sequence(...usages.map((usage) => oid(OID[usage])))),
    extension(OID.subjectKeyIdentifier, false, octets(keyIdentifier(publicKey))),
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyIdentifier(signerPublic)))),
  ];
  if (request.hosts && request.hosts.length > 0) {
    extensions.push(extension(OID.subjectAltName, false, subjectAltNames(request.hosts)));
  }
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    issuerName,
    // A minute back, so a client whose clock trails by a little still accepts the certificate.
    sequence(time(new Date(now - 60_000)), time(new Date(now + (request.validityDays ?? 825) * 86_400_000))),
    name(request.commonName),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, { key: signerKey, dsaEncoding: "der" });
  const der = sequence(tbs, algorithm, bits(signature));
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  return { certificatePem: pem("CERTIFICATE", der), privateKeyPem };
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

// ---- the twin directory's CA and server certificate ----------------------------------------------------------------

export interface TwinTls {
  /** The CA certificate file: what clients trust through NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly caPem: string;
  /** The server certificate (SANs localhost and 127.0.0.1) and its key, for every twin listener. */
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const CA_NAME = "ords-jwt twin CA";
/** Names every twin listener answers to. */
export const TWIN_HOSTS = ["localhost", "127.0.0.1"] as const;

/** Writes a file atomically (temp file + rename), private to the user when `secret`. */
export function writeFileAtomic(path: string, content: string, secret = false): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, content, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * The CA and server certificate kept in `<dir>/ca/`: created at first start, reused afterwards, so a client that
 * trusts the CA once keeps trusting restarts of the twin.
 */
export function loadOrCreateTwinTls(dir: string): TwinTls {
  const folder = join(dir, "ca");
  const files = {
    ca: join(folder, "ca.pem"),
    caKey: join(folder, "ca-key.pem"),
    server: join(folder, "server.pem"),
    serverKey: join(folder, "server-key.pem"),
  };
  if (!Object.values(files).every((file) => existsSync(file))) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const ca = issueCertificate({ commonName: CA_NAME, isCa: true, validityDays: 3650 });
    const server = issueCertificate({
      commonName: "localhost",
      hosts: TWIN_HOSTS,
      issuer: { ...ca, commonName: CA_NAME },
    });
    writeFileAtomic(files.caKey, ca.privateKeyPem, true);
    writeFileAtomic(files.serverKey, server.privateKeyPem, true);
    writeFileAtomic(files.server, server.certificatePem);
    writeFileAtomic(files.ca, ca.certificatePem);
  }
  return {
    caFile: files.ca,
    caPem: readFileSync(files.ca, "utf8"),
    certificatePem: readFileSync(files.server, "utf8"),
    privateKeyPem: readFileSync(files.serverKey, "utf8"),
  };
}
