import type { Dispatcher } from "undici";
import { AppError } from "../../core/errors.js";
import { readCapped, tooLarge } from "./bounded-body.js";
import { redactHead } from "../../core/redact.js";

/**
 * A 200 answer that is too large or not JSON did not come from a TensorZero gateway: permanent, as
 * asking again would get the same. `shownBase` is the base URL without credentials.
 */
export async function readJsonBody(r: Dispatcher.ResponseData, path: string, maxBytes: number, shownBase: string): Promise<unknown> {
  const { text, truncated } = await readCapped(r.body, maxBytes);
  if (truncated) throw tooLarge(`${shownBase}${path}'s answer`, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("model_bad_response", `${shownBase}${path} answered ${r.statusCode} with something that is not JSON (${JSON.stringify(redactHead(text, 120))}); check that TENSORZERO_URL points at a TensorZero gateway.`, { retryable: false, details: { path } });
  }
}
