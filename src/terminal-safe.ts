// Makes text that a file or a peer controls visible before it is printed: controls and bidi overrides become escapes.
// It never drops or shortens text silently (except where a caller asks for a limit), and it knows nothing of secrets.

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts CSI/OSC sequences), DEL, C1 controls
 * (U+009B is a one-character CSI), the bidi embeddings, overrides and isolates that reorder what is shown, and the
 * line and paragraph separators. Tab and newline are kept by `terminalSafe`, escaped by `visible`.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const UNSAFE_OR_LAYOUT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** The same set, for JSON text: JSON.stringify escapes C0 already, but not DEL, C1 or the bidi controls. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** True when `text` holds a character `visible` would escape. */
export function hasUnsafeCharacters(text: string): boolean {
  return new RegExp(UNSAFE_OR_LAYOUT.source).test(text);
}

function escapeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  if (character === "\n") return "\\n";
  if (character === "\r") return "\\r";
  if (character === "\t") return "\\t";
  // C0 as \x1b (as shells and editors show ESC); the rest as \u escapes, which keep JSON text valid JSON.
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * One value from a file or a peer (a key name, a kid, an error_description), for use inside a message: every
 * control, newline included, becomes an escape, and text beyond `maxLength` characters is cut with a count.
 */
export function visible(text: string, maxLength = 200): string {
  const shown = text.length > maxLength ? text.slice(0, maxLength) : text;
  const escaped = shown.replace(UNSAFE_OR_LAYOUT, escapeCharacter);
  return text.length > maxLength ? `${escaped}… (${text.length - maxLength} more characters)` : escaped;
}

/** A whole rendered message or report: lines and tabs stay, every other control becomes an escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeCharacter);
}

/** JSON text whose strings may hold DEL, C1 or bidi controls: they become \u escapes, so the value is unchanged. */
export function jsonTerminalSafe(json: string): string {
  return json.replace(
    UNSAFE_IN_JSON,
    (character) => `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}
