// Splits and decodes a compact JWS without verifying it, reporting exactly which part is malformed.
// It never returns or prints the signature; verification lives in the doctor's checks.
import { KitError } from "../errors";
import type { Secret } from "../secret";

export type JsonObject = Record<string, unknown>;

export interface DecodedToken {
  readonly header: JsonObject;
  readonly claims: JsonObject;
}

export type DecodeResult =
  | { readonly ok: true; readonly header: JsonObject; readonly claims: JsonObject }
  | { readonly ok: false; readonly part: "structure" | "header" | "claims"; readonly problem: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonPart(part: string): { value?: JsonObject; problem?: string } {
  if (part === "" || !BASE64URL.test(part)) return { problem: "is not base64url" };
  let text: string;
  try {
    text = Buffer.from(part, "base64url").toString("utf8");
  } catch {
    return { problem: "is not base64url" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: "is not JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { problem: "is not a JSON object" };
  return { value: value as JsonObject };
}

/** Decodes without throwing; the doctor turns `problem` into the token.format line. */
export function tryDecodeToken(token: string): DecodeResult {
  const parts = token.trim().split(".");
  if (parts.length === 5)
    return {
      ok: false,
      part: "structure",
      problem: "has 5 parts: it is an encrypted JWE, ORDS needs a signed JWS (3 parts)",
    };
  if (parts.length !== 3)
    return { ok: false, part: "structure", problem: `has ${parts.length} dot-separated part(s), a signed JWT has 3` };
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonPart(headerPart);
  if (header.value === undefined) return { ok: false, part: "header", problem: `header ${header.problem}` };
  const claims = decodeJsonPart(claimsPart);
  if (claims.value === undefined) return { ok: false, part: "claims", problem: `claims ${claims.problem}` };
  if (signaturePart === "" || !BASE64URL.test(signaturePart))
    return { ok: false, part: "structure", problem: "has no (base64url) signature" };
  return { ok: true, header: header.value, claims: claims.value };
}

/** Decodes or throws TOKEN_MALFORMED; the message never contains the token. */
export function decodeToken(token: Secret): DecodedToken {
  const result = tryDecodeToken(token.reveal());
  if (!result.ok) {
    throw new KitError("TOKEN_MALFORMED", `The token is not a compact JWT: it ${result.problem}`, {
      fix: "Pass the access_token value itself (three base64url parts separated by dots).",
      details: { part: result.part },
    });
  }
  return { header: result.header, claims: result.claims };
}
