// A fake at the ORDS step's OrdsDb seam for the doctor: it answers the state read (sql/read-state.sql) through the
// ORDS twin's model, and applies the profile and mirror-module blocks to its own objects, by the ORDS calls and binds
// it receives. Those objects are the loopback OrdsResource's, so what the fake "stores" is what the resource enforces.
// It keeps its own writes because its tests run the mirror on an http emulator, whose http JWK URL ORDS (and the twin)
// refuse.
import type { Binds, ConnectOptions, ExecuteResult, OrdsDb } from "../../src/ords/db";
import { emptyModel, type Model, readState } from "../../twin/ords/model";
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
          state: JSON.stringify(this.stateDocument(binds)),
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

  /** The state read as the ORDS twin's model answers it (twin/ords/model.ts), for this fake's objects. */
  private stateDocument(binds: Binds): unknown {
    const model: Model = {
      ...emptyModel(this.version),
      profile:
        this.profile === null
          ? null
          : {
              issuer: this.profile.issuer,
              audience: this.profile.audience,
              jwkUrl: this.profile.jwkUrl,
              description: this.profile.description,
              allowedSkew: this.profile.allowedSkewSeconds ?? null,
              allowedAge: this.profile.allowedAgeSeconds ?? null,
              roleClaimName: this.profile.roleClaimName ?? null,
            },
      privileges: new Map(
        this.privileges.map((privilege) => [
          privilege.name,
          {
            label: privilege.label,
            description: null,
            roles: [...privilege.roles],
            patterns: [...privilege.patterns],
            modules: [...privilege.modules],
          },
        ]),
      ),
      roles: new Set(this.privileges.flatMap((privilege) => privilege.roles)),
      modules: new Map(this.modules.map((module) => [module.name, module.basePath])),
      unreadable: { ...this.unreadable },
    };
    return readState(model, binds, "DEMO");
  }
}
