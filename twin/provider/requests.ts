// Shapes shared by the service (provider.ts) and the resources (resources.ts): the configured provider and the
// tfplugin6 requests that reach the resources. Types only.
import type { DynamicValue, ObjectValue } from "./values";

/** The provider configuration Terraform sent (region, auth, config file profile …), kept for the REST calls. */
export interface ProviderState {
  config: ObjectValue;
}

export interface ApplyRequest {
  readonly type_name: string;
  readonly prior_state: DynamicValue;
  readonly planned_state: DynamicValue;
  readonly config: DynamicValue;
}

export interface ReadRequest {
  readonly type_name: string;
  readonly current_state: DynamicValue;
}

export interface ReadDataRequest {
  readonly type_name: string;
  readonly config: DynamicValue;
}
