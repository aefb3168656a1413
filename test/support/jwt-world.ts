// Starts the loopback IdP and the ORDS-like resource wired to each other: the resource's profile trusts the IdP,
// and privilege "demo.read" protects /demo/*. Tests then break one thing at a time.
import { LoopbackIdp, type LoopbackIdpOptions } from "./loopback-idp";
import { OrdsResource, type OrdsResourceOptions } from "./ords-resource";

export interface JwtWorld {
  readonly idp: LoopbackIdp;
  readonly resource: OrdsResource;
  /** The protected demo endpoint. */
  readonly endpoint: string;
  /** What the doctor should expect, as standalone flags would give it. */
  readonly expected: { issuer: string; audience: string; jwkUrl: string; privilege: string };
  close(): Promise<void>;
}

export async function startJwtWorld(
  options: { idp?: LoopbackIdpOptions; resource?: OrdsResourceOptions } = {},
): Promise<JwtWorld> {
  const idp = await LoopbackIdp.start(options.idp);
  const resource = await OrdsResource.start(options.resource);
  const privilege = idp.scopes[0] as string;
  resource.profile = {
    issuer: idp.issuer,
    audience: idp.audience,
    jwkUrl: idp.jwkUrl,
    allowedSkewSeconds: null,
    allowedAgeSeconds: null,
    roleClaimName: null,
  };
  resource.privileges = [{ name: privilege, patterns: ["/demo/*"], roles: [] }];
  return {
    idp,
    resource,
    endpoint: resource.url("demo/hello"),
    expected: { issuer: idp.issuer, audience: idp.audience, jwkUrl: idp.jwkUrl, privilege },
    close: async () => {
      await Promise.all([idp.close(), resource.close()]);
    },
  };
}
