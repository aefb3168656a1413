// Managed and data resources of the twin provider: the REST calls to the IAM twin. Loaded on first use only.
import { errorDiagnostic } from "./diagnostics";
import type { ApplyRequest, ProviderState, ReadDataRequest, ReadRequest } from "./requests";

export async function applyResourceChange(_state: ProviderState, request: ApplyRequest): Promise<object> {
  return { diagnostics: [errorDiagnostic(`apply of ${request.type_name} is not implemented yet`)] };
}

export async function readResource(_state: ProviderState, request: ReadRequest): Promise<object> {
  return { new_state: request.current_state, diagnostics: [] };
}

export async function readDataSource(_state: ProviderState, request: ReadDataRequest): Promise<object> {
  return { diagnostics: [errorDiagnostic(`data source ${request.type_name} is not implemented yet`)] };
}
