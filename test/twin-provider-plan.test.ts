// The twin provider's planner on the real schema: what SDKv2 would plan for create, no-op, ForceNew and blocks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GoFlags } from "../twin/provider/extract-go-flags";
import { goFlags } from "../twin/provider/extract-go-flags";
import flags from "../twin/provider/go-flags.json";
import { planResource } from "../twin/provider/plan";
import { providerSchema, shapeBlock } from "../twin/provider/schema";
import { isUnknown, type ObjectValue, type Value } from "../twin/provider/values";
import { PROJECT_ROOT } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const STORED_SECRET = sentinelSecret("stored");

const schema = providerSchema();
const goFlagsOf = (type: string): GoFlags => (flags as Record<string, GoFlags>)[type] as GoFlags;
const domainBlock = schema.resource_schemas.oci_identity_domain!.block;
const appBlock = schema.resource_schemas.oci_identity_domains_app!.block;

function domainConfig(overrides: ObjectValue = {}): ObjectValue {
  return shapeBlock(domainBlock, {
    compartment_id: "ocid1.compartment.oc1..example",
    description: "d",
    display_name: "ords-jwt-example",
    home_region: "eu-frankfurt-1",
    license_type: "free",
    ...overrides,
  });
}

/** A domain as the provider would have stored it after create: every computed attribute known. */
function domainState(config: ObjectValue): ObjectValue {
  return {
    ...config,
    id: "ocid1.domain.oc1..twin",
    url: "https://localhost:4443",
    state: "ACTIVE",
    admin_email: null,
    is_notification_bypassed: false,
    replica_regions: [],
    time_created: "2026-11-30T06:00:00.000Z",
  };
}

function plan(type: string, prior: Value, config: Value) {
  const block = schema.resource_schemas[type]!.block;
  return planResource(block, goFlagsOf(type), prior, config, config);
}

describe("planning oci_identity_domain", () => {
  test("plans a create with the config's values and unknown computed attributes", () => {
    const { planned, requiresReplace } = plan("oci_identity_domain", null, domainConfig());
    const object = planned as ObjectValue;
    expect(object.display_name).toBe("ords-jwt-example");
    expect(isUnknown(object.url)).toBe(true);
    expect(isUnknown(object.state)).toBe(true);
    expect(requiresReplace).toEqual([]);
  });

  test("plans no change when the config matches the stored state", () => {
    const prior = domainState(domainConfig());
    const { planned, requiresReplace } = plan("oci_identity_domain", prior, domainConfig());
    expect(planned).toEqual(prior);
    expect(requiresReplace).toEqual([]);
  });

  test("plans an in-place update of a description, keeping computed values", () => {
    const prior = domainState(domainConfig());
    const { planned, requiresReplace } = plan("oci_identity_domain", prior, domainConfig({ description: "new" }));
    expect(planned).toMatchObject({ description: "new", url: "https://localhost:4443", id: prior.id });
    expect(requiresReplace).toEqual([]);
  });

  test("forces a replacement when home_region changes (ForceNew) and makes computed values unknown", () => {
    const prior = domainState(domainConfig());
    const { planned, requiresReplace } = plan(
      "oci_identity_domain",
      prior,
      domainConfig({ home_region: "us-ashburn-1" }),
    );
    expect(requiresReplace).toEqual([[{ attribute_name: "home_region" }]]);
    expect(isUnknown((planned as ObjectValue).url)).toBe(true);
  });

  test("plans no change when only the case of state differs (EqualIgnoreCaseSuppressDiff)", () => {
    const prior = domainState(domainConfig({ state: "ACTIVE" }));
    expect(plan("oci_identity_domain", prior, domainConfig({ state: "active" })).planned).toEqual(prior);
  });

  test("plans a destroy as a null state (plan_destroy)", () => {
    expect(
      planResource(domainBlock, goFlagsOf("oci_identity_domain"), domainState(domainConfig()), null, null),
    ).toEqual({
      planned: null,
      requiresReplace: [],
    });
  });
});

describe("planning oci_identity_domains_app", () => {
  const config = shapeBlock(appBlock, {
    idcs_endpoint: "https://localhost:4443",
    display_name: "api",
    schemas: ["urn:ietf:params:scim:schemas:oracle:idcs:App"],
    based_on_template: [{ value: "CustomWebAppTemplateId" }],
    scopes: [{ value: "demo.read", description: "Read", requires_consent: false }],
    active: true,
  });
  const prior: ObjectValue = {
    ...config,
    id: "app-1",
    name: "client-id-1",
    client_secret: STORED_SECRET,
    based_on_template: [
      { value: "CustomWebAppTemplateId", well_known_id: "CustomWebAppTemplateId", last_modified: null, ref: null },
    ],
    scopes: [
      {
        value: "demo.read",
        description: "Read",
        requires_consent: false,
        display_name: "Read",
        fqs: "aud/demo.read",
        read_only: false,
      },
    ],
    certificates: [{ cert_alias: "a", kid: null, sha1thumbprint: null, x509base64certificate: null, x5t: null }],
  };

  test("keeps computed values of a set block element that the config still names", () => {
    const planned = plan("oci_identity_domains_app", prior, config).planned as ObjectValue;
    expect(planned.scopes).toEqual(prior.scopes);
    expect(planned.client_secret).toBe(STORED_SECRET);
  });

  test("keeps an Optional+Computed block the config leaves out", () => {
    expect((plan("oci_identity_domains_app", prior, config).planned as ObjectValue).certificates).toEqual(
      prior.certificates,
    );
  });

  test("forces a replacement when based_on_template.value changes", () => {
    const changed = {
      ...config,
      based_on_template: [{ ...(config.based_on_template as ObjectValue[])[0], value: "Other" }],
    };
    expect(plan("oci_identity_domains_app", prior, changed).requiresReplace).toEqual([
      [{ attribute_name: "based_on_template" }, { element_key_int: 0 }, { attribute_name: "value" }],
    ]);
  });

  test("makes a new scope's computed attributes unknown", () => {
    const scopes = [
      ...(config.scopes as ObjectValue[]),
      { ...(config.scopes as ObjectValue[])[0], value: "demo.write" },
    ];
    const planned = plan("oci_identity_domains_app", prior, { ...config, scopes }).planned as ObjectValue;
    const added = (planned.scopes as ObjectValue[]).find((scope) => scope.value === "demo.write");
    expect(isUnknown(added?.fqs)).toBe(true);
  });
});

describe("go-flags.json", () => {
  test("lists the ForceNew fields of the Go source", () => {
    expect(goFlagsOf("oci_identity_domains_setting").forceNew).toEqual(["idcs_endpoint", "setting_id"]);
    expect(goFlagsOf("oci_identity_domains_app").forceNew).toContain("based_on_template.value");
    expect(goFlagsOf("oci_identity_domain").forceNew).toContain("home_region");
  });

  test("is what the extractor reads from a Go resource schema", () => {
    const go = [
      "func ExampleResource() *schema.Resource {",
      "\treturn &schema.Resource{",
      "\t\tSchema: map[string]*schema.Schema{",
      '\t\t\t"name": {',
      "\t\t\t\tType:     schema.TypeString,",
      "\t\t\t\tRequired: true,",
      "\t\t\t\tForceNew: true,",
      "\t\t\t},",
      '\t\t\t"items": {',
      "\t\t\t\tType:     schema.TypeList,",
      "\t\t\t\tOptional: true,",
      "\t\t\t\tComputed: true,",
      "\t\t\t\tElem: &schema.Resource{",
      "\t\t\t\t\tSchema: map[string]*schema.Schema{",
      '\t\t\t\t\t\t"value": {',
      "\t\t\t\t\t\t\tType:     schema.TypeString,",
      "\t\t\t\t\t\t\tForceNew: true,",
      "\t\t\t\t\t\t},",
      "\t\t\t\t\t},",
      "\t\t\t\t},",
      "\t\t\t},",
      "\t\t},",
      "\t}",
      "}",
    ].join("\n");
    expect(goFlags(go)).toEqual({ forceNew: ["name", "items.value"], computedBlocks: ["items"], ignoreCase: [] });
  });

  test("covers every resource type the schema serves", () => {
    const served = Object.keys(
      JSON.parse(readFileSync(join(PROJECT_ROOT, "providers", "oci", "schema.json"), "utf8")).provider_schemas[
        "registry.terraform.io/oracle/oci"
      ].resource_schemas,
    ).sort();
    expect(Object.keys(flags).sort()).toEqual(served);
  });
});
