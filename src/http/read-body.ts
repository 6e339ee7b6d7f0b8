import type { IncomingMessage } from "node:http";
import { AppError } from "../core/errors.js";

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export class BodyTooLargeError extends AppError {
  constructor(limit: number) {
    super("body_too_large", `request body is larger than ${limit} bytes`);
  }
}

/** Reads the whole body, refusing early (by Content-Length) or as soon as the cap is passed. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  // Plain listeners rather than `for await`: this is the hot path and the async iterator costs more.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.resume();
        return reject(new BodyTooLargeError(maxBytes));
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}
