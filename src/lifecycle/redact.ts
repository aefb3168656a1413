// Redacts known secret values from child-process output as it streams; it cannot know secrets it was not given.
// Output is held back only as long as needed to see a secret split across two chunks.

export const REDACTED = "[redacted]";
/** Output held back for this long is written out, so a prompt without a newline still shows. */
const IDLE_FLUSH_MS = 50;
/** Values this short would redact ordinary words; no real secret is this short. */
const MIN_SECRET_LENGTH = 6;

/** The forms a secret can take in terraform output: as is, and escaped inside a JSON or HCL string. */
function formsOf(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, escaped])];
}

export function secretForms(secrets: Iterable<string>): string[] {
  const forms = [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH).flatMap(formsOf);
  // Longest first, so a secret that contains another is replaced whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

export function redactText(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  return out;
}

/** Feeds chunks in, writes redacted text out; call end() when the stream closes. */
export class StreamRedactor {
  private readonly forms: readonly string[];
  private readonly holdBack: number;
  private pending = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    secrets: Iterable<string>,
    private readonly write: (text: string) => void,
  ) {
    this.forms = secretForms(secrets);
    this.holdBack = Math.max(0, ...this.forms.map((form) => form.length - 1));
  }

  push(chunk: string): void {
    const text = redactText(this.pending + chunk, this.forms);
    // The last holdBack characters may be the start of a secret that the next chunk completes.
    const cut = Math.max(0, text.length - this.holdBack);
    this.pending = text.slice(cut);
    if (cut > 0) this.write(text.slice(0, cut));
    this.schedule();
  }

  end(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending !== "") this.write(redactText(this.pending, this.forms));
    this.pending = "";
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = this.pending === "" ? undefined : setTimeout(() => this.end(), IDLE_FLUSH_MS);
    this.timer?.unref();
  }
}
