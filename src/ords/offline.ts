// The ORDS part of the offline plan (`npm run plan`): the calls the step would make on an empty schema, with their
// named arguments and bind values, without a database. The password is never involved, so it cannot appear.
import type { Environment } from "../config/load";
import { identityNamesOf, OCI_DOMAIN_PATHS } from "../naming";
import { DB_PASSWORD_ENV } from "./connect";
import { emptyState, type ObjectChange, type PlannedCall, planApply } from "./planner";
import { renderCalls, renderChanges } from "./render";
import { ordsSpecFor } from "./spec";
import { stateQuery, stateTargetOf } from "./state";
import { assumedOrdsApi } from "./version";

export interface OfflineOrdsPlan {
  /** What the offline plan takes for granted; `ords plan <env>` checks all of it against the database. */
  readonly assumptions: readonly string[];
  readonly target: {
    readonly user: string;
    readonly schema: string;
    readonly connectString: string;
    readonly adminMode: boolean;
  };
  /** Whether `cdktf deploy` runs the step (ords.hook). */
  readonly hook: boolean;
  /** The state read that comes first, and its IN binds. */
  readonly read: { readonly file: string; readonly binds: Readonly<Record<string, string>> };
  readonly changes: readonly ObjectChange[];
  readonly calls: readonly PlannedCall[];
  readonly sections: readonly string[];
}

/** The JWK URL as far as it is known offline. */
const UNKNOWN_JWK_URL = `(known after apply: <domain URL>${OCI_DOMAIN_PATHS.jwk})`;

/** An Entra app's client id (the JWT profile's audience) as far as it is known offline. */
export const UNKNOWN_CLIENT_ID = "(known after apply: client id)";

/** Undefined for an environment without an `ords` section. */
export function offlineOrdsPlan(environment: Environment): OfflineOrdsPlan | undefined {
  const ords = environment.settings.ords;
  if (ords === undefined) return undefined;
  const idp = environment.settings.identityProvider;
  // Entra's audience is the app's client id, which only exists after deploy.
  const names = idp.type === "entra" ? identityNamesOf(idp, UNKNOWN_CLIENT_ID) : undefined;
  const probe = ordsSpecFor(environment, names === undefined ? {} : { names });
  const spec =
    probe.profile.jwkUrl === null
      ? ordsSpecFor(environment, { jwkUrl: UNKNOWN_JWK_URL, ...(names === undefined ? {} : { names }) })
      : probe;
  const api = assumedOrdsApi({
    adminMode: spec.connection.adminMode,
    roleMode: spec.profile.roleClaimName !== null,
    user: spec.connection.user,
    schema: spec.connection.schema,
  });
  const plan = planApply(spec, emptyState(spec), api);
  const query = stateQuery(stateTargetOf(spec));
  const readBinds = Object.fromEntries(
    Object.entries(query.binds).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return {
    assumptions: [
      `ORDS ${api.version.raw.replace(" (assumed)", "")} or later`,
      `schema ${spec.connection.schema} is REST-enabled and holds none of the kit's objects yet`,
      ...(spec.privilege.modules.filter((name) => name !== spec.demoModule?.name).length > 0
        ? ["the protected modules exist"]
        : []),
    ],
    target: {
      user: spec.connection.user,
      schema: spec.connection.schema,
      connectString: spec.connection.connectString,
      adminMode: spec.connection.adminMode,
    },
    hook: ords.hook,
    read: { file: query.file, binds: readBinds },
    changes: plan.changes,
    calls: plan.calls,
    sections: plan.block?.sections ?? [],
  };
}

export function renderOfflineOrdsPlan(plan: OfflineOrdsPlan): string[] {
  const { target } = plan;
  const lines = [
    `  ORDS post-deploy step (${
      plan.hook
        ? "run by cdktf deploy through terraform_data"
        : "hook off: run `npx ords-jwt ords apply <env>` yourself"
    }):`,
    `    connects as ${target.user}@${target.connectString} (password from ${DB_PASSWORD_ENV}), schema ` +
      `${target.schema}${target.adminMode ? " (admin mode: ORDS_ADMIN / ORDS_SECURITY_ADMIN)" : ""}`,
    `    assumes ${plan.assumptions.join("; ")}; \`npx ords-jwt ords plan <env>\` checks against the database`,
    `    reads the current state first: sql/${plan.read.file} (${Object.entries(plan.read.binds)
      .map(([name, value]) => `:${name} = ${value}`)
      .join(", ")})`,
    ...renderChanges(plan.changes, "    "),
    `    then one block (sql/apply.sql, commits at the end, rolls back on any error) with these ORDS calls:`,
    ...renderCalls(plan.calls, "      "),
  ];
  return lines;
}
