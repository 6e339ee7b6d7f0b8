import type { Dispatcher } from "undici";
import type { AppError } from "../../core/errors.js";
import { MAX_ERROR_BODY_BYTES, readCapped } from "./bounded-body.js";
import { gatewayError, retryAfterMs } from "./gateway-errors.js";

/**
 * The AppError for a non-200 answer, from the gateway's `{ error }` body when it sent one. `now` is read
 * after the body, so an HTTP-date Retry-After counts from when the answer was in.
 */
export async function errorFromResponse(r: Dispatcher.ResponseData, path: string, now: () => number): Promise<AppError> {
  // Cut at the cap the body is no longer JSON: it is then taken as text, like a proxy's page, and the
  // providers' errors in it are not looked into (gatewayError), so a cut one cannot pass for all-permanent.
  const { text } = await readCapped(r.body, MAX_ERROR_BODY_BYTES).catch(() => ({ text: "" }));
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") message = parsed.error;
    else if (parsed.error && typeof (parsed.error as { message?: unknown }).message === "string") message = (parsed.error as { message: string }).message;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  return gatewayError(r.statusCode, message || `HTTP ${r.statusCode}`, { path, retryAfterMs: retryAfterMs(r.headers["retry-after"], now()) });
}
