// Human-readable views of ORDS plans, runs and state: per-object changes and the exact calls with bind values.
// Pure string building; the `--json` view prints the same result objects instead. Nothing here holds a secret.
import type { ObjectChange, PlannedCall } from "./planner";
import type { OrdsRunResult } from "./runner";
import type { OrdsState } from "./state";

const MARKERS: Record<ObjectChange["action"], string> = {
  create: "+",
  update: "~",
  unchanged: "=",
  delete: "-",
  absent: ".",
  keep: "!",
};

function showValue(value: PlannedCall["arguments"][number]["value"]): string {
  if (value === undefined) return "";
  if (value === null) return "NULL";
  return JSON.stringify(value);
}

/** One line per object: marker, kind, name, action and why. */
export function renderChanges(changes: readonly ObjectChange[], indent = "  "): string[] {
  const width = Math.max(0, ...changes.map((change) => `${change.kind} ${change.name}`.length));
  return changes.map((change) => {
    const label = `${change.kind} ${change.name}`.padEnd(width);
    const why = change.reasons.length > 0 ? `  (${change.reasons.join("; ")})` : "";
    return `${indent}${MARKERS[change.action]} ${label}  ${change.action}${why}`;
  });
}

/** Each ORDS call with its named arguments, the bind each one reads, and the bound value. */
export function renderCalls(calls: readonly PlannedCall[], indent = "  "): string[] {
  const lines: string[] = [];
  for (const call of calls) {
    lines.push(`${indent}${call.procedure}${call.perElement ? "  (once per element)" : ""}  [${call.section}]`);
    const width = Math.max(0, ...call.arguments.map((arg) => arg.name.length));
    for (const arg of call.arguments) {
      const source =
        arg.bind === null
          ? arg.expression
          : arg.expression === `:${arg.bind}`
            ? arg.expression
            : `${arg.expression} ← :${arg.bind}`;
      const value = showValue(arg.value);
      const note =
        arg.name === "p_allowed_skew" || arg.name === "p_allowed_age"
          ? arg.value === null
            ? "  (NULL: the ORDS global setting)"
            : ""
          : "";
      lines.push(`${indent}    ${arg.name.padEnd(width)} => ${source}${value === "" ? "" : ` = ${value}`}${note}`);
    }
  }
  return lines;
}

function renderState(state: OrdsState): string[] {
  const lines = ["  as the database has it:"];
  const profile = state.profile;
  if (profile === undefined) lines.push("    JWT profile: could not be read");
  else if (profile === null) lines.push("    JWT profile: none");
  else {
    const field = (name: string, value: unknown) =>
      lines.push(
        `      ${name.padEnd(15)} ${
          value === undefined ? "(not readable on this release)" : value === null ? "NULL" : JSON.stringify(value)
        }`,
      );
    lines.push("    JWT profile:");
    field("issuer", profile.issuer);
    field("audience", profile.audience);
    field("jwk_url", profile.jwkUrl);
    field("description", profile.description);
    field("allowed_skew", profile.allowedSkewSeconds);
    field("allowed_age", profile.allowedAgeSeconds);
    field("role_claim_name", profile.roleClaimName);
  }
  const privilege = state.privilege;
  if (privilege === undefined) lines.push("    privilege: could not be read");
  else if (privilege === null) lines.push("    privilege: none");
  else {
    lines.push(`    privilege ${JSON.stringify(privilege.name)}: label ${JSON.stringify(privilege.label ?? null)}`);
    lines.push(`      protected modules: ${JSON.stringify(privilege.modules ?? "(unreadable)")}`);
    lines.push(`      patterns:          ${JSON.stringify(privilege.patterns ?? "(unreadable)")}`);
    lines.push(`      roles:             ${JSON.stringify(privilege.roles ?? "(unreadable)")}`);
  }
  if (state.modules !== undefined)
    lines.push(
      `    configured modules present: ${
        state.modules.map((module) => `${module.name} (${module.basePath ?? "?"})`).join(", ") || "none"
      }`,
    );
  for (const [key, reason] of Object.entries(state.unreadable)) lines.push(`    unreadable ${key}: ${reason}`);
  return lines;
}

export function renderRun(result: OrdsRunResult): string {
  const { target } = result;
  const ords = result.ords
    ? `ORDS ${result.ords.version}, ${result.ords.profilePackage} + ` +
      `${result.ords.privilegePackage}${result.ords.roleMode ? ", role mode" : ""}`
    : "ORDS packages not determined";
  const lines = [
    `ords ${result.command} "${result.environment}": ${target.user}@${target.connectString}, schema ` +
      `${target.schema}${target.adminMode ? " (admin mode)" : ""}; ${ords}`,
  ];
  if (result.state !== undefined) lines.push(...renderState(result.state));
  if (result.changes.length > 0) {
    lines.push(result.command === "status" ? "  compared with the configuration:" : "  objects:");
    lines.push(...renderChanges(result.changes, "    "));
  }
  if (result.calls.length > 0) {
    const verb = result.applied ? "ran" : result.command === "status" ? "apply would run" : "would run";
    lines.push(`  ${verb}, in one block that commits at the end (${result.sections.length} step(s)):`);
    lines.push(...renderCalls(result.calls, "    "));
  }
  for (const problem of result.problems ?? [])
    lines.push(`  problem [${problem.code}]: ${problem.message}${problem.fix ? `\n    fix: ${problem.fix}` : ""}`);
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  if (result.readiness)
    lines.push(
      `  JWKS ready after ${result.readiness.attempts} attempt(s), ${result.readiness.elapsedMs} ms ` +
        `(${result.readiness.keys} RSA key(s))`,
    );
  lines.push(`  ${result.summary} (round trips: ${result.roundTrips.reads} read, ${result.roundTrips.writes} write)`);
  return lines.join("\n");
}
