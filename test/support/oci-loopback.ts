// A loopback HTTP server that answers OCI REST calls by "METHOD path" and records them, and an OCI config file
// with a fresh API key, so Oracle's SDK signs real requests against it (no SDK mocking).
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
export const USER = "ocid1.user.oc1..aaaaaaaatestuser";

export interface Seen {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A loopback server answering by "METHOD path"; every request is recorded. */
export class OciLoopback {
  readonly seen: Seen[] = [];
  answers = new Map<string, Answer[]>();
  private server: Server | undefined;
  url = "";

  /** Answers in turn; the last one repeats. Unknown requests get 404. */
  answer(key: string, ...answers: Answer[]): void {
    this.answers.set(key, answers);
  }

  async start(): Promise<void> {
    const server = createServer((request: IncomingMessage, response) => {
      let text = "";
      request.on("data", (chunk) => (text += chunk));
      request.on("end", () => {
        const path = (request.url ?? "").split("?")[0] ?? "";
        this.seen.push({
          method: request.method ?? "",
          path,
          body: text === "" ? undefined : JSON.parse(text),
          authorization: request.headers.authorization,
        });
        const queue = this.answers.get(`${request.method} ${path}`) ?? [];
        const answer = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 404, body: { code: "NotFound" } };
        response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        response.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

/** Writes an OCI config file (profile DEFAULT) with a new RSA API key; returns its path and the key fingerprint. */
export function writeOciConfig(): { file: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), "oci-config-"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  const fingerprint = (createHash("md5").update(der).digest("hex").match(/../g) ?? []).join(":");
  writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const file = join(dir, "config");
  writeFileSync(
    file,
    `[DEFAULT]\nuser=${USER}\nfingerprint=${fingerprint}\ntenancy=${TENANCY}\n` +
      `region=eu-frankfurt-1\nkey_file=${join(dir, "key.pem")}\n`,
  );
  return { file, fingerprint };
}

/** The Authorization header Oracle's SDK sends for an API key. */
export function signaturePattern(fingerprint: string): RegExp {
  return new RegExp(`^Signature version="1",keyId="${TENANCY}/${USER}/${fingerprint}",algorithm="rsa-sha256"`);
}
