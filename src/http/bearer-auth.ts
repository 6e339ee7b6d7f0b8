import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendError } from "./respond.js";

export type AuthResult = "ok" | "disabled" | "denied";

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (hashing both sides first makes the
 * lengths equal, so the comparison leaks neither the token nor its length).
 */
export function checkBearer(req: IncomingMessage, token: string | undefined): AuthResult {
  if (!token) return "disabled";
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = createHash("sha256").update(m?.[1] ?? "").digest();
  const want = createHash("sha256").update(token).digest();
  return m && timingSafeEqual(given, want) ? "ok" : "denied";
}

/**
 * Answers a request for an admin route unless it carries `Authorization: Bearer $ADMIN_TOKEN`: 403 with what
 * to do when no token is configured, 401 when it is wrong or missing. True when it answered (the caller stops).
 */
export function refuseUnlessAdmin(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  const auth = checkBearer(req, token);
  if (auth === "disabled") {
    sendError(res, 403, "admin_disabled", "The admin API is off: set ADMIN_TOKEN (at least 16 characters, e.g. `openssl rand -hex 32`) and restart to use it.");
    return true;
  }
  if (auth === "denied") {
    // A client that sent a header has done what "send the header" says: tell it the value is the problem.
    const message = req.headers.authorization
      ? "The Authorization header is not `Bearer <ADMIN_TOKEN>` with this server's ADMIN_TOKEN: send the value the server was started with."
      : "Send `Authorization: Bearer <ADMIN_TOKEN>`.";
    sendError(res, 401, "unauthorized", message, { "www-authenticate": 'Bearer realm="t0-ci-bot"' });
    return true;
  }
  return false;
}
