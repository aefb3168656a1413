// The ORDS step's desired state (OrdsSpec), built once from an environment and the naming model, and its
// flat string form that the cdktf hook carries in terraform_data. It holds no secrets and does no I/O.
import { isAbsolute } from "node:path";
import { z } from "zod";
import type { Environment } from "../config/load";
import { formatPath } from "../config/load";
import {
  demoModuleOf,
  ordsFreeText,
  ordsIdentifier,
  ordsJsonPointer,
  ordsModuleName,
  ordsRoleName,
  ordsUriPattern,
} from "../config/ords-schema";
import { KitError } from "../errors";
import { entraEndpoints, type IdentityNames, ociDomainBaseUrl, ociDomainEndpoints, ociIdentityNames } from "../naming";

export interface OrdsConnectionSpec {
  readonly connectString: string;
  readonly user: string;
  /** The REST-enabled schema, upper case as ORDS stores it. */
  readonly schema: string;
  /** True when schema ≠ user: the ORDS_ADMIN / ORDS_SECURITY_ADMIN packages are used with p_schema. */
  readonly adminMode: boolean;
  readonly wallet: { readonly configDir: string; readonly walletLocation: string } | null;
}

export interface OrdsProfileSpec {
  readonly issuer: string;
  readonly audience: string;
  /** Null when not known yet (a domain the kit creates): apply refuses, teardown compares issuer and audience only. */
  readonly jwkUrl: string | null;
  readonly description: string;
  /** NULL means the ORDS global setting; never 0. */
  readonly allowedSkewSeconds: number | null;
  readonly allowedAgeSeconds: number | null;
  /** JSON pointer of the roles claim: set means role mode (ORDS 25.1+). */
  readonly roleClaimName: string | null;
}

export interface OrdsPrivilegeSpec {
  /** Equals the first scope value (naming model). */
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly roles: readonly string[];
  readonly patterns: readonly string[];
  /** Protected modules, the demo module included when it is on; sorted. */
  readonly modules: readonly string[];
}

export interface OrdsDemoModuleSpec {
  readonly name: string;
  readonly basePath: string;
  readonly pattern: string;
}

export interface OrdsSpec {
  readonly environment: string;
  readonly protected: boolean;
  readonly connection: OrdsConnectionSpec;
  /** The schema's ORDS root URL, ending in `/`. */
  readonly baseUrl: string;
  readonly profile: OrdsProfileSpec;
  readonly privilege: OrdsPrivilegeSpec;
  readonly demoModule: OrdsDemoModuleSpec | null;
  readonly readinessTimeoutSeconds: number;
  /** ords.adoptExisting: apply may take over same-named objects the kit did not create. */
  readonly adoptExisting: boolean;
}

export interface OrdsSpecOptions {
  /**
   * The JWK URL when the config cannot say it (a domain the kit creates or looks up): the stack passes
   * its Terraform reference, the CLI a `--jwk-url` value or the stack output.
   * @default derived from identityProvider.domain.url, else null (unknown)
   */
  readonly jwkUrl?: string;
  /**
   * Names from the naming model, when the caller already has them (an identity provider whose audience is
   * only known after deploy passes its own).
   * @default ociIdentityNames(identityProvider)
   */
  readonly names?: IdentityNames;
}

/** The JWK URL, or CONFIG_ORDS_JWK_URL_UNKNOWN naming how to supply it. */
export function requireJwkUrl(spec: OrdsSpec): string {
  if (spec.profile.jwkUrl !== null) return spec.profile.jwkUrl;
  throw new KitError(
    "CONFIG_ORDS_JWK_URL_UNKNOWN",
    `The JWK URL of "${spec.environment}" is only known after deploy (the kit creates or looks up the identity domain)`,
    {
      fix:
        `Deploy first (npx ords-jwt deploy ${spec.environment} runs this step itself), or pass --jwk-url (the ` +
        "stack output jwk_url).",
      details: { environment: spec.environment },
    },
  );
}

/** The JWK URL when the environment file alone determines it (an Entra tenant, or a reused OCI domain given by URL). */
export function configuredJwkUrl(environment: Environment): string | undefined {
  const idp = environment.settings.identityProvider;
  if (idp.type === "entra") return entraEndpoints(idp.tenantId).jwkUrl;
  const domain = idp.domain;
  return domain.mode === "existing" && domain.url !== undefined
    ? ociDomainEndpoints(ociDomainBaseUrl(domain.url)).jwkUrl
    : undefined;
}

/**
 * ORDS roles linked to the privilege: the configured ones, plus Entra's app roles in role mode
 * (client-credentials tokens carry them in `roles`).
 */
export function privilegeRolesOf(environment: Environment): string[] {
  const ords = ordsConfigOf(environment);
  const idp = environment.settings.identityProvider;
  const appRoles =
    idp.type === "entra" && idp.ordsAuthorization === "roles" ? idp.appRoles.map((role) => role.value) : [];
  return sortedUnique([...ords.privilege.roles, ...appRoles]);
}

/** The `ords` section, or a clear error when the environment has none. */
export function ordsConfigOf(environment: Environment) {
  const ords = environment.settings.ords;
  if (ords === undefined) {
    throw new KitError(
      "CONFIG_ORDS_MISSING",
      `${environment.file} has no "ords" section, so there is no ORDS step for "${environment.name}"`,
      {
        fix: 'Add an "ords" section (see environments/examples/oci.json and docs/ords-step.md).',
        details: { environment: environment.name, file: environment.file },
      },
    );
  }
  return ords;
}

const sortedUnique = (values: readonly string[]) => [...new Set(values)].sort();

/** Who connects where, from an environment's `ords` section (no password: that comes from the environment). */
export function ordsConnectionSpecOf(environment: Environment): OrdsConnectionSpec {
  const ords = ordsConfigOf(environment);
  const user = ords.user.toUpperCase();
  const schema = (ords.schema ?? ords.user).toUpperCase();
  return {
    connectString: ords.connectString,
    user,
    schema,
    adminMode: schema !== user,
    wallet:
      ords.wallet === undefined
        ? null
        : { configDir: ords.wallet.configDir, walletLocation: ords.wallet.walletLocation ?? ords.wallet.configDir },
  };
}

/** OCI names come from the file alone; Entra's audience is the client id, known only once deployed. */
function namesWithoutDeploy(environment: Environment): IdentityNames {
  const idp = environment.settings.identityProvider;
  if (idp.type === "oci") return ociIdentityNames(idp);
  throw new KitError(
    "CONFIG_ORDS_AUDIENCE_UNKNOWN",
    `The JWT profile audience of "${environment.name}" is the Entra app's client id, which is not known yet`,
    {
      fix:
        `Deploy the environment first (npx ords-jwt deploy ${environment.name}) so the kit can read the client_id ` +
        "output, or pass --client-id.",
      details: { environment: environment.name },
    },
  );
}

/** Builds the desired ORDS state of an environment; names come from the naming model only. */
export function ordsSpecFor(environment: Environment, options: OrdsSpecOptions = {}): OrdsSpec {
  const ords = ordsConfigOf(environment);
  const idp = environment.settings.identityProvider;
  const names = options.names ?? namesWithoutDeploy(environment);
  const jwkUrl = options.jwkUrl ?? configuredJwkUrl(environment) ?? null;
  const demo = demoModuleOf(ords);
  const primaryScope = idp.type === "oci" ? idp.app.scopes[0] : idp.scopes[0];
  return {
    environment: environment.name,
    protected: environment.settings.protected,
    connection: ordsConnectionSpecOf(environment),
    baseUrl: ords.baseUrl,
    profile: {
      issuer: names.issuer,
      audience: names.audience,
      jwkUrl,
      description: ords.jwtProfile.description ?? `ords-jwt-kit: ${environment.name}`,
      allowedSkewSeconds: ords.jwtProfile.allowedSkewSeconds ?? null,
      allowedAgeSeconds: ords.jwtProfile.allowedAgeSeconds ?? null,
      roleClaimName: ords.jwtProfile.roleClaimName ?? names.roleMode?.claim ?? null,
    },
    privilege: {
      name: names.privilege,
      label: ords.privilege.label ?? names.privilege,
      description: ords.privilege.description ?? primaryScope?.description ?? names.privilege,
      roles: privilegeRolesOf(environment),
      patterns: sortedUnique(ords.privilege.patterns),
      modules: sortedUnique([...ords.privilege.modules, ...(demo ? [demo.name] : [])]),
    },
    demoModule: demo ?? null,
    readinessTimeoutSeconds: ords.readinessTimeoutSeconds,
    adoptExisting: ords.adoptExisting,
  };
}

// --- The hook's flat form ------------------------------------------------------------------------------

/** Environment variable through which the cdktf hook hands the spec to `ords apply|teardown --spec-env`. */
export const HOOK_SPEC_ENV = "ORDS_JWT_SPEC";

/**
 * The spec as a flat map of strings: what terraform_data stores as `input` (and `triggers_replace`).
 * Lists are JSON text, absent numbers are "". Flat strings survive Terraform's type system unchanged.
 */
export type OrdsHookInput = Record<keyof typeof hookInputShape, string>;

const jsonList = <T extends z.ZodType<string>>(element: T) =>
  z.string().transform((text, ctx) => {
    try {
      const parsed = z.array(element).safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: "custom", message: `${formatPath(issue.path)}: ${issue.message}` });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of strings" });
    }
    return z.NEVER;
  });

const optionalSeconds = z.string().transform((text, ctx) => {
  if (text === "") return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    ctx.addIssue({
      code: "custom",
      message: "must be empty (NULL) or a positive whole number of seconds; 0 is never passed to ORDS",
    });
    return z.NEVER;
  }
  return value;
});

const httpUrl = z.string().refine((text) => {
  try {
    return ["https:", "http:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}, "must be an absolute URL");

/** The hook runs in cdktf.out/stacks/<env>, so a relative wallet path would point at the wrong place. */
const absolutePathOrEmpty = z
  .string()
  .refine(
    (text) => text === "" || isAbsolute(text),
    "must be an absolute path (re-synthesize: the kit resolves wallet paths against the project root)",
  );

const hookInputShape = {
  environment: z.string().min(1),
  protected: z.enum(["true", "false"]),
  connectString: z.string().min(1),
  user: ordsIdentifier("user"),
  schema: ordsIdentifier("schema"),
  walletConfigDir: absolutePathOrEmpty,
  walletLocation: absolutePathOrEmpty,
  baseUrl: httpUrl,
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwkUrl: z
    .string()
    .refine((text) => text.startsWith("https://"), "must start with https:// (ORDS refuses other JWK URLs)"),
  profileDescription: ordsFreeText("profileDescription", 255),
  allowedSkewSeconds: optionalSeconds,
  allowedAgeSeconds: optionalSeconds,
  roleClaimName: z.union([z.literal(""), ordsJsonPointer]),
  privilegeName: z.string().min(1),
  privilegeLabel: ordsFreeText("privilegeLabel", 255),
  privilegeDescription: ordsFreeText("privilegeDescription", 2000),
  privilegeRoles: jsonList(ordsRoleName),
  privilegePatterns: jsonList(ordsUriPattern),
  privilegeModules: jsonList(ordsModuleName),
  demoModuleName: z.union([z.literal(""), ordsModuleName]),
  demoModuleBasePath: z.string(),
  demoModulePattern: z.string(),
  readinessTimeoutSeconds: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be a positive whole number of seconds")
    .transform(Number)
    .refine((seconds) => seconds <= 3600, "can be at most 3600 (one hour)"),
  // Absent in the input of hooks deployed before the flag existed.
  adoptExisting: z.enum(["true", "false"]).default("false"),
};

const hookInputSchema = z.strictObject(hookInputShape);

/** The flat strings terraform_data carries; every value is non-secret. */
export function hookInputOf(spec: OrdsSpec): OrdsHookInput {
  const { connection, profile, privilege, demoModule } = spec;
  return {
    environment: spec.environment,
    protected: String(spec.protected),
    connectString: connection.connectString,
    user: connection.user,
    schema: connection.schema,
    walletConfigDir: connection.wallet?.configDir ?? "",
    walletLocation: connection.wallet?.walletLocation ?? "",
    baseUrl: spec.baseUrl,
    issuer: profile.issuer,
    audience: profile.audience,
    jwkUrl: requireJwkUrl(spec),
    profileDescription: profile.description,
    allowedSkewSeconds: profile.allowedSkewSeconds === null ? "" : String(profile.allowedSkewSeconds),
    allowedAgeSeconds: profile.allowedAgeSeconds === null ? "" : String(profile.allowedAgeSeconds),
    roleClaimName: profile.roleClaimName ?? "",
    privilegeName: privilege.name,
    privilegeLabel: privilege.label,
    privilegeDescription: privilege.description,
    privilegeRoles: JSON.stringify(privilege.roles),
    privilegePatterns: JSON.stringify(privilege.patterns),
    privilegeModules: JSON.stringify(privilege.modules),
    demoModuleName: demoModule?.name ?? "",
    demoModuleBasePath: demoModule?.basePath ?? "",
    demoModulePattern: demoModule?.pattern ?? "",
    readinessTimeoutSeconds: String(spec.readinessTimeoutSeconds),
    adoptExisting: String(spec.adoptExisting),
  };
}

/** Parses the hook's JSON (from `--spec-env`) back into a spec; every field is validated again. */
export function specFromHookInput(json: string, source: string): OrdsSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new KitError("CONFIG_ORDS_SPEC_INVALID", `${source} is not JSON`, {
      cause,
      fix: "Let the cdktf hook set it, or run the command with an environment name and no --spec-env.",
    });
  }
  const parsed = hookInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || "(top)"}: ${issue.message}`);
    throw new KitError(
      "CONFIG_ORDS_SPEC_INVALID",
      `${source} is not a valid ORDS step input:\n${problems.join("\n")}`,
      {
        fix:
          "Deploy again (npx ords-jwt deploy <environment> synthesizes the stack afresh) so the hook carries the " +
          "current input.",
        details: { problems },
      },
    );
  }
  const input = parsed.data;
  const user = input.user.toUpperCase();
  const schema = input.schema.toUpperCase();
  const demoModule =
    input.demoModuleName === ""
      ? null
      : { name: input.demoModuleName, basePath: input.demoModuleBasePath, pattern: input.demoModulePattern };
  return {
    environment: input.environment,
    protected: input.protected === "true",
    connection: {
      connectString: input.connectString,
      user,
      schema,
      adminMode: schema !== user,
      wallet:
        input.walletConfigDir === ""
          ? null
          : { configDir: input.walletConfigDir, walletLocation: input.walletLocation || input.walletConfigDir },
    },
    baseUrl: input.baseUrl,
    profile: {
      issuer: input.issuer,
      audience: input.audience,
      jwkUrl: input.jwkUrl,
      description: input.profileDescription,
      allowedSkewSeconds: input.allowedSkewSeconds,
      allowedAgeSeconds: input.allowedAgeSeconds,
      roleClaimName: input.roleClaimName === "" ? null : input.roleClaimName,
    },
    privilege: {
      name: input.privilegeName,
      label: input.privilegeLabel,
      description: input.privilegeDescription,
      roles: sortedUnique(input.privilegeRoles),
      patterns: sortedUnique(input.privilegePatterns),
      modules: sortedUnique(input.privilegeModules),
    },
    demoModule,
    readinessTimeoutSeconds: input.readinessTimeoutSeconds,
    adoptExisting: input.adoptExisting === "true",
  };
}
