import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toAppError } from "../core/errors.js";
import { createAdminRoutes, type AdminDeps } from "./admin-routes.js";
import { sendError } from "./respond.js";
import { createWebhookRoute, type SignatureVerifier, type WebhookRouteOptions } from "./webhook-route.js";

/**
 * The paths GitHub may be configured to deliver to: Probot's default, a short alias, and `/`, which is
 * what Probot's setup wizard registers when no WEBHOOK_PROXY_URL is set.
 */
export const WEBHOOK_PATHS: ReadonlySet<string> = new Set(["/api/github/webhooks", "/webhook", "/"]);

export interface HttpServerOptions {
  deps: AdminDeps & WebhookRouteOptions["deps"];
  verify: SignatureVerifier;
  maxBodyBytes?: number;
}

export interface HttpServer {
  server: Server;
  listen(port: number, host: string): Promise<{ port: number; host: string; url: string }>;
  /** Stops taking connections (new webhooks get refused at TCP level) and waits for requests in flight. */
  close(): Promise<void>;
}

/**
 * One plain node:http server for webhooks and the admin API. Plain rather than Probot's Server: the
 * webhook path must answer 202 only after the durable write, which Probot's middleware (200 after all
 * handlers, or 202 after 9 s) cannot express, and nothing else here needs its middleware stack.
 */
export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const { deps } = opts;
  const webhook = createWebhookRoute({ deps, verify: opts.verify, maxBodyBytes: opts.maxBodyBytes });
  const admin = createAdminRoutes(deps);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (WEBHOOK_PATHS.has(url.pathname)) return webhook(req, res);
    if (await admin(req, res, url)) return;
    req.resume();
    sendError(res, 404, "not_found", `No route ${req.method} ${url.pathname}. Webhooks go to POST /api/github/webhooks; see /healthz, /readyz, /metrics, /jobs.`);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((raw) => {
      const err = toAppError(raw);
      deps.logger.error({ err: raw, code: err.code, path: req.url, deliveryId: req.headers["x-github-delivery"] }, "request failed");
      if (res.headersSent) return void res.destroy();
      // Retryable (store briefly unavailable): 503 tells GitHub and operators to try again.
      sendError(res, err.retryable ? 503 : 500, err.code, err.retryable ? `${err.message} (try again shortly)` : "internal error; see the server log");
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const a = server.address() as AddressInfo;
          const shown = a.family === "IPv6" ? `[${a.address}]` : a.address;
          resolve({ port: a.port, host: a.address, url: `http://${shown}:${a.port}` });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
