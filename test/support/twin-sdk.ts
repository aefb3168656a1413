// Drives twin-sdk-worker.ts from a test: spawns it with NODE_EXTRA_CA_CERTS = the twin's CA (how the kit's child
// processes trust the twin) and sends it SDK calls. One worker per test file keeps the SDK's load time paid once.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { SdkCall, SdkResult } from "./twin-sdk-worker";

export class SdkWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting = new Map<number, (result: SdkResult) => void>();
  #next = 0;
  #stderr = "";

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString("utf8");
    });
  }

  static async start(twin: { readonly caFile: string; readonly ociConfigFile: string }): Promise<SdkWorker> {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "twin-sdk-worker.ts")], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: twin.caFile, TWIN_OCI_CONFIG_FILE: twin.ociConfigFile },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const worker = new SdkWorker(child);
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`SDK worker exited (${code}): ${worker.#stderr}`)));
      lines.on("line", (line) => {
        const message = JSON.parse(line) as SdkResult | { ready: true };
        if ("ready" in message) {
          resolve();
          return;
        }
        worker.#waiting.get(message.id)?.(message);
        worker.#waiting.delete(message.id);
      });
    });
    return worker;
  }

  call(client: SdkCall["client"], endpoint: string, method: string, request: unknown): Promise<SdkResult> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.stdin.write(`${JSON.stringify({ id, client, endpoint, method, request })}\n`);
    });
  }

  /** The call's value; throws with the SDK's error when it failed. */
  async ok(client: SdkCall["client"], endpoint: string, method: string, request: unknown): Promise<any> {
    const result = await this.call(client, endpoint, method, request);
    if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result.error)}`);
    return result.value;
  }

  async stop(): Promise<void> {
    this.#child.removeAllListeners("exit");
    this.#child.stdin.end();
    if (this.#child.exitCode === null) await new Promise((resolve) => this.#child.once("exit", resolve));
  }
}
