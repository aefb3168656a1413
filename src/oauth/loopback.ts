// The loopback redirect listener for `token --user`: one HTTP server on 127.0.0.1 that waits for one callback.
// It only receives the redirect; state and code checks and the exchange are openid-client's job.
import { createServer, type Server } from "node:http";
import { KIT_LOOPBACK_CALLBACK } from "../config/schema";
import { KitError } from "../errors";

/** How long `token --user` waits for the browser to come back. */
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

export interface CallbackListenerOptions {
  /**
   * The registered redirect URI to listen on; must be http:// on a loopback host.
   * @default KIT_LOOPBACK_CALLBACK (http://127.0.0.1:8765/callback)
   */
  readonly redirectUri?: string;
  /**
   * Give up waiting for the redirect after this many seconds.
   * @default DEFAULT_LOGIN_TIMEOUT_SECONDS (300)
   */
  readonly loginTimeoutSeconds?: number;
}

export interface CallbackListener {
  readonly redirectUri: string;
  /** The full callback URL (with code and state, or error) as the browser requested it. */
  readonly callback: Promise<URL>;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><p>${text}</p></body></html>`;

export function parseLoopbackRedirect(redirectUri: string): URL {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch (cause) {
    throw new KitError("USAGE_INVALID", `Not a URL: --redirect-uri ${JSON.stringify(redirectUri)}`, {
      cause,
      fix: `Use ${KIT_LOOPBACK_CALLBACK}.`,
    });
  }
  if (url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname) || url.port === "") {
    throw new KitError(
      "USAGE_INVALID",
      `The redirect URI must be http:// on a loopback host with a port, not ${redirectUri}`,
      {
        fix: `Use ${KIT_LOOPBACK_CALLBACK} (the URI the stack registers).`,
      },
    );
  }
  return url;
}

/** The redirect URI the listener uses: the given one, else the callback the stack registers. */
export function callbackUriFor(options: CallbackListenerOptions = {}): URL {
  return parseLoopbackRedirect(options.redirectUri ?? KIT_LOOPBACK_CALLBACK);
}

export async function listenForCallback(options: CallbackListenerOptions = {}): Promise<CallbackListener> {
  const redirect = callbackUriFor(options);
  const timeoutSeconds = options.loginTimeoutSeconds ?? DEFAULT_LOGIN_TIMEOUT_SECONDS;
  let settle!: { resolve: (url: URL) => void; reject: (error: Error) => void };
  const callback = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Avoid an unhandled rejection when close() runs before anyone awaits the callback.
  callback.catch(() => undefined);
  let done = false;

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", redirect.origin);
    if (request.method !== "GET" || url.pathname !== redirect.pathname || done) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return;
    }
    if (!url.searchParams.has("code") && !url.searchParams.has("error")) {
      response.writeHead(400, { "content-type": "text/plain" }).end("Expected an OAuth redirect with code or error\n");
      return;
    }
    done = true;
    const failed = url.searchParams.has("error");
    response
      .writeHead(failed ? 400 : 200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        connection: "close",
      })
      .end(
        failed
          ? PAGE("Login failed", "The identity provider reported an error; see the terminal.")
          : PAGE("Login received", "Login received. You can close this window."),
      );
    settle.resolve(url);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new KitError(
              "OAUTH_CALLBACK_PORT_IN_USE",
              `Port ${redirect.port} on ${redirect.hostname} is in use, so the login callback cannot be received`,
              {
                cause: error,
                fix: 'Stop the other process on that port (another "npx ords-jwt token --user"?), then retry.',
              },
            )
          : error,
      );
    });
    server.listen(Number(redirect.port), redirect.hostname.replace(/^\[|\]$/g, ""), () => resolve());
  });

  const timer = setTimeout(() => {
    settle.reject(
      new KitError("OAUTH_LOGIN_TIMEOUT", `No login callback within ${timeoutSeconds} s`, {
        fix:
          "Open the printed authorize URL in a browser on this machine and log in, or raise " +
          "--login-timeout-seconds.",
      }),
    );
  }, timeoutSeconds * 1000);
  timer.unref();

  return {
    redirectUri: `${redirect.origin}${redirect.pathname}`,
    callback,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        settle.reject(
          new KitError("OAUTH_CALLBACK_FAILED", "The login listener was closed before a callback arrived", {
            fix:
              'Run "npx ords-jwt token <environment> --user" again and finish the login in the browser before it ' +
              "stops waiting.",
          }),
        );
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
