// The provider's one-off TLS identity for go-plugin AutoMTLS: a self-signed ECDSA P-256 certificate built with
// node:crypto and a minimal DER writer. It is not a general X.509 library (only the fields go-plugin checks).
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

/** DER: tag, definite length, content. */
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content]);
}

const sequence = (...parts: Buffer[]): Buffer => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => der(0x31, Buffer.concat(parts));
const octetString = (content: Buffer): Buffer => der(0x04, content);
const bitString = (content: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8String = (text: string): Buffer => der(0x0c, Buffer.from(text, "utf8"));
const explicit = (tagNumber: number, content: Buffer): Buffer => der(0xa0 | tagNumber, content);

function integer(value: Buffer): Buffer {
  // A positive INTEGER: strip leading zeros, then add one back if the top bit would make it negative.
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  return der(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-30T05:00:00.000Z → 261130050000Z
  const text =
    `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}` +
    `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, "ascii"));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), octetString(value));
}

export interface PluginCertificate {
  /** PEM of the certificate, for grpc's key/cert pair. */
  readonly certPem: string;
  /** PEM (PKCS#8) of the private key. */
  readonly keyPem: string;
  /** The certificate's DER, base64 without `=` padding: the last field of the go-plugin handshake line. */
  readonly handshakeCert: string;
}

/**
 * go-plugin's client trusts only the handshake certificate, verifies it with ServerName "localhost", and the same
 * certificate is the CA of itself; so: SAN DNS:localhost, CA:TRUE, EKU serverAuth + clientAuth (facts.md §6).
 */
export function pluginCertificate(now = new Date()): PluginCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));
  const name = sequence(set(sequence(oid("2.5.4.3"), utf8String("localhost"))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const notBefore = new Date(now.getTime() - 30_000);
  const notAfter = new Date(now.getTime() + 24 * 3600_000);
  const extensions = sequence(
    extension("2.5.29.19", true, sequence(der(0x01, Buffer.from([0xff])))),
    // digitalSignature, keyEncipherment, keyAgreement, keyCertSign (bits 0, 2, 4, 5): 1010 1100, 2 unused bits.
    extension("2.5.29.15", true, der(0x03, Buffer.from([0x02, 0xac]))),
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))),
    extension("2.5.29.17", false, sequence(der(0x82, Buffer.from("localhost", "ascii")))),
  );
  const spki = publicKey.export({ type: "spki", format: "der" });
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(notBefore), utcTime(notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const certificate = sequence(tbs, ecdsaWithSha256, bitString(signature));
  const base64 = certificate.toString("base64");
  return {
    certPem:
      `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ` +
      `CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    handshakeCert: base64.replace(/=+$/, ""),
  };
}
