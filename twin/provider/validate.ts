// ValidateResourceConfig: the value checks the real provider declares in its Go schema (ValidateFunc). Required
// attributes, types and unknown attribute names are checked by Terraform itself against the served schema.
import { type Diagnostic, errorDiagnostic } from "./diagnostics";
import { isUnknown, type Value } from "./values";

/**
 * identity_domain_resource.go: `state` has ValidateFunc validation.StringInSlice([ACTIVE, INACTIVE], ignoreCase
 * true); it is the only ValidateFunc in the four resource files the twin serves (v8.28.0).
 */
export function validateResource(typeName: string, config: Value): Diagnostic[] {
  if (typeName !== "oci_identity_domain" || config === null || typeof config !== "object" || Array.isArray(config)) {
    return [];
  }
  const state = (config as Record<string, Value>).state;
  if (state === null || state === undefined || isUnknown(state) || typeof state !== "string") return [];
  if (["ACTIVE", "INACTIVE"].includes(state.toUpperCase())) return [];
  return [
    errorDiagnostic(`expected state to be one of ["ACTIVE" "INACTIVE"], got ${state}`, "", [
      { attribute_name: "state" },
    ]),
  ];
}
