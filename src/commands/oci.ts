// `ords-jwt oci …`: the OCI calls Terraform provisioners make through the kit (client access, app and domain
// deactivation before delete). Flags are validated here; src/cli/oci.ts registers the commands, src/oci/ calls.
import { z } from "zod";
import { KitError } from "../errors";
import { OCI_AUTH_MODES, ociAuthProvider } from "../oci/auth";
import { deactivateApp, deactivateDomain, enableSigningCertPublicAccess } from "../oci/calls";

const https = z.url({ protocol: /^https?$/ });
const authFlags = {
  auth: z.enum(OCI_AUTH_MODES),
  profile: z.string().min(1).optional(),
};

const clientAccessSchema = z.object({
  ...authFlags,
  idcsEndpoint: https,
  /** What the oci_identity_domains_setting data source read; "true" means nothing to do. */
  current: z.enum(["true", "false", ""]).optional(),
});
const appSchema = z.object({ ...authFlags, idcsEndpoint: https, appId: z.string().min(1) });
const domainSchema = z.object({
  ...authFlags,
  domainId: z.string().regex(/^ocid1\.domain\./, "must be a domain OCID"),
  region: z.string().min(1),
});

function parse<T extends z.ZodType>(schema: T, options: unknown, command: string): z.output<T> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("; ");
  throw new KitError("USAGE_INVALID", `oci ${command}: ${problems}`, {
    fix: "These commands are run by the stack's Terraform provisioners; re-synthesize the stack (cdktf synth).",
  });
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function ociClientAccess(options: unknown): Promise<string> {
  const flags = parse(clientAccessSchema, options, "client-access");
  const auth = await ociAuthProvider({ mode: flags.auth, profile: flags.profile });
  const current = flags.current === "" || flags.current === undefined ? undefined : flags.current === "true";
  const outcome = await enableSigningCertPublicAccess(auth, flags.idcsEndpoint, current);
  return outcome === "enabled"
    ? `client access enabled on ${flags.idcsEndpoint} (SigningCertPublicAccess = true; nothing else changed)`
    : `client access was already enabled on ${flags.idcsEndpoint}; nothing changed`;
}

export async function ociDeactivateApp(options: unknown): Promise<string> {
  const flags = parse(appSchema, options, "deactivate-app");
  const auth = await ociAuthProvider({ mode: flags.auth, profile: flags.profile });
  const outcome = await deactivateApp(auth, flags.idcsEndpoint, flags.appId);
  return outcome === "gone" ? `app ${flags.appId} is gone already` : `app ${flags.appId} deactivated (active = false)`;
}

export async function ociDeactivateDomain(options: unknown): Promise<string> {
  const flags = parse(domainSchema, options, "deactivate-domain");
  const auth = await ociAuthProvider({ mode: flags.auth, profile: flags.profile });
  const outcome = await deactivateDomain(auth, { domainId: flags.domainId, region: flags.region, log });
  const said: Record<typeof outcome, string> = {
    deactivated: "deactivated",
    "already-inactive": "was inactive already",
    gone: "is gone already",
  };
  return `domain ${flags.domainId} ${said[outcome]}`;
}
