// Field schemas and defaults shared by the identity-provider schemas (OCI and Entra).
import { z } from "zod";

/** The loopback callback `token --user` listens on, and Postman's callback. */
export const KIT_LOOPBACK_CALLBACK = "http://127.0.0.1:8765/callback";
export const POSTMAN_CALLBACK = "https://oauth.pstmn.io/v1/callback";
export const DEFAULT_REDIRECT_URIS = [KIT_LOOPBACK_CALLBACK, POSTMAN_CALLBACK];

/**
 * Free text is one line of visible characters: no C0/C1 controls (ESC would drive the terminal that prints it, a
 * newline would forge a line of output) and no bidi or zero-width format characters (they make text read other
 * than it is). Shared by every free-text field, here and in the ORDS and Entra schemas.
 */
export const VISIBLE_TEXT = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]*$/;
export const VISIBLE_TEXT_RULE =
  "one line of visible text (no control characters such as tab, newline or ESC, no bidi overrides)";

/** Names and labels; descriptions use `text` with a larger limit. */
export const NAME_MAX = 255;
export const DESCRIPTION_MAX = 1000;

export const nonEmpty = (what: string, max = NAME_MAX) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(VISIBLE_TEXT, `${what} must be ${VISIBLE_TEXT_RULE}`);

export const description = (what: string) => nonEmpty(what, DESCRIPTION_MAX);

/**
 * The primary audience: tokens carry it as `aud`, and clients send it inside the space-separated OAuth `scope`
 * parameter, where a space would split it into two scopes.
 */
export const audience = (what: string) =>
  nonEmpty(what).regex(/^\S+$/, `${what} must not hold whitespace: it travels inside the space-separated scope`);

/** URLs: visible characters, no whitespace (the URL parser would quietly drop or encode them), a sane length. */
const urlText = (what: string) =>
  z
    .string()
    .max(2000, `${what} is longer than 2000 characters`)
    .regex(
      /^[^\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]*$/,
      `${what} must not hold whitespace or control characters`,
    );

export const httpsUrl = (what: string) =>
  urlText(what).refine((value) => {
    try {
      return new URL(value).protocol === "https:";
    } catch {
      return false;
    }
  }, `${what} must be an absolute https:// URL`);

export const redirectUri = urlText("redirect URI").refine((value) => {
  try {
    const url = new URL(value);
    return (
      url.protocol === "https:" ||
      (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    );
  } catch {
    return false;
  }
}, "redirect URI must be an absolute https:// URL, or http:// on a loopback host");
