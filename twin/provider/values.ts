// Terraform values on the wire (tfplugin6 DynamicValue): msgpack with unknowns as extension values, or JSON.
// It does not know schemas; schema-aware shaping lives in schema.ts.
import { decode, Encoder, ExtData } from "@msgpack/msgpack";

/** A decoded Terraform value. An ExtData is an unknown value (plain or refined) and is kept byte for byte. */
export type Value = null | string | number | boolean | ExtData | Value[] | { [key: string]: Value };
export type ObjectValue = { [key: string]: Value };

/** The DynamicValue message as grpc hands it over (either field may be empty). */
export interface DynamicValue {
  readonly msgpack?: Uint8Array | null;
  readonly json?: Uint8Array | null;
}

/**
 * go-cty encodes a plain unknown as msgpack extension type 0 with one zero byte (d4 00 00); Terraform 1.11 also
 * sends refined unknowns as extension type 12 with a map of refinements (facts.md §6). Every extension value is an
 * unknown; re-encoding the ExtData unchanged keeps its refinements.
 */
export function isUnknown(value: unknown): value is ExtData {
  return value instanceof ExtData;
}

export function unknown(): ExtData {
  return new ExtData(0, new Uint8Array([0]));
}

/** True when a value or anything inside it is unknown. */
export function containsUnknown(value: Value): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

export function decodeValue(dynamic: DynamicValue | null | undefined): Value {
  if (dynamic?.msgpack && dynamic.msgpack.length > 0) return decode(dynamic.msgpack) as Value;
  if (dynamic?.json && dynamic.json.length > 0) return JSON.parse(Buffer.from(dynamic.json).toString("utf8")) as Value;
  return null;
}

// One encoder per process: Terraform calls are sequential per resource and the encoder is reentrant-safe here
// because encode() finishes synchronously.
let encoder: Encoder | undefined;

export function encodeValue(value: Value): { msgpack: Buffer } {
  encoder ??= new Encoder({ ignoreUndefined: false, forceFloat32: false });
  return { msgpack: Buffer.from(encoder.encode(value)) };
}
