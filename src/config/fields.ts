// Field schemas and defaults shared by the identity-provider schemas (OCI and Entra).
import { z } from "zod";

/** The loopback callback `token --user` listens on, and Postman's callback. */
export const KIT_LOOPBACK_CALLBACK = "http://127.0.0.1:8765/callback";
export const POSTMAN_CALLBACK = "https://oauth.pstmn.io/v1/callback";
export const DEFAULT_REDIRECT_URIS = [KIT_LOOPBACK_CALLBACK, POSTMAN_CALLBACK];

export const nonEmpty = (what: string) => z.string().trim().min(1, `${what} must not be empty`);

export const httpsUrl = (what: string) =>
  z.string().refine((value) => {
    try {
      return new URL(value).protocol === "https:";
    } catch {
      return false;
    }
  }, `${what} must be an absolute https:// URL`);

export const redirectUri = z.string().refine((value) => {
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
