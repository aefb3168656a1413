// A fake at the ORDS step's OrdsDb seam for the doctor: it answers the state read (sql/read-state.sql) from an
// in-memory ORDS, and applies the profile and mirror-module blocks to it, by the ORDS calls and binds it receives.
// The in-memory ORDS is the loopback OrdsResource's, so what the fake "stores" is what the resource enforces.
import type { Binds, ConnectOptions, ExecuteResult, OrdsDb } from "../../src/ords/db";
import { fitStateDocument } from "./fake-ords-db";
import type { OrdsResource, ResourceProfile } from "./ords-resource";

export interface FakeProfile extends ResourceProfile {
  description: string | null;
}

export interface FakePrivilege {
  name: string;
  label: string | null;
  modules: string[];
  patterns: string[];
  roles: string[];
}

export interface FakeModule {
  name: string;
  basePath: string;
  /** Template pattern → handler source (plsql/block), for modules the fake defined. */
  handlers: Map<string, string>;
}

/** Oracle-style error, as node-oracledb raises it. */
export function oraError(errorNum: number, message: string): Error & { errorNum: number; code: string } {
  return Object.assign(new Error(`ORA-${String(errorNum).padStart(5, "0")}: ${message}`), {
    errorNum,
    code: `ORA-${String(errorNum).padStart(5, "0")}`,
  });
}

export class DoctorOrdsDatabase {
  profile: FakeProfile | null = null;
  privileges: FakePrivilege[] = [];
  modules: FakeModule[] = [];
  version = "25.2.1.r1234";
  /** Every executed statement, by the ORDS procedures it calls (or "read-state"). */
  readonly log: string[] = [];
  /** Return an error to make that execute fail (before it changes anything). */
  failWhen: ((sql: string, binds: Binds) => Error | undefined) | undefined;
  /** Called before a statement runs, e.g. to hold it until a test interrupts. */
  beforeExecute: ((sql: string) => Promise<void>) | undefined;
  closed = 0;
  /** Keys of the read the "database" cannot answer (a missing view or grant), with the Oracle message. */
  unreadable: Record<string, string> = {};

  constructor(readonly resource: OrdsResource) {}

  /** Mirrors the fake's profile and privileges into the resource, which enforces them over HTTP. */
  sync(): void {
    this.resource.profile = this.profile === null ? undefined : { ...this.profile };
    this.resource.privileges = this.privileges.map((privilege) => ({
      name: privilege.name,
      roles: [...privilege.roles],
      patterns: [
        ...privilege.patterns,
        ...this.modules
          .filter((module) => privilege.modules.includes(module.name))
          .map((module) => `${module.basePath}*`),
      ],
    }));
  }

  connector(): (options: ConnectOptions) => Promise<OrdsDb> {
    return async () => this.connection();
  }

  connection(): OrdsDb {
    return {
      execute: (sql, binds) => this.execute(sql, binds),
      commit: async () => undefined,
      rollback: async () => undefined,
      close: async () => {
        this.closed++;
      },
    };
  }

  async execute(sql: string, binds: Binds): Promise<ExecuteResult> {
    await this.beforeExecute?.(sql);
    const failure = this.failWhen?.(sql, binds);
    if (failure) throw failure;
    const text = (name: string) => {
      const value = binds[name];
      return typeof value === "string" ? value : null;
    };
    const number = (name: string) => {
      const value = binds[name];
      return typeof value === "number" ? value : null;
    };
    if ("state" in binds) {
      this.log.push("read-state");
      return {
        outBinds: {
          state: JSON.stringify(
            this.stateDocument(text("privilege_name") ?? "", JSON.parse(text("module_names") ?? "[]")),
          ),
        },
      };
    }
    const calls = [
      ...sql.matchAll(/\b(ords_security|ords_security_admin|oauth|oauth_admin|ords|ords_admin)\.([a-z_]+)\s*\(/gi),
    ].map((m) => `${m[1]}.${m[2]}`.toLowerCase());
    const noArgCalls = [...sql.matchAll(/\b(ords_security|oauth)\.delete_jwt_profile\s*;/gi)].map((m) =>
      `${m[1]}.delete_jwt_profile`.toLowerCase(),
    );
    this.log.push([...noArgCalls, ...calls].join(" "));
    // Every block the kit runs commits at its end or rolls back on error: apply all calls or none.
    const snapshot = {
      profile: this.profile,
      modules: this.modules.map((module) => ({ ...module, handlers: new Map(module.handlers) })),
    };
    try {
      this.applyCalls([...noArgCalls, ...calls], sql, text, number);
    } catch (error) {
      this.profile = snapshot.profile;
      this.modules = snapshot.modules;
      // A block with an ORA-20xxx handler (delete of something already gone) swallows ORDS's own errors.
      const code = (error as { errorNum?: number }).errorNum ?? 0;
      if (!(code >= 20000 && code <= 20999 && /sqlcode not between -20999 and -20000/.test(sql))) throw error;
    }
    this.publishHandlers();
    this.sync();
    return {};
  }

  private applyCalls(
    all: string[],
    _sql: string,
    text: (name: string) => string | null,
    number: (name: string) => number | null,
  ): void {
    for (const call of all) {
      const [, procedure] = call.split(".") as [string, string];
      switch (procedure) {
        case "delete_jwt_profile":
          if (this.profile === null) throw oraError(20001, "no JWT profile to delete");
          this.profile = null;
          break;
        case "create_jwt_profile":
          if (this.profile !== null) throw oraError(20002, "a JWT profile already exists");
          this.profile = {
            issuer: text("profile_issuer") as string,
            audience: text("profile_audience") as string,
            jwkUrl: text("profile_jwk_url") as string,
            description: text("profile_description"),
            allowedSkewSeconds: number("profile_allowed_skew"),
            allowedAgeSeconds: number("profile_allowed_age"),
            roleClaimName: text("profile_role_claim_name"),
          };
          break;
        case "define_module": {
          const name = text("mirror_module_name") as string;
          this.modules = this.modules.filter((module) => module.name !== name);
          this.modules.push({ name, basePath: text("mirror_base_path") as string, handlers: new Map() });
          break;
        }
        case "define_handler": {
          const module = this.modules.find((candidate) => candidate.name === text("mirror_module_name"));
          module?.handlers.set(text("mirror_pattern") as string, text("mirror_source") as string);
          break;
        }
        case "delete_module": {
          const name = text("mirror_module_name");
          if (!this.modules.some((module) => module.name === name))
            throw oraError(20010, `module ${String(name)} does not exist`);
          this.modules = this.modules.filter((module) => module.name !== name);
          break;
        }
        default:
          break;
      }
    }
  }

  /** Serves the plsql/block handlers the fake holds: the mirror's source prints base64-decoded chunks. */
  private publishHandlers(): void {
    for (const key of [...this.resource.handlers.keys()])
      if (key.startsWith("ords-jwt-kit-")) this.resource.handlers.delete(key);
    for (const module of this.modules) {
      for (const [pattern, source] of module.handlers) {
        const body = [...source.matchAll(/cast_to_raw\('([A-Za-z0-9+/=]*)'\)/g)]
          .map((m) => Buffer.from(m[1] as string, "base64").toString("utf8"))
          .join("");
        this.resource.handlers.set(`${module.basePath.replace(/^\/+/, "")}${pattern}`, () => ({ body }));
      }
    }
  }

  private stateDocument(privilegeName: string, moduleNames: string[]): unknown {
    const values: Record<string, string | null> = {
      version: this.version,
      procedures: JSON.stringify([
        "ORDS_SECURITY.CREATE_JWT_PROFILE",
        "ORDS_SECURITY.DELETE_JWT_PROFILE",
        "ORDS.DEFINE_PRIVILEGE",
        "ORDS.DELETE_PRIVILEGE",
        "ORDS.CREATE_ROLE",
        "ORDS.DELETE_ROLE",
        "ORDS.DEFINE_MODULE",
        "ORDS.DELETE_MODULE",
      ]),
      arguments: JSON.stringify([
        "ORDS_SECURITY.CREATE_JWT_PROFILE.P_ISSUER",
        "ORDS_SECURITY.CREATE_JWT_PROFILE.P_ROLE_CLAIM_NAME",
      ]),
      "schema.status": "ENABLED",
      "profile.count": this.profile === null ? "0" : "1",
    };
    if (this.profile !== null) {
      values["profile.issuer"] = this.profile.issuer;
      values["profile.audience"] = this.profile.audience;
      values["profile.jwk_url"] = this.profile.jwkUrl;
      values["profile.description"] = this.profile.description;
      values["profile.allowed_skew"] =
        this.profile.allowedSkewSeconds === null || this.profile.allowedSkewSeconds === undefined
          ? null
          : String(this.profile.allowedSkewSeconds);
      values["profile.allowed_age"] =
        this.profile.allowedAgeSeconds === null || this.profile.allowedAgeSeconds === undefined
          ? null
          : String(this.profile.allowedAgeSeconds);
      values["profile.role_claim_name"] = this.profile.roleClaimName ?? null;
    }
    const privilege = this.privileges.find((candidate) => candidate.name === privilegeName);
    values["privilege.count"] = privilege ? "1" : "0";
    if (privilege) {
      values["privilege.label"] = privilege.label;
      values["privilege.description"] = null;
      values["privilege.modules"] = privilege.modules.length ? JSON.stringify(privilege.modules) : null;
      values["privilege.patterns"] = privilege.patterns.length ? JSON.stringify(privilege.patterns) : null;
      values["privilege.roles"] = privilege.roles.length ? JSON.stringify(privilege.roles) : null;
    }
    values.roles = null;
    values["roles.used_elsewhere"] = null;
    const modules = this.modules.filter((module) => moduleNames.includes(module.name));
    values.modules = modules.length ? JSON.stringify(modules.map((module) => [module.name, module.basePath])) : null;
    // Every privilege and module of the schema (the read's all.* keys), sorted like its ORDER BY.
    const list = (items: unknown[]) => (items.length ? JSON.stringify(items) : null);
    const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
    const pairs = (pick: (privilege: FakePrivilege) => string[]) =>
      byName(this.privileges).flatMap((privilege) => [...pick(privilege)].sort().map((item) => [privilege.name, item]));
    values["all.privileges"] = list(byName(this.privileges).map((privilege) => privilege.name));
    values["all.privilege_modules"] = list(pairs((privilege) => privilege.modules));
    values["all.privilege_patterns"] = list(pairs((privilege) => privilege.patterns));
    values["all.privilege_roles"] = list(pairs((privilege) => privilege.roles));
    values["all.modules"] = list(byName(this.modules).map((module) => [module.name, module.basePath]));
    const unreadable: Record<string, string> = { ...this.unreadable };
    for (const key of Object.keys(unreadable)) delete values[key];
    return fitStateDocument({ sessionUser: "DEMO", values, unreadable, truncated: {} });
  }
}
