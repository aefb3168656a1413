// Made-up secrets for tests, generated at run time: tests search output for them to prove a secret never leaks.
import { randomBytes } from "node:crypto";

/** A fresh random value per test process, labelled so a leak is easy to recognise. */
export function sentinelSecret(label: string): string {
  return `${label}-${randomBytes(12).toString("hex")}`;
}
