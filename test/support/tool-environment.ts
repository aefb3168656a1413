// Writes a temporary environments directory for the token/call/doctor tests: the committed example, with the
// audience and scope of the loopback IdP, so the naming model derives exactly what the IdP expects.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoopbackIdp } from "./loopback-idp";

export const PROJECT_ROOT = join(__dirname, "..", "..");

export interface ToolEnvironment {
  readonly dir: string;
  readonly name: string;
  readonly json: Record<string, any>;
  remove(): void;
}

/** `mutate` may add sections (ords, protected …) before the file is written. */
export function writeToolEnvironment(
  idp: LoopbackIdp,
  mutate: (json: Record<string, any>) => void = () => undefined,
  name = "dev",
): ToolEnvironment {
  const json = JSON.parse(readFileSync(join(PROJECT_ROOT, "environments", "examples", "oci.json"), "utf8"));
  json.identityProvider.app.primaryAudience = idp.audience;
  json.identityProvider.app.scopes = idp.scopes.map((value) => ({ value, description: `scope ${value}` }));
  json.identityProvider.issuer = idp.issuer;
  // No database and no ORDS base URL unless a test adds them: tests state what they rely on.
  delete json.ords;
  mutate(json);
  const dir = mkdtempSync(join(tmpdir(), "ords-jwt-env-"));
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  return { dir, name, json, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
