// The zod schema of an `identityProvider` of type "entra" (Microsoft Entra ID app registration).
// It holds no credentials: the azuread provider authenticates from the standard ARM_* environment variables.
import { z } from "zod";
import { DEFAULT_REDIRECT_URIS, description, redirectUri } from "./fields";

/** Entra scope and app-role values: no whitespace, quotes or semicolons (they become ORDS names), no leading dot. */
const ENTRA_VALUE = /^[A-Za-z0-9_:-][A-Za-z0-9._:-]*$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const SIGN_IN_AUDIENCES = [
  "AzureADMyOrg",
  "AzureADMultipleOrgs",
  "AzureADandPersonalMicrosoftAccount",
  "PersonalMicrosoftAccount",
] as const;

const entraValue = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty: it becomes an ORDS name`)
    .max(120, `${what} is longer than 120 characters`)
    .regex(
      ENTRA_VALUE,
      `${what} can only hold letters, digits and . _ : - and must not start with a dot (no whitespace, quotes, ` +
        `semicolons or "/")`,
    );

const text = (what: string) => description(what);

export const entraScopeSchema = z.strictObject({
  /** Appears in `scp` of user (authorization-code) tokens; names the ORDS privilege. */
  value: entraValue("scope value"),
  description: text("description"),
});

export const entraAppRoleSchema = z.strictObject({
  /** Appears in `roles` of client-credentials tokens; names an ORDS role in role mode. */
  value: entraValue("app role value"),
  displayName: text("displayName").optional(),
  description: text("description"),
});

export const entraIdentityProviderSchema = z
  .strictObject({
    type: z.literal("entra"),
    tenantId: z.string().regex(GUID, "must be the directory (tenant) id, a GUID"),
    displayName: text("displayName"),
    scopes: z.array(entraScopeSchema).min(1, "needs at least one scope: the first one names the ORDS privilege"),
    appRoles: z.array(entraAppRoleSchema).default([]),
    /**
     * How ORDS authorizes: "roles" (client credentials: tokens carry `roles`, no `scp`; ORDS 25.1+ role mode)
     * or "scopes" (user tokens only: `scp` holds the scope value).
     */
    ordsAuthorization: z
      .enum(["roles", "scopes"], 'must be "roles" (client credentials, ORDS 25.1+) or "scopes" (user tokens only)')
      .default("roles"),
    redirectUris: z.array(redirectUri).default(DEFAULT_REDIRECT_URIS),
    signInAudience: z.enum(SIGN_IN_AUDIENCES, `must be one of ${SIGN_IN_AUDIENCES.join(", ")}`).default("AzureADMyOrg"),
    /** Lifetime of the client secret the stack creates. */
    secretLifetimeDays: z
      .number()
      .int()
      .positive()
      .max(730, "secretLifetimeDays can be at most 730 (two years)")
      .default(180),
    /** Entra issues v1 tokens unless asked; ORDS must see the v2 issuer the kit configures, so only 2 is accepted. */
    requestedAccessTokenVersion: z
      .literal(
        2,
        "must be 2: v1 tokens carry iss https://sts.windows.net/<tenant>/, which the kit's v2 profile rejects",
      )
      .default(2),
  })
  .superRefine((idp, ctx) => {
    for (const [key, list] of [
      ["scopes", idp.scopes],
      ["appRoles", idp.appRoles],
    ] as const) {
      const seen = new Map<string, number>();
      list.forEach((item, index) => {
        const first = seen.get(item.value);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key, index, "value"],
            message: `duplicate "${item.value}" (also ${key}[${first}]): each value must be unique`,
          });
        } else {
          seen.set(item.value, index);
        }
      });
    }
    if (idp.ordsAuthorization === "roles" && idp.appRoles.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["appRoles"],
        message:
          'ordsAuthorization "roles" needs at least one app role (client-credentials tokens carry only roles), or ' +
          'set ordsAuthorization to "scopes" for user tokens',
      });
    }
  });

export type EntraIdentityProviderConfig = z.output<typeof entraIdentityProviderSchema>;
