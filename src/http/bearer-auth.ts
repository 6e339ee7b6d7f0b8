import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

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
