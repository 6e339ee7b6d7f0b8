import type { IncomingMessage } from "node:http";
import { AppError } from "../core/errors.js";

/** GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export class BodyTooLargeError extends AppError {
  constructor(limit: number) {
    super("body_too_large", `request body is larger than ${limit} bytes`);
  }
}

/** The budget of unverified bytes could not take this body (see UnverifiedBytes). */
export class OverBudgetError extends AppError {
  constructor(readonly held: number, readonly limit: number) {
    super("unverified_budget_full", `${held} of ${limit} bytes of request bodies whose signature is not checked yet are in memory`);
  }
}

/** The client went away (or was cut off by the server's request timeout) before the body was complete. */
export class ClientGoneError extends AppError {
  constructor() {
    super("client_gone", "the connection closed before the request body was complete");
  }
}

/**
 * The bytes of request bodies held in memory whose signature has not been checked yet, across every request
 * of one server. The signature covers the whole body, so a body must be buffered before anyone can tell
 * GitHub from a stranger; without a shared cap, any client that can reach the port could make the process
 * hold 25 MB per connection and open connections until memory runs out. With it, strangers can at worst
 * fill this budget, and what they then cost is refused deliveries (answered 503, redelivered later), not
 * the process.
 *
 * Bytes are counted as they arrive, not as Content-Length declares them: a declared size costs an attacker
 * nothing to send, so reserving it would let a handful of idle connections block every delivery, while
 * real bytes cost them bandwidth. A plain counter: the route is benchmarked at thousands of requests per
 * second, and one add per chunk and one subtract per request is all it adds.
 */
export class UnverifiedBytes {
  held = 0;
  constructor(readonly limit: number) {}

  /** Takes `n` bytes when they fit; false (nothing taken) when they would pass the limit. */
  take(n: number): boolean {
    if (this.held + n > this.limit) return false;
    this.held += n;
    return true;
  }

  give(n: number): void {
    this.held -= n;
  }
}

/**
 * Reads the whole body, refusing early (by Content-Length) or as soon as the cap or the budget is passed.
 * With a budget, the bytes of a body returned are still taken from it: the caller gives `body.length` back
 * once the signature is checked. On every failure (too large, over budget, client gone, stream error) what
 * was taken is given back here, exactly once.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, budget?: UnverifiedBytes): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared)) {
    if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
    // Refused before a byte is read: it could not be taken whole right now anyway.
    if (budget && declared > budget.limit - budget.held) throw new OverBudgetError(budget.held, budget.limit);
  }
  // Plain listeners rather than `for await`: this is the hot path and the async iterator costs more.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("close", onClose);
      budget?.give(size);
      chunks.length = 0;
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > maxBytes) {
        req.resume();
        return fail(new BodyTooLargeError(maxBytes));
      }
      if (budget && !budget.take(chunk.length)) {
        req.resume();
        return fail(new OverBudgetError(budget.held, budget.limit));
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    // A request destroyed without an error event (the socket closed under it) must still give its bytes back.
    // Every request closes, most after their body was read: the listener goes then, as building an Error (its
    // stack trace) for each of them cost ~3% of the route's CPU under load.
    const onClose = () => fail(new ClientGoneError());
    req.on("data", onData);
    req.once("end", () => {
      if (settled) return;
      settled = true;
      req.off("close", onClose);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    // Stays after the end: with no listener, an error on the request would throw (a PassThrough does).
    req.once("error", fail);
    req.once("close", onClose);
  });
}
