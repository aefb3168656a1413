// Parsers for the numeric and URL flags of token, call and doctor: flags become typed values here, once.
// Bad values are commander usage errors (exit code 2); nothing else in the kit re-parses flag text.
import { InvalidArgumentError } from "commander";

/** Ranges of the numeric flags; every message names the range. */
export const FLAG_RANGES = {
  /** One hour; Node's timers overflow above 2^31-1 ms and would fire after 1 ms. */
  timeoutMs: [1, 3_600_000],
  /** 100 MiB: the body is held in memory. */
  maxResponseBytes: [1, 100 * 1024 * 1024],
  loginTimeoutSeconds: [1, 3600],
  /** ORDS allows at most 60 seconds of skew (facts.md §2). */
  allowedSkewSeconds: [1, 60],
  /** One year. */
  allowedAgeSeconds: [1, 31_536_000],
  jwksSizeLimitBytes: [1, 10 * 1024 * 1024],
} as const satisfies Record<string, readonly [number, number]>;

/** A whole number from min to max (inclusive). */
export function integerFlag(range: readonly [number, number]): (value: string) => number {
  const [min, max] = range;
  const rule = `must be a whole number from ${min} to ${max}`;
  return (value) => {
    // The value is not echoed: it is a flag the user just typed, and may hold anything.
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${rule} (digits only)`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(rule);
    return parsed;
  };
}

/** An absolute http(s) URL; the https-only rule is enforced when it is used (see --allow-insecure). */
export function urlFlag(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme");
  } catch {
    throw new InvalidArgumentError(`must be an absolute https:// URL (got "${value}")`);
  }
  return value;
}

/** A JSON pointer (RFC 6901) such as `/roles`, by the same rule as the config's `ords.jwtProfile.roleClaimName`. */
export function jsonPointerFlag(value: string): string {
  // The config's rule lives with its zod schema; loaded only when the flag is given (start-up time).
  const { ordsJsonPointer } = require("../config/ords-schema") as typeof import("../config/ords-schema");
  if (!ordsJsonPointer.safeParse(value).success) {
    throw new InvalidArgumentError(
      `must be a JSON pointer such as "/roles" (RFC 6901: starts with "/"; got "${value}")`,
    );
  }
  return value;
}

/** Repeatable flag: `--role a --role b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Options every networked command shares. */
export interface NetworkFlags {
  readonly allowInsecure?: boolean;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

export function httpFromFlags(flags: NetworkFlags): {
  allowInsecure: boolean;
  timeoutMs?: number;
  maxResponseBytes?: number;
} {
  return {
    allowInsecure: flags.allowInsecure === true,
    ...(flags.timeoutMs === undefined ? {} : { timeoutMs: flags.timeoutMs }),
    ...(flags.maxResponseBytes === undefined ? {} : { maxResponseBytes: flags.maxResponseBytes }),
  };
}
