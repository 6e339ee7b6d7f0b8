import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "../core/deps.js";
import { redact } from "../core/redact.js";
import { sendError, sendJson } from "./respond.js";
import type { StorageHealth } from "./storage-health.js";

export type HealthDeps = Pick<Deps, "store" | "queue">;

/**
 * /healthz (the process answers) and /readyz (the store and the queue answer, and the last journal write
 * did not fail for lack of disk; what the store keeps failing at without being unready is listed under
 * `warnings`). Open: probes send no token. One implementation for every server that
 * offers them (the web server, the worker's health port), so a probe means the same thing everywhere.
 * Returns false when the path is neither.
 */
export function createHealthRoutes(deps: HealthDeps, storage?: StorageHealth) {
  return async function healthRoutes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path !== "/healthz" && path !== "/readyz") return false;
    // A probe reads; a POST that answered 200 let a misconfigured client believe it had done something.
    // HEAD is GET without the body (node:http drops it).
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      req.resume();
      sendError(res, 405, "method_not_allowed", "use GET, HEAD", { allow: "GET, HEAD" });
      return true;
    }
    if (path === "/healthz") sendJson(res, 200, { status: "ok" });
    else await readyz(deps, res, storage);
    return true;
  };
}

async function readyz(deps: HealthDeps, res: ServerResponse, storage?: StorageHealth): Promise<void> {
  const checks: Record<string, string> = {};
  for (const [name, ping] of [["store", () => deps.store.ping()], ["queue", () => deps.queue.ping()]] as const) {
    try {
      await ping();
      checks[name] = "ok";
    } catch (err) {
      // Open to anyone: a client's message can quote the URL it failed to reach, password included.
      checks[name] = redact((err as Error).message) || "unavailable";
    }
  }
  // ping() sees an open store; only a write shows a full disk.
  if (checks.store === "ok") checks.store = storage?.problem() ?? "ok";
  const ready = Object.values(checks).every((v) => v === "ok");
  // Said, but not a reason to stop sending webhooks: a probe that failed on them would take the server out of
  // service for what one file needs (see deferred-documents.ts).
  const warnings = (deps.store.warnings?.() ?? []).map((w) => redact(w.message));
  sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks, ...(warnings.length ? { warnings } : {}) });
}
