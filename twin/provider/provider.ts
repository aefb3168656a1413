// The tfplugin6.Provider service of the twin oracle/oci provider: schema, validation, plan, and the managed and
// data resources (whose REST calls live in resources.ts, loaded on first use). It does not do the go-plugin
// handshake (main.ts).
import type * as grpc from "@grpc/grpc-js";
import { type Diagnostic, errorDiagnostic } from "./diagnostics";
import type { GoFlags } from "./extract-go-flags";
import flagsJson from "./go-flags.json";
import { planResource } from "./plan";
import type { ApplyRequest, ProviderState, ReadDataRequest, ReadRequest } from "./requests";
import { protoSchema, providerSchema, type SchemaEntry, shapeBlock } from "./schema";
import { validateResource } from "./validate";
import { type DynamicValue, decodeValue, encodeValue, type ObjectValue, type Value } from "./values";

const GO_FLAGS = flagsJson as Record<string, GoFlags>;
const NO_FLAGS: GoFlags = { forceNew: [], computedBlocks: [], ignoreCase: [] };

/** A message with a type_name whose schema the provider does not serve. */
function unknownType(kind: string, typeName: string): Diagnostic {
  return errorDiagnostic(
    `The twin oracle/oci provider has no ${kind} ${typeName}`,
    "It serves providers/oci/schema.json.",
  );
}

type Handler = (call: grpc.ServerUnaryCall<unknown, object>, callback: grpc.sendUnaryData<object>) => void;

/** Wraps an async handler: an exception becomes an ERROR diagnostic (Terraform shows it) rather than a gRPC error. */
function handler<Request>(run: (request: Request) => Promise<object> | object): Handler {
  return (call, callback) => {
    Promise.resolve()
      .then(() => run(call.request as Request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          callback(null, { diagnostics: [errorDiagnostic(message)] });
        },
      );
  };
}

function resourceSchema(typeName: string): SchemaEntry | undefined {
  return providerSchema().resource_schemas[typeName];
}

export function providerService(onStop: () => void): Record<string, Handler> {
  const state: ProviderState = { config: {} };
  // Loaded on first use, so validate and plan never pay for the HTTP client.
  const resources = async () => require("./resources") as typeof import("./resources");
  return {
    GetMetadata: handler(() => {
      const schema = providerSchema();
      return {
        server_capabilities: { plan_destroy: true },
        resources: Object.keys(schema.resource_schemas).map((type_name) => ({ type_name })),
        data_sources: Object.keys(schema.data_source_schemas).map((type_name) => ({ type_name })),
      };
    }),
    GetProviderSchema: handler(() => {
      const schema = providerSchema();
      const map = (entries: Record<string, SchemaEntry>) =>
        Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, protoSchema(entry)]));
      return {
        provider: protoSchema(schema.provider),
        resource_schemas: map(schema.resource_schemas),
        data_source_schemas: map(schema.data_source_schemas),
        // plan_destroy: Terraform plans a destroy through PlanResourceChange with a null proposed state (facts.md §6).
        server_capabilities: { plan_destroy: true },
      };
    }),
    ValidateProviderConfig: handler(() => ({ diagnostics: [] })),
    ConfigureProvider: handler((request: { config: DynamicValue }) => {
      const config = decodeValue(request.config);
      state.config =
        config !== null && typeof config === "object" && !Array.isArray(config) ? (config as ObjectValue) : {};
      return { diagnostics: [] };
    }),
    ValidateResourceConfig: handler((request: { type_name: string; config: DynamicValue }) => {
      if (!resourceSchema(request.type_name)) return { diagnostics: [unknownType("resource", request.type_name)] };
      return { diagnostics: validateResource(request.type_name, decodeValue(request.config)) };
    }),
    ValidateDataResourceConfig: handler((request: { type_name: string }) => {
      if (!providerSchema().data_source_schemas[request.type_name]) {
        return { diagnostics: [unknownType("data source", request.type_name)] };
      }
      return { diagnostics: [] };
    }),
    UpgradeResourceState: handler((request: { type_name: string; version: number; raw_state: { json: Buffer } }) => {
      const schema = resourceSchema(request.type_name);
      if (!schema) return { diagnostics: [unknownType("resource", request.type_name)] };
      // Every schema here is version 0, so the stored JSON only needs shaping (attributes added since are null).
      const raw = request.raw_state?.json?.length
        ? (JSON.parse(request.raw_state.json.toString("utf8")) as Value)
        : null;
      return { upgraded_state: encodeValue(raw === null ? null : shapeBlock(schema.block, raw)), diagnostics: [] };
    }),
    PlanResourceChange: handler(
      (request: {
        type_name: string;
        prior_state: DynamicValue;
        proposed_new_state: DynamicValue;
        config: DynamicValue;
      }) => {
        const schema = resourceSchema(request.type_name);
        if (!schema) return { diagnostics: [unknownType("resource", request.type_name)] };
        const plan = planResource(
          schema.block,
          GO_FLAGS[request.type_name] ?? NO_FLAGS,
          decodeValue(request.prior_state),
          decodeValue(request.proposed_new_state),
          decodeValue(request.config),
        );
        return {
          planned_state: encodeValue(plan.planned),
          requires_replace: plan.requiresReplace.map((steps) => ({ steps })),
          // The real provider is built on the legacy SDK (SDKv2), which always sets this flag.
          legacy_type_system: true,
          diagnostics: [],
        };
      },
    ),
    ApplyResourceChange: handler(async (request: ApplyRequest) =>
      (await resources()).applyResourceChange(state, request),
    ),
    ReadResource: handler(async (request: ReadRequest) => (await resources()).readResource(state, request)),
    ReadDataSource: handler(async (request: ReadDataRequest) => (await resources()).readDataSource(state, request)),
    ImportResourceState: handler((request: { type_name: string }) => ({
      diagnostics: [errorDiagnostic(`The twin provider does not import ${request.type_name}`)],
    })),
    GetFunctions: handler(() => ({ functions: {}, diagnostics: [] })),
    StopProvider: handler(() => {
      onStop();
      return { Error: "" };
    }),
  };
}
