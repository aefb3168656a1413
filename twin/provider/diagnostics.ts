// tfplugin6 Diagnostic values: what Terraform prints as errors and warnings. No I/O.
import type { PathStep } from "./plan";

const SEVERITY_ERROR = 1;

export interface Diagnostic {
  readonly severity: number;
  readonly summary: string;
  readonly detail: string;
  readonly attribute?: { steps: PathStep[] };
}

export function errorDiagnostic(summary: string, detail = "", path?: PathStep[]): Diagnostic {
  return { severity: SEVERITY_ERROR, summary, detail, ...(path ? { attribute: { steps: path } } : {}) };
}
