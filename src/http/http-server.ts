import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { redact } from "../core/redact.js";
import { toAppError } from "../core/errors.js";
import { createAdminRoutes, type AdminDeps } from "./admin-routes.js";
import { parseTarget } from "./request-target.js";
import { sendError } from "./respond.js";
import { StorageHealth } from "./storage-health.js";
import { UnverifiedBytes } from "./read-body.js";
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
  /** Default: WEBHOOK_UNVERIFIED_MAX_BYTES. */
  unverifiedMaxBytes?: number;
  /** Default: HTTP_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

export interface HttpServer {
  server: Server;
  /** Bytes of webhook bodies in memory whose signature is not checked yet (read-only outside the route). */
  unverified: UnverifiedBytes;
  listen(port: number, host: string): Promise<{ port: number; host: string; url: string }>;
  /**
   * Stops taking connections and requests (new ones on open keep-alive sockets get 503 and the socket is
   * closed), closes idle connections, and resolves once the requests in flight are answered.
   */
  close(): Promise<void>;
}

/**
 * One plain node:http server for webhooks and the admin API. Plain rather than Probot's Server: the
 * webhook path must answer 202 only after the durable write, which Probot's middleware (200 after all
 * handlers, or 202 after 9 s) cannot express, and nothing else here needs its middleware stack.
 */
export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const { deps } = opts;
  const storage = new StorageHealth();
  const unverified = new UnverifiedBytes(opts.unverifiedMaxBytes ?? deps.config.WEBHOOK_UNVERIFIED_MAX_BYTES);
  // The whole request, headers and body, must arrive within this. Node's default (5 minutes, checked every
  // 30 s) let a client dribbling a body keep its bytes of the unverified budget for minutes, so a few slow
  // connections could keep every delivery refused. GitHub gives up on a delivery after 10 s, so a body still
  // arriving later than that cannot be one it is waiting on. Node checks every in-flight request from one
  // server-wide interval, not a timer per request; 1 s keeps the cut within a second of the limit.
  const requestTimeout = opts.requestTimeoutMs ?? deps.config.HTTP_REQUEST_TIMEOUT_MS;
  const checkInterval = Math.min(1000, requestTimeout);
  // By then every body held now has been checked or cut off, so the budget has room again.
  const retryAfterSeconds = Math.ceil((requestTimeout + checkInterval) / 1000);
  const webhook = createWebhookRoute({ deps, verify: opts.verify, maxBodyBytes: opts.maxBodyBytes, storage, unverified, retryAfterSeconds });
  const admin = createAdminRoutes(deps, storage);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = parseTarget(req.url);
    if (!url) {
      req.resume();
      return sendError(res, 400, "bad_request", "the request target is not a valid URL path");
    }
    if (WEBHOOK_PATHS.has(url.pathname)) return webhook(req, res);
    if (await admin(req, res, url)) return;
    req.resume();
    sendError(res, 404, "not_found", `No route ${req.method} ${url.pathname}. Webhooks go to POST /api/github/webhooks; see /healthz, /readyz, /metrics, /jobs, /deliveries.`);
  };
  // Once close() is called: keep-alive sockets must not carry new requests in (a stop would otherwise keep
  // taking webhooks until the connections are cut, mid-request), and answers in flight end their socket.
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  // Headers hold no budget (Node caps them at 16 KB) but share the limit: no request needs longer for them.
  const server = createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: checkInterval }, (req, res) => {
    if (stopping) return refuseWhileStopping(req, res);
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    handle(req, res).catch((raw) => {
      const err = toAppError(raw);
      deps.logger.error({ err: raw, code: err.code, path: req.url, deliveryId: req.headers["x-github-delivery"] }, "request failed");
      if (res.headersSent) return void res.destroy();
      // Retryable (store briefly unavailable): 503 tells GitHub and operators to try again.
      // Anyone can reach the webhook route: the message is redacted (a store error can name a URL with its password).
      sendError(res, err.retryable ? 503 : 500, err.code, err.retryable ? `${redact(err.message)} (try again shortly)` : "internal error; see the server log");
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    unverified,
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
        stopping = true;
        // Node then closes each socket after its answer instead of waiting for another request on it.
        for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * A request that reached a kept-alive socket after close(): not handled (its webhook is not recorded) and the
 * socket is closed after the answer. A webhook refused here is never acknowledged, so the redelivery pass
 * (REDELIVER_WINDOW_HOURS) asks GitHub to send it again once a server is back.
 */
function refuseWhileStopping(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const path = parseTarget(req.url)?.pathname ?? "";
  const message = WEBHOOK_PATHS.has(path)
    ? "the server is stopping and records no new webhooks; this one was not recorded, and GitHub's redelivery will resend it (the redelivery pass at the next start asks for it)"
    : "the server is stopping; try again once it is back";
  sendError(res, 503, "server_stopping", message, { connection: "close" });
}
