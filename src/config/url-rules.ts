// Rules for URL-like config values that would otherwise deploy something wrong or leak a password:
// credentials in a URL or connect string, JDBC URLs, and a domain URL that is not the bare domain.

/** True when `value` parses as a URL carrying a user name or password (`https://user:pw@host/`). */
export function urlHasCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
  } catch {
    return false;
  }
}

export const URL_CREDENTIALS_MESSAGE =
  "must not hold a user name or password (user:password@): remove it; secrets never live in environment files";

/**
 * Why a connect string is refused, or undefined. A password there lands in cdk.tf.json, the plan output and the
 * state, because the ORDS hook carries the connect string.
 */
export function connectStringProblem(value: string): string | undefined {
  const text = value.trim();
  if (/^jdbc:/i.test(text)) {
    return (
      'connectString must not be a JDBC URL: drop the "jdbc:oracle:thin:@" prefix and give the Easy Connect string ' +
      "(host:port/service, or tcps://host:port/service) or the TNS alias; node-oracledb reads no JDBC URLs"
    );
  }
  // Descriptors `(DESCRIPTION=…)` may hold "@" nowhere legitimately either; the user goes in ords.user.
  let outsideParens = text;
  for (let previous = ""; previous !== outsideParens; ) {
    previous = outsideParens;
    outsideParens = outsideParens.replace(/\([^()]*\)/g, "");
  }
  if (outsideParens.includes("@")) {
    return (
      "connectString must not hold a user name or password (user/password@host…): give only host:port/service or the " +
      "TNS alias; the user is ords.user and the password comes from ORDS_DB_PASSWORD or the prompt"
    );
  }
  if (/\bPASSWORD\s*=/i.test(text)) {
    return "connectString must not hold a password: the password comes from ORDS_DB_PASSWORD or the prompt";
  }
  if (urlHasCredentials(text)) return `connectString ${URL_CREDENTIALS_MESSAGE}`;
  return undefined;
}

/**
 * Why a domain URL is not the bare domain URL, or undefined. The admin-console URL or the JWK URL pasted here would
 * give a wrong idcs_endpoint and JWK URL.
 */
export function bareDomainUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // the https rule reports it
  }
  const example = "https://idcs-0123456789abcdef0123456789abcdef.identity.oraclecloud.com";
  if (url.username !== "" || url.password !== "") return `url ${URL_CREDENTIALS_MESSAGE}`;
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    return (
      `url must be the bare domain URL (${url.origin}), without a path, query or fragment: it becomes the ` +
      `idcs_endpoint and the base of the JWK URL. Use the domain's "Domain URL" from its details page, e.g. ${example}`
    );
  }
  return undefined;
}
