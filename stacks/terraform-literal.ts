// Makes user text reach Terraform as a literal: `${` and `%{` become `$${` and `%%{` in every string of a props tree.
// It leaves Terraform tokens (references the kit builds) and construct instances alone; it never validates anything.
import { Token } from "cdktf";

/**
 * Terraform evaluates `${…}` and `%{…}` in every string of a resource, data source, provider or output, so a display
 * name of `${file("/etc/hostname")}` would read a local file. `$${` and `%%{` are its escapes for the literal text.
 * Backend blocks are the exception: Terraform takes them literally, so they must not go through here.
 */
export function terraformLiteral(value: string): string {
  // A string holding a cdktf token is built by the kit (a reference); escaping it would break the reference.
  // (A function replacement: in a replacement string "$$" would mean a single "$".)
  return Token.isUnresolved(value) ? value : value.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** A copy of `value` with every string escaped; arrays and plain objects are walked, anything else is kept as is. */
export function terraformLiterals<T>(value: T): T {
  if (typeof value === "string") return terraformLiteral(value) as T;
  if (Array.isArray(value)) return value.map((item) => terraformLiterals(item)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, terraformLiterals(child)])) as T;
  }
  return value;
}
