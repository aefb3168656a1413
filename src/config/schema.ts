// The zod schema of one environment file: shapes, defaults and per-file rules.
// Rules that span several files (duplicate domain names) live in load.ts; secrets are refused there too.
import { z } from "zod";
import { joinFqs } from "../fqs";
import { type EntraIdentityProviderConfig, entraIdentityProviderSchema } from "./entra-schema";
import {
  audience,
  DEFAULT_REDIRECT_URIS,
  DESCRIPTION_MAX,
  description,
  httpsUrl,
  nonEmpty,
  redirectUri,
} from "./fields";
import { ordsSchema } from "./ords-schema";
import { bareDomainUrlProblem, URL_CREDENTIALS_MESSAGE, urlHasCredentials } from "./url-rules";

export { DEFAULT_REDIRECT_URIS, KIT_LOOPBACK_CALLBACK, POSTMAN_CALLBACK } from "./fields";

/**
 * `license_type` (facts.md §1). The provider takes any string (identity_domain_resource.go validates none); the
 * service defines the set, listed by ListAllowedDomainLicenseTypes (AllowedDomainLicenseTypeSummary, example
 * "oracle-apps-premium"). Compared exactly: the API's identifiers are lower case.
 */
export const LICENSE_TYPES = ["free", "premium", "external-user", "oracle-apps", "oracle-apps-premium"] as const;
/**
 * The provider's `auth` values that the kit's own SDK calls (src/oci/auth.ts) support as well; the provider also
 * knows InstancePrincipalWithCerts and OKEWorkloadIdentity, which the kit does not offer.
 */
export const OCI_AUTH_METHODS = ["ApiKey", "SecurityToken", "InstancePrincipal", "ResourcePrincipal"] as const;
/** Setting.CsrAccess in oci-identitydomains (lib/model/setting.d.ts). */
export const CSR_ACCESS_VALUES = ["none", "readOnly", "readWrite"] as const;
/**
 * Grants an OCI confidential app can hold; the kit's flows need the first two. The API takes free strings
 * (App.allowedGrants: Array<string> in oci-identitydomains lib/model/app.d.ts); these are the OAuth grant types.
 */
export const OAUTH_GRANTS = [
  "client_credentials",
  "authorization_code",
  "refresh_token",
  "password",
  "implicit",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
  "urn:ietf:params:oauth:grant-type:device_code",
] as const;
/**
 * `trust_scope` values; the console's "All" is Account and "Specific" is Explicit (facts.md §1). App.TrustScope in
 * oci-identitydomains (lib/model/app.d.ts) also has Tags, which needs tags the kit does not manage.
 */
export const TRUST_SCOPES = ["Explicit", "Account", "Default"] as const;

/** Where an environment is deployed; see environmentSchema's `target`. */
export const TARGETS = ["cloud", "twin"] as const;

/** facts.md §1 marks `iss` unsettled; the slash form is what real tokens show. */
export const DEFAULT_OCI_ISSUER = "https://identity.oraclecloud.com/";

/**
 * Characters a scope value may hold. The value doubles as the ORDS privilege name, which the
 * kit passes as a bind; whitespace, quotes and semicolons are refused so it can never look like SQL.
 */
const SCOPE_VALUE = /^[A-Za-z0-9._:/-]+$/;
const OCID = (kind: string) => new RegExp(`^ocid1\\.${kind}\\.[a-z0-9-]+\\.[a-z0-9-]*\\.[a-z0-9]+$`);
const REGION = /^[a-z]+(-[a-z]+)+-\d+$/;

const compartmentOcid = z
  .string()
  .regex(
    OCID("(compartment|tenancy)"),
    "must be a compartment or tenancy OCID (ocid1.compartment.oc1..… or ocid1.tenancy.oc1..…)",
  );

export const ociProviderSchema = z
  .strictObject({
    /** Region of the provider; the identity-domain endpoints themselves are global. */
    region: z.string().regex(REGION, "must be an OCI region identifier such as eu-frankfurt-1"),
    /** The tenancy's home region: domain create/update/delete go there (others answer 403 NotAllowed). */
    homeRegion: z.string().regex(REGION, "must be an OCI region identifier such as eu-frankfurt-1"),
    auth: z.enum(OCI_AUTH_METHODS).default("ApiKey"),
    configFileProfile: nonEmpty("configFileProfile").optional(),
  })
  .superRefine((provider, ctx) => {
    if (provider.auth === "SecurityToken" && provider.configFileProfile === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["configFileProfile"],
        message:
          'auth "SecurityToken" needs configFileProfile: name the ~/.oci/config profile that `oci session ' +
          "authenticate` wrote",
      });
    }
  });

const domainAdminSchema = z.strictObject({
  email: z.email("must be an e-mail address"),
  firstName: nonEmpty("firstName"),
  lastName: nonEmpty("lastName"),
  userName: nonEmpty("userName"),
  /** OCI requires is_notification_bypassed whenever the admin fields are set. */
  notificationBypassed: z.boolean(),
});

const ADMIN_FIELDS = ["email", "firstName", "lastName", "userName", "notificationBypassed"] as const;

export const domainSchema = z
  .strictObject({
    mode: z.enum(["create", "existing"], 'must be "create" (the kit creates the domain) or "existing" (reuse one)'),
    // create
    compartmentId: compartmentOcid.optional(),
    displayName: nonEmpty("displayName").optional(),
    description: description("description").optional(),
    licenseType: z.enum(LICENSE_TYPES, `must be one of ${LICENSE_TYPES.join(", ")}`).optional(),
    /** All-or-nothing: OCI answers 400 when only some admin fields are set. */
    admin: domainAdminSchema.partial().optional(),
    // existing
    url: httpsUrl("url")
      .superRefine((value, ctx) => {
        const problem = bareDomainUrlProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  })
  .superRefine((domain, ctx) => {
    const need = (key: keyof typeof domain, why: string) => {
      if (domain[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: `is required: ${why}` });
    };
    const forbid = (key: keyof typeof domain, why: string) => {
      if (domain[key] !== undefined)
        ctx.addIssue({ code: "custom", path: [key], message: `is not allowed here: ${why}` });
    };
    if (domain.mode === "create") {
      need("compartmentId", 'a "create" domain needs the compartment OCID it lives in');
      need("displayName", 'a "create" domain needs a display name');
      need("description", 'a "create" domain needs a description (OCI requires one)');
      need("licenseType", `a "create" domain needs licenseType, one of ${LICENSE_TYPES.join(", ")}`);
      forbid("url", 'a "create" domain gets its URL from OCI; remove url, or set mode to "existing"');
      if (domain.admin !== undefined) {
        const missing = ADMIN_FIELDS.filter((field) => domain.admin?.[field] === undefined);
        if (missing.length > 0) {
          ctx.addIssue({
            code: "custom",
            path: ["admin"],
            message:
              `admin fields go together (OCI answers 400 otherwise): missing ${missing.join(", ")}; set all ` +
              `of ${ADMIN_FIELDS.join(", ")} or remove admin`,
          });
        }
      }
    } else {
      forbid("description", "the kit never modifies a reused domain");
      forbid("licenseType", "the kit never modifies a reused domain");
      forbid("admin", "the kit never modifies a reused domain");
      const byUrl = domain.url !== undefined;
      const byLookup = domain.compartmentId !== undefined || domain.displayName !== undefined;
      if (byUrl && byLookup) {
        ctx.addIssue({
          code: "custom",
          path: ["url"],
          message: "give either url, or compartmentId + displayName to look the domain up, not both",
        });
      } else if (!byUrl) {
        need(
          "compartmentId",
          'an "existing" domain needs url, or compartmentId + displayName (the tenancy OCID for the Default domain)',
        );
        need(
          "displayName",
          'an "existing" domain needs url, or compartmentId + displayName ("Default" for the Default domain)',
        );
        if (
          domain.displayName === "Default" &&
          domain.compartmentId !== undefined &&
          !domain.compartmentId.startsWith("ocid1.tenancy.")
        ) {
          ctx.addIssue({
            code: "custom",
            path: ["compartmentId"],
            message: "the Default domain lives in the root compartment: use the tenancy OCID (ocid1.tenancy.…)",
          });
        }
      }
    }
  });

export const clientAccessSchema = z.strictObject({
  /** Manage `signing_cert_public_access = true` ("Configure client access"), so ORDS can fetch the JWKS anonymously. */
  manageSigningCertPublicAccess: z.boolean().default(true),
  /**
   * No longer used: the kit PATCHes only SigningCertPublicAccess and leaves csr_access as the domain has it. Still
   * accepted so existing environment files keep working.
   */
  csrAccess: z.enum(CSR_ACCESS_VALUES, `must be one of ${CSR_ACCESS_VALUES.join(", ")}`).optional(),
});

export const scopeSchema = z.strictObject({
  value: z
    .string()
    .min(1, "scope value must not be empty: it becomes the ORDS privilege name")
    .regex(
      SCOPE_VALUE,
      "scope value can only hold letters, digits and . _ : / - (no whitespace, quotes or semicolons): it becomes the " +
        "ORDS privilege name",
    )
    .max(255, "scope value is longer than 255 characters"),
  description: description("description"),
  requiresConsent: z.boolean().default(false),
});

export const appSchema = z
  .strictObject({
    displayName: nonEmpty("displayName"),
    /** The primary audience; tokens carry it as `aud` exactly as written. */
    primaryAudience: audience("primaryAudience"),
    scopes: z.array(scopeSchema).min(1, "needs at least one scope: the first one names the ORDS privilege"),
    grants: z
      .array(z.enum(OAUTH_GRANTS, `must be one of ${OAUTH_GRANTS.join(", ")}`))
      .min(1)
      .default(["client_credentials", "authorization_code"]),
    redirectUris: z.array(redirectUri).default(DEFAULT_REDIRECT_URIS),
    accessTokenExpirySeconds: z.number().int().positive().max(31_536_000).default(3600),
    active: z.boolean().default(true),
    /** Grant the app its own scopes through `allowed_scopes { fqs }` (facts.md §1). */
    allowOwnScopes: z.boolean().default(true),
    /** Optional `trust_scope`; whether it alone suffices is unsettled (facts.md §1), so it is opt-in. */
    trustScope: z.enum(TRUST_SCOPES).optional(),
  })
  .superRefine((app, ctx) => {
    const seen = new Map<string, number>();
    app.scopes.forEach((scope, index) => {
      const first = seen.get(scope.value);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["scopes", index, "value"],
          message: `duplicate scope "${scope.value}" (also scopes[${first}]): each scope value must be unique`,
        });
      } else {
        seen.set(scope.value, index);
      }
      const slashes = joinSlashCount(app.primaryAudience, scope.value);
      if (slashes !== 1) {
        ctx.addIssue({
          code: "custom",
          path: ["scopes", index, "value"],
          message:
            `the fully qualified scope "${joinFqs(app.primaryAudience, scope.value)}" has ${slashes} "/" at the ` +
            "audience/scope join; " +
            ("OCI concatenates them with nothing in between, so exactly one must carry the slash (e.g. audience " +
              '"ords-api/" and scope "emp.read")'),
        });
      }
    });
    if (app.grants.includes("authorization_code") && app.redirectUris.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["redirectUris"],
        message: "the authorization_code grant needs at least one redirect URI",
      });
    }
    if (!app.allowOwnScopes && app.trustScope === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["allowOwnScopes"],
        message: "the app could not request its own scope: keep allowOwnScopes true or set trustScope",
      });
    }
  });

function joinSlashCount(audience: string, scope: string): number {
  return (audience.endsWith("/") ? 1 : 0) + (scope.startsWith("/") ? 1 : 0);
}

export const demoUserSchema = z.strictObject({
  userName: nonEmpty("userName"),
  email: z.email("must be an e-mail address"),
  givenName: nonEmpty("givenName"),
  familyName: nonEmpty("familyName"),
});

export const ociIdentityProviderSchema = z
  .strictObject({
    type: z.literal("oci"),
    provider: ociProviderSchema,
    domain: domainSchema,
    clientAccess: clientAccessSchema.default({ manageSigningCertPublicAccess: true }),
    app: appSchema,
    demoUser: demoUserSchema.optional(),
    /** The `iss` ORDS compares exactly; unsettled in facts.md §1, so overridable. */
    issuer: httpsUrl("issuer").default(DEFAULT_OCI_ISSUER),
  })
  .superRefine((idp, ctx) => {
    const access = idp.clientAccess;
    if (!access.manageSigningCertPublicAccess && access.csrAccess !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["clientAccess", "csrAccess"],
        message: "has no effect when manageSigningCertPublicAccess is false; remove it",
      });
    }
  });

const BUCKET_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const KEY_PREFIX = /^[A-Za-z0-9._/-]{1,200}$/;

const remoteStateFields = {
  bucket: z.string().regex(BUCKET_NAME, "must be an Object Storage bucket name (letters, digits, . _ -)"),
  /** The tenancy's Object Storage namespace (`oci os ns get`). */
  namespace: z.string().regex(/^[a-z0-9]{1,64}$/, "must be the Object Storage namespace (`oci os ns get` prints it)"),
  /** Region of the bucket; defaults to identityProvider.provider.region. */
  region: z.string().regex(REGION, "must be an OCI region identifier such as eu-frankfurt-1").optional(),
  /** The state object is `<keyPrefix>/<environment>.tfstate`, so environments never share state. */
  keyPrefix: z
    .string()
    .regex(KEY_PREFIX, "must be a path prefix of letters, digits and . _ / -")
    .default("ords-jwt-kit"),
};

/**
 * Where Terraform keeps this environment's state. The native `oci` backend is Oracle's recommended way
 * (Terraform ≥ 1.12); `s3-compatible` is Oracle's deprecated fallback for older Terraform.
 */
export const stateSchema = z.discriminatedUnion(
  "backend",
  [
    z.strictObject({ backend: z.literal("local") }),
    z.strictObject({ backend: z.literal("oci"), ...remoteStateFields }),
    z.strictObject({
      backend: z.literal("s3-compatible"),
      ...remoteStateFields,
      /**
       * Profile in the AWS-style credentials file holding an OCI Customer Secret Key; or use
       * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
       */
      credentialsProfile: nonEmpty("credentialsProfile").optional(),
    }),
  ],
  { error: 'backend must be "local", "oci" (Terraform ≥ 1.12) or "s3-compatible"' },
);

/** ORDS gained JWT role mode (`p_role_claim_name`) in 25.1 (facts.md §2). */
export const ROLE_MODE_MIN_ORDS_VERSION = [25, 1] as const;

function versionBelow(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(".").map(Number);
  for (const [index, want] of minimum.entries()) {
    const have = parts[index] ?? 0;
    if (have !== want) return have < want;
  }
  return false;
}

export const environmentSchema = z
  .strictObject({
    /** Documentation only; editors use it for completion. */
    $schema: nonEmpty("$schema", DESCRIPTION_MAX).optional(),
    /** A protected environment is never torn down casually. */
    protected: z.boolean().default(false),
    /**
     * What the environment is deployed to: the real cloud, or the local twin of OCI IAM and ORDS (twin/README.md).
     * "twin" swaps the seams only (src/seams.ts): terraform's oracle/oci provider, the OCI endpoints, the database
     * connector and the ORDS origin. Everything else runs as for the cloud.
     */
    target: z
      .enum(TARGETS, 'must be "cloud" (the default) or "twin" (the local twin of OCI IAM and ORDS)')
      .default("cloud"),
    identityProvider: z.discriminatedUnion("type", [ociIdentityProviderSchema, entraIdentityProviderSchema], {
      error: 'must have type "oci" (OCI IAM identity domain) or "entra" (Microsoft Entra ID)',
    }),
    /** The ORDS post-deploy step; leave it out for an environment that only provisions the identity provider. */
    ords: ordsSchema.optional(),
    /** Terraform state for this environment; local by default. */
    state: stateSchema.default({ backend: "local" }),
  })
  .superRefine((environment, ctx) => {
    const idp = environment.identityProvider;
    const ords = environment.ords;
    // A password in a URL would land in cdk.tf.json, the plan output and the state.
    const urls: Array<[PropertyKey[], string | undefined]> = [
      [["identityProvider", "issuer"], "issuer" in idp ? idp.issuer : undefined],
      [["ords", "baseUrl"], ords?.baseUrl],
      ...(idp.type === "oci" ? idp.app.redirectUris : idp.redirectUris).map((uri, index): [PropertyKey[], string] => [
        ["identityProvider", ...(idp.type === "oci" ? ["app"] : []), "redirectUris", index],
        uri,
      ]),
    ];
    for (const [path, value] of urls) {
      if (value !== undefined && urlHasCredentials(value))
        ctx.addIssue({ code: "custom", path, message: URL_CREDENTIALS_MESSAGE });
    }
    const roleMode =
      ords?.jwtProfile.roleClaimName !== undefined || (idp.type === "entra" && idp.ordsAuthorization === "roles");
    if (roleMode && ords?.version !== undefined && versionBelow(ords.version, ROLE_MODE_MIN_ORDS_VERSION)) {
      ctx.addIssue({
        code: "custom",
        path: ["ords", "version"],
        message:
          `ORDS ${ords.version} has no JWT role mode (it arrived in 25.1), but this environment needs it` +
          (idp.type === "entra"
            ? ' (identityProvider.ordsAuthorization "roles": Entra client-credentials tokens carry only roles)'
            : " (ords.jwtProfile.roleClaimName)") +
          ": upgrade ORDS, or authorize by scopes (user tokens only)",
      });
    }
    const state = environment.state;
    if (environment.target === "twin" && idp.type !== "oci") {
      ctx.addIssue({
        code: "custom",
        path: ["target"],
        message: 'the twin serves OCI IAM only: "twin" needs identityProvider.type "oci" (there is no Entra twin yet)',
      });
    }
    if (environment.target === "twin" && state.backend !== "local") {
      ctx.addIssue({
        code: "custom",
        path: ["state", "backend"],
        message: 'the twin has no Object Storage: a "twin" environment keeps its state local (remove state)',
      });
    }
    if (idp.type === "entra" && state.backend !== "local" && state.region === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["state", "region"],
        message:
          "is required for an Entra environment: there is no OCI provider region to default to; name the bucket's " +
          "region",
      });
    }
  });

export type EnvironmentSettings = z.output<typeof environmentSchema>;
export type OciIdentityProviderConfig = z.output<typeof ociIdentityProviderSchema>;
export type IdentityProviderConfig = OciIdentityProviderConfig | EntraIdentityProviderConfig;
export type { EntraIdentityProviderConfig };
export type DomainConfig = z.output<typeof domainSchema>;
export type DomainAdminConfig = z.output<typeof domainAdminSchema>;
export type StateConfig = z.output<typeof stateSchema>;

/** The admin block once validation has proved it complete. */
export function domainAdmin(domain: DomainConfig): DomainAdminConfig | undefined {
  return domain.admin === undefined ? undefined : domainAdminSchema.parse(domain.admin);
}
