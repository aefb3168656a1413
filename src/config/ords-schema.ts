// The zod schema of an environment's `ords` section: connection, JWT profile, privilege, demo module, hook switch.
// It holds no secrets (the DB and wallet passwords come from the environment) and derives nothing from the IdP.
import { resolve } from "node:path";
import { z } from "zod";
import { VISIBLE_TEXT, VISIBLE_TEXT_RULE } from "./fields";
import { connectStringProblem } from "./url-rules";

/** Unquoted Oracle identifier: what ORDS stores (upper case) as the parsing schema. */
const ORACLE_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;
/** ORDS module names such as `hr.v1`; no quotes, semicolons or whitespace, so a name can never look like SQL. */
const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
/** ORDS role names may hold spaces ("HR Reader") but never quotes or semicolons. */
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,254}$/;
/** Privilege URI patterns such as `/employees/*`. */
const URI_PATTERN = /^\/?[A-Za-z0-9._~:/*-]{1,255}$/;
/** A module base path such as `/demo/`. */
const BASE_PATH = /^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/$/;
/** A template pattern such as `hello`. */
const TEMPLATE_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
/** A JSON pointer (RFC 6901) such as `/roles`; `~0` and `~1` escapes allowed. */
const JSON_POINTER = /^(\/([A-Za-z0-9_.:-]|~[01])+)+$/;
/** Free text (labels, descriptions): the shared rule of src/config/fields.ts. */
const FREE_TEXT = VISIBLE_TEXT;

const NAME_RULE = "letters, digits and . _ - only (no whitespace, quotes or semicolons)";

const identifier = (what: string) =>
  z
    .string()
    .regex(
      ORACLE_IDENTIFIER,
      `${what} must be an unquoted Oracle identifier: a letter, then letters, digits, _ $ # (no quotes, semicolons ` +
        "or spaces)",
    );

const freeText = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty; leave the key out for the default`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(FREE_TEXT, `${what} must be ${VISIBLE_TEXT_RULE}`);

/** http(s) URL that ends in `/`; plain http only on a loopback host. */
const ordsBaseUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        url.protocol === "https:" ||
        (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
      );
    } catch {
      return false;
    }
  }, "baseUrl must be the absolute https:// URL of the schema's ORDS root, such as https://host/ords/hr/ (http:// " +
    "only on a loopback host)")
  .transform((value) => (value.endsWith("/") ? value : `${value}/`));

/** The seed's warning, repeated wherever 0 is refused. */
export const ZERO_SECONDS_REASON =
  '0 is refused: ORDS treats 0 as "no tolerance" (not "unset"), and with it valid tokens fail with the same opaque ' +
  "invalid_token. " +
  "Leave the key out for NULL (the ORDS global setting), or give a positive number of seconds";

const positiveSeconds = (what: string, max?: number) =>
  z
    .number()
    .int(`${what} must be a whole number of seconds`)
    .superRefine((value, ctx) => {
      if (value === 0) ctx.addIssue({ code: "custom", message: ZERO_SECONDS_REASON });
      else if (value < 0)
        ctx.addIssue({
          code: "custom",
          message: `${what} must be positive; leave it out for NULL (the ORDS global setting)`,
        });
      else if (max !== undefined && value > max)
        ctx.addIssue({ code: "custom", message: `${what} can be at most ${max} seconds (the ORDS maximum)` });
    });

/** Element schemas, shared with the hook's input parser (src/ords/spec.ts). */
export const ordsModuleName = z.string().regex(MODULE_NAME, `module name can only hold ${NAME_RULE}`);
export const ordsRoleName = z
  .string()
  .regex(ROLE_NAME, "role name can only hold letters, digits, spaces and . _ : / - (no quotes or semicolons)");
export const ordsUriPattern = z
  .string()
  .regex(URI_PATTERN, "pattern can only hold letters, digits and . _ ~ : / * - (no whitespace, quotes or semicolons)");
export const ordsIdentifier = identifier;
export const ordsFreeText = freeText;
export const ordsJsonPointer = z
  .string()
  .regex(JSON_POINTER, 'roleClaimName must be a JSON pointer such as "/roles" (RFC 6901)');

/**
 * A directory path; a relative one is resolved against the project root, which is the current working directory when
 * the configuration is loaded (npm run plan, cdktf, the CLI all run from it). The cdktf hook runs the step from
 * cdktf.out/stacks/<env>, so only absolute paths may travel in its input.
 */
const directoryPath = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .transform((path) => resolve(path));

export const ordsWalletSchema = z.strictObject({
  /** Directory holding tnsnames.ora (and sqlnet.ora) of the wallet; relative to the project root. */
  configDir: directoryPath("configDir"),
  /** Directory holding ewallet.pem; relative to the project root. @default configDir */
  walletLocation: directoryPath("walletLocation").optional(),
});

export const ordsPrivilegeSchema = z.strictObject({
  /** Shown in ORDS tools. @default the privilege name (the first scope value) */
  label: freeText("label", 255).optional(),
  /** @default the first scope's description */
  description: freeText("description", 2000).optional(),
  /** Modules the privilege protects; they must already exist in the schema (the demo module is added automatically). */
  modules: z.array(ordsModuleName).default([]),
  /** URI patterns the privilege protects, such as `/employees/*`. */
  patterns: z.array(ordsUriPattern).default([]),
  /** ORDS roles linked to the privilege; created when missing. Required in role mode. */
  roles: z.array(ordsRoleName).default([]),
});

export const ordsJwtProfileSchema = z.strictObject({
  /** @default "ords-jwt-kit: <environment>" */
  description: freeText("description", 255).optional(),
  /** Clock skew tolerance; NULL (left out) means the ORDS global setting. Never 0. */
  allowedSkewSeconds: positiveSeconds("allowedSkewSeconds", 60).optional(),
  /** Maximum token age from `iat`; NULL (left out) means the ORDS global setting. Never 0. */
  allowedAgeSeconds: positiveSeconds("allowedAgeSeconds").optional(),
  /** JSON pointer to the roles claim, such as `/roles`: turns on role mode (ORDS 25.1+). */
  roleClaimName: ordsJsonPointer.optional(),
});

export const DEFAULT_DEMO_MODULE = {
  name: "ords_jwt_kit.demo",
  basePath: "/demo/",
  pattern: "hello",
} as const;

export const ordsDemoModuleSchema = z.strictObject({
  name: ordsModuleName.default(DEFAULT_DEMO_MODULE.name),
  basePath: z
    .string()
    .regex(BASE_PATH, 'basePath must look like "/demo/": starts and ends with "/", letters, digits and . _ - between')
    .default(DEFAULT_DEMO_MODULE.basePath),
  pattern: z
    .string()
    .regex(TEMPLATE_PATTERN, 'pattern must look like "hello": letters, digits and . _ - (segments separated by "/")')
    .default(DEFAULT_DEMO_MODULE.pattern),
});

/** Default wait for the JWKS to answer without credentials before the profile is created. */
export const DEFAULT_READINESS_TIMEOUT_SECONDS = 300;

export const ordsSchema = z
  .strictObject({
    /** Easy Connect string, TNS alias (with wallet.configDir) or full descriptor. */
    connectString: z
      .string()
      .trim()
      .min(1, "connectString must not be empty: an Easy Connect string (host:port/service) or a TNS alias")
      .superRefine((value, ctx) => {
        const problem = connectStringProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      }),
    /** The database user the step connects as. */
    user: identifier("user"),
    /**
     * The REST-enabled schema to configure. @default user; when it differs, the ORDS_ADMIN / ORDS_SECURITY_ADMIN
     * packages are used
     */
    schema: identifier("schema").optional(),
    /** Wallet for mTLS (Autonomous Database); its password comes from ORDS_WALLET_PASSWORD. */
    wallet: ordsWalletSchema.optional(),
    /** The schema's ORDS root URL, such as https://host/ords/hr/; `call` and `doctor` build request URLs from it. */
    baseUrl: ordsBaseUrl,
    privilege: ordsPrivilegeSchema.default({ modules: [], patterns: [], roles: [] }),
    jwtProfile: ordsJwtProfileSchema.default({}),
    /** `true` for the default demo module (GET <baseUrl>demo/hello returning :current_user), or its settings. */
    demoModule: z.union([z.boolean(), ordsDemoModuleSchema]).default(false),
    /** How long to wait for the JWKS to answer without credentials. */
    readinessTimeoutSeconds: z
      .number()
      .int("readinessTimeoutSeconds must be a whole number")
      .positive("readinessTimeoutSeconds must be positive")
      .max(3600, "readinessTimeoutSeconds can be at most 3600 (one hour)")
      .default(DEFAULT_READINESS_TIMEOUT_SECONDS),
    /** Run the step from `cdktf deploy` / `cdktf destroy` (a terraform_data hook). */
    hook: z.boolean().default(true),
    /**
     * Let `ords apply` take over a privilege, JWT profile or demo module of the same name that the kit did not create
     * (no kit marker in its comments): it is redefined, marked as the kit's, and from then on dropped by teardown.
     * Pre-existing roles are never taken over. Without it, apply refuses (ORDS_NOT_OWNED) and changes nothing.
     */
    adoptExisting: z.boolean().default(false),
    /**
     * The target's ORDS version when known (e.g. "25.2"), so a config that needs role mode (25.1+) fails
     * before deploy. The runner still reads the real version and decides by that.
     */
    version: z
      .string()
      .regex(/^\d+\.\d+(\.\d+)*$/, 'version must look like "25.2" or "24.4.0"')
      .optional(),
  })
  .superRefine((ords, ctx) => {
    const demo = ords.demoModule !== false;
    if (ords.privilege.modules.length === 0 && ords.privilege.patterns.length === 0 && !demo) {
      ctx.addIssue({
        code: "custom",
        path: ["privilege"],
        message: "the privilege protects nothing: list modules or patterns, or set demoModule to true",
      });
    }
    if (ords.jwtProfile.roleClaimName !== undefined && ords.privilege.roles.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["privilege", "roles"],
        message:
          "role mode (jwtProfile.roleClaimName) needs at least one role: name the roles your tokens carry in " +
          "that claim",
      });
    }
    for (const key of ["modules", "patterns", "roles"] as const) {
      const seen = new Set<string>();
      ords.privilege[key].forEach((value, index) => {
        if (seen.has(value))
          ctx.addIssue({
            code: "custom",
            path: ["privilege", key, index],
            message: `duplicate "${value}": list each entry once`,
          });
        seen.add(value);
      });
    }
  });

export type OrdsConfig = z.output<typeof ordsSchema>;
export type OrdsDemoModuleConfig = z.output<typeof ordsDemoModuleSchema>;

/** The demo module settings, or undefined when it is off. */
export function demoModuleOf(ords: OrdsConfig): OrdsDemoModuleConfig | undefined {
  if (ords.demoModule === false) return undefined;
  return ords.demoModule === true ? { ...DEFAULT_DEMO_MODULE } : ords.demoModule;
}
