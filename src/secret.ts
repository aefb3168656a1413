// A wrapper that keeps secrets (client secret, DB password, tokens) out of logs and JSON.
// It does not encrypt anything in memory; it only stops accidental printing.

const REDACTED = "[redacted]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The only way to read the value; grep for it when auditing where secrets go. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/** Values of the secrets made in this process; a peer that echoes one back must not get it printed. */
const knownValues = new Set<string>();
/** Shorter values would redact ordinary words; no real client secret or password is this short. */
const MIN_REDACTED_LENGTH = 4;

/**
 * Remembers a secret's value so `redactKnownSecrets` can remove it from text a peer sent back (an IdP echoing the
 * client secret in `error_description`). Tokens the kit prints on purpose (`token`) are not registered.
 */
export function neverPrinted(secret: Secret): Secret {
  const value = secret.reveal();
  if (value.length >= MIN_REDACTED_LENGTH) knownValues.add(value);
  return secret;
}

/** `text` with every registered secret value replaced by [redacted]. */
export function redactKnownSecrets(text: string): string {
  let result = text;
  for (const value of knownValues) if (result.includes(value)) result = result.split(value).join(REDACTED);
  return result;
}
