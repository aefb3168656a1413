// The naming model: the strings ORDS, the IdP and the tools must agree on, derived in one place.
import { joinFqs, ociDomainBaseUrl, ociDomainEndpoints, ociIdentityNames } from "../src/naming";
import { environmentFrom, exampleJson, ociIdentityProvider } from "./support/environments";

describe("naming model", () => {
  test("the fqs is audience and scope with nothing added in between", () => {
    expect(joinFqs("ords-api/", "emp.read")).toBe("ords-api/emp.read");
  });

  test("the privilege is the bare scope value, never the fqs", () => {
    const names = ociIdentityNames(ociIdentityProvider(environmentFrom(exampleJson())));
    expect(names.privilege).toBe("demo.read");
    expect(names.primaryScope).toEqual({
      value: "demo.read",
      fqs: "ords-jwt-example/demo.read",
      privilege: "demo.read",
    });
    expect(names.clientCredentialsScope).toBe("ords-jwt-example/demo.read");
  });

  test.each([
    ["https://idcs-abc.identity.oraclecloud.com:443", "https://idcs-abc.identity.oraclecloud.com"],
    ["https://idcs-abc.identity.oraclecloud.com:443/", "https://idcs-abc.identity.oraclecloud.com"],
    ["https://idcs-abc.identity.oraclecloud.com", "https://idcs-abc.identity.oraclecloud.com"],
    ["https://idcs-abc.identity.oraclecloud.com:4443", "https://idcs-abc.identity.oraclecloud.com:4443"],
  ])("the domain URL %s is written as %s", (url, base) => {
    expect(ociDomainBaseUrl(url)).toBe(base);
  });

  test("the JWK, token, authorize and discovery URLs hang off the domain URL", () => {
    expect(ociDomainEndpoints("https://idcs-abc.identity.oraclecloud.com")).toEqual({
      domainUrl: "https://idcs-abc.identity.oraclecloud.com",
      jwkUrl: "https://idcs-abc.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
      tokenUrl: "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token",
      authorizeUrl: "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/authorize",
      discoveryUrl: "https://idcs-abc.identity.oraclecloud.com/.well-known/openid-configuration",
    });
  });
});
