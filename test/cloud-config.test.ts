// Config rules that stop a deploy from going wrong against the real cloud: passwords in connect strings and URLs,
// a domain URL that is not the bare domain, and the enums checked against the provider and the OCI API.
import { CSR_ACCESS_VALUES, LICENSE_TYPES, TRUST_SCOPES } from "../src/config/schema";
import { entraExampleJson, exampleJson, problemsFor } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const reusedDomain = (url: string) => {
  const json = exampleJson();
  json.identityProvider.domain = { mode: "existing", url };
  json.identityProvider.clientAccess = { csrAccess: "none" };
  return json;
};

describe("ords.connectString", () => {
  const withConnectString = (connectString: string) => {
    const json = exampleJson();
    json.ords.connectString = connectString;
    return json;
  };

  test.each([
    ["user/password@host", "hr/PASSWORD@db.example.com:1521/freepdb1"],
    ["user@host", "hr@db.example.com:1521/freepdb1"],
    ["a URL with user:password", "tcps://hr:PASSWORD@db.example.com:1522/svc"],
  ])("fails when it holds credentials (%s), with the fix, and never echoes the password", (_what, template) => {
    const password = sentinelSecret("pw");
    const problems = problemsFor(withConnectString(template.replace("PASSWORD", password)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: "ords.connectString",
      message: expect.stringMatching(/must not hold a user name or password.*ORDS_DB_PASSWORD/),
    });
    expect(JSON.stringify(problems)).not.toContain(password);
  });

  test("fails when it is a JDBC URL, saying which prefix to drop", () => {
    const [problem] = problemsFor(withConnectString("jdbc:oracle:thin:@db.example.com:1521/freepdb1"));
    expect(problem?.message).toMatch(/must not be a JDBC URL: drop the "jdbc:oracle:thin:@" prefix/);
  });

  test.each([
    "db.example.com:1521/freepdb1",
    "tcps://adb.eu-frankfurt-1.oraclecloud.com:1522/x_high.adb.oraclecloud.com?wallet_location=/w",
    "exampledb_high",
    "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=h)(PORT=1522))(CONNECT_DATA=(SERVICE_NAME=s)))",
  ])("accepts %s", (connectString) => {
    expect(problemsFor(withConnectString(connectString))).toEqual([]);
  });
});

describe("URL fields", () => {
  test("fails when a redirect URI holds user:password", () => {
    const json = exampleJson();
    json.identityProvider.app.redirectUris = ["https://me:pw123456@app.example.com/cb"];
    expect(problemsFor(json)).toEqual([
      expect.objectContaining({
        path: "identityProvider.app.redirectUris[0]",
        message: expect.stringMatching(/user:password/),
      }),
    ]);
  });

  test("fails when ords.baseUrl or the issuer holds credentials", () => {
    const json = exampleJson();
    json.ords.baseUrl = "https://hr:pw123456@host.example.com/ords/hr/";
    json.identityProvider.issuer = "https://x:y123456@identity.oraclecloud.com/";
    expect(
      problemsFor(json)
        .map((problem) => problem.path)
        .sort(),
    ).toEqual(["identityProvider.issuer", "ords.baseUrl"]);
  });

  test("fails when an Entra redirect URI holds credentials", () => {
    const json = entraExampleJson();
    json.identityProvider.redirectUris = ["https://me:pw123456@app.example.com/cb"];
    expect(problemsFor(json).map((problem) => problem.path)).toEqual(["identityProvider.redirectUris[0]"]);
  });
});

describe("identityProvider.domain.url", () => {
  test.each([
    ["the JWK URL", "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk"],
    ["the admin console", "https://idcs-0123456789abcdef.identity.oraclecloud.com/ui/v1/adminconsole"],
    ["a query", "https://idcs-0123456789abcdef.identity.oraclecloud.com/?x=1"],
    ["a fragment", "https://idcs-0123456789abcdef.identity.oraclecloud.com/#home"],
  ])("fails when it holds %s, naming the bare origin to use", (_what, url) => {
    const problems = problemsFor(reusedDomain(url));
    expect(problems).toEqual([
      expect.objectContaining({
        path: "identityProvider.domain.url",
        message: expect.stringContaining(
          "url must be the bare domain URL (https://idcs-0123456789abcdef.identity.oraclecloud.com)",
        ),
      }),
    ]);
  });

  test.each([
    "https://idcs-0123456789abcdef.identity.oraclecloud.com",
    "https://idcs-0123456789abcdef.identity.oraclecloud.com/",
    "https://idcs-0123456789abcdef.identity.oraclecloud.com:443",
  ])("accepts the bare domain URL %s", (url) => {
    expect(problemsFor(reusedDomain(url))).toEqual([]);
  });
});

describe("enums, as the provider and the OCI API define them", () => {
  test("license types are the ones ListAllowedDomainLicenseTypes documents", () => {
    expect([...LICENSE_TYPES].sort()).toEqual([
      "external-user",
      "free",
      "oracle-apps",
      "oracle-apps-premium",
      "premium",
    ]);
  });

  test("csrAccess and trustScope values are the SDK model's (Setting.CsrAccess, App.TrustScope)", () => {
    expect([...CSR_ACCESS_VALUES].sort()).toEqual(["none", "readOnly", "readWrite"]);
    expect(TRUST_SCOPES.every((value) => ["Explicit", "Account", "Tags", "Default"].includes(value))).toBe(true);
  });

  test("fails when a license type differs in case from the API's", () => {
    const json = exampleJson();
    json.identityProvider.domain.licenseType = "Premium";
    expect(problemsFor(json).map((problem) => problem.path)).toEqual(["identityProvider.domain.licenseType"]);
  });
});
