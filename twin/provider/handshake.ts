// go-plugin's handshake for Terraform providers: the magic cookie, the protocol version and the line printed on
// stdout. Pure values; main.ts does the I/O.

/** The cookie Terraform sets for every provider it starts (facts.md §6). */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
export const PROTOCOL_VERSION = 6;

/** Why the process must not serve, or undefined when Terraform started it with protocol 6 on offer. */
export function handshakeRefusal(env: NodeJS.ProcessEnv): string | undefined {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    return "This is the twin oracle/oci Terraform provider: Terraform starts it; it cannot run on its own.";
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? "").split(",").map((v) => Number(v.trim()));
  if (!versions.includes(PROTOCOL_VERSION)) {
    return (
      `The twin provider speaks plugin protocol ${PROTOCOL_VERSION}; Terraform offered ` +
      `"${env.PLUGIN_PROTOCOL_VERSIONS ?? ""}".`
    );
  }
  return undefined;
}

/** `1|6|unix|<socket>|grpc|<cert>`: core protocol 1, app protocol 6, the address, grpc, and the server cert. */
export function handshakeLine(socket: string, handshakeCert: string | undefined): string {
  return `1|${PROTOCOL_VERSION}|unix|${socket}|grpc${handshakeCert ? `|${handshakeCert}` : ""}\n`;
}
