import { AppError } from "../../core/errors.js";

/** 200 bodies and whole streams: far above any real answer (max_tokens bounds it), yet a bound. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Error bodies: only the message is used (its providers' errors read, its first 2,000 characters kept). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

const formatBytes = (n: number): string => (n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${Math.round(n / 1024)} KiB`);

/**
 * An answer over the cap did not come from a TensorZero gateway as the app uses it (a JSON function's
 * output is bounded by the variants' max_tokens): asking again would get the same, so it is permanent.
 */
export const tooLarge = (what: string, maxBytes: number): AppError =>
  new AppError("model_bad_response", `${what} is larger than ${formatBytes(maxBytes)}, more than a TensorZero gateway sends; check that TENSORZERO_URL points at a TensorZero gateway.`, { retryable: false, details: { maxBytes } });

/**
 * Reads a body as UTF-8 text, at most `maxBytes` of it; stops reading (and so lets the connection go)
 * at the cap. `truncated` says the body went on.
 */
export async function readCapped(body: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const c of body) {
    const b = typeof c === "string" ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    if (size + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - size));
      truncated = true;
      // Leaving the loop destroys the stream: the rest is never read.
      break;
    }
    chunks.push(b);
    size += b.length;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated };
}
