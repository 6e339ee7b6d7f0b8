import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname } from "node:path";
import type { Deps } from "../core/deps.js";
import { freeBytes } from "../core/free-bytes.js";
import { intakeDelivery } from "../handlers/intake.js";
import { queueItemFor } from "../pipeline/runner.js";
import { BodyTooLargeError, MAX_WEBHOOK_BYTES, OverBudgetError, readBody, type UnverifiedBytes } from "./read-body.js";
import { sendError } from "./respond.js";
import { storageError } from "../core/storage-error.js";
import type { StorageHealth } from "./storage-health.js";

/** Checks `X-Hub-Signature-256` against the raw body (Probot's own verifier: `probot.webhooks.verify`). */
export type SignatureVerifier = (rawBody: string, signature: string) => Promise<boolean>;

export interface WebhookRouteOptions {
  deps: Pick<Deps, "config" | "store" | "queue" | "clock" | "logger" | "metrics" | "identity">;
  verify: SignatureVerifier;
  maxBodyBytes?: number;
  /** Where a write failing for lack of disk is remembered for /readyz (see storage-health.ts). */
  storage?: StorageHealth;
  /** Shared by every request of the server: bodies over it are refused with 503 (see UnverifiedBytes). */
  unverified?: UnverifiedBytes;
  /** Retry-After on that 503: by then every body now held has been checked or cut off by the request timeout. */
  retryAfterSeconds?: number;
}

const ACCEPTED = Buffer.from('{"status":"accepted"}');

/**
 * POST /api/github/webhooks (and /webhook). Order of checks: content type (415), size (413), room in the
 * budget of unverified bytes (503, nothing stored), signature (401, nothing stored), headers and JSON and
 * payload fields (400, recorded as `invalid`), then the handler's decision is recorded durably and only
 * then answered 202. The job, if one was created, is enqueued after the answer; if the process dies in
 * between, start-up resumes it from the store.
 */
export function createWebhookRoute(opts: WebhookRouteOptions) {
  const { deps, verify } = opts;
  const maxBytes = opts.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  return async function webhookRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      return sendError(res, 405, "method_not_allowed", "webhooks are delivered with POST", { allow: "POST" });
    }
    const type = req.headers["content-type"] ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      req.resume();
      return sendError(res, 415, "unsupported_media_type", 'Content-Type must be application/json: set the webhook\'s content type to "application/json" in the app settings');
    }
    let bytes: Buffer;
    try {
      bytes = await readBody(req, maxBytes, opts.unverified);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader("connection", "close");
        return sendError(res, 413, err.code, `${err.message}; GitHub never sends more than 25 MB`);
      }
      if (err instanceof OverBudgetError) {
        deps.logger.warn({ deliveryId: header(req, "x-github-delivery"), contentLength: req.headers["content-length"], held: err.held, limit: err.limit }, "webhook refused: too many unverified request bodies in memory at once (WEBHOOK_UNVERIFIED_MAX_BYTES); the redelivery pass asks GitHub for it again");
        deps.metrics.deliveries.inc({ event: "unverified", outcome: "overloaded" });
        // Connection: close, so the rest of this body is discarded and the socket ends with the answer rather
        // than staying open for more. 503 is not among the answers the redelivery pass gives up on.
        return sendError(
          res,
          503,
          "overloaded",
          "the server is receiving too many webhook bodies at once and did not read or record this one; it is not lost: the app's redelivery pass (REDELIVER_WINDOW_HOURS) asks GitHub to send it again, and it can be redelivered from the app's Advanced settings",
          { connection: "close", "retry-after": String(opts.retryAfterSeconds ?? 10) },
        );
      }
      if (req.destroyed) {
        // The client left, or the server's request timeout cut a sender too slow to be GitHub: no one to answer.
        deps.logger.debug({ deliveryId: header(req, "x-github-delivery"), err }, "webhook body incomplete: the connection closed");
        deps.metrics.deliveries.inc({ event: "unverified", outcome: "aborted" });
        return;
      }
      throw err;
    }
    const signature = req.headers["x-hub-signature-256"];
    let raw: string;
    let verified: boolean;
    try {
      raw = bytes.toString("utf8");
      verified = typeof signature === "string" && (await safeVerify(verify, raw, signature));
    } finally {
      // Checked, one way or the other: from here a body is either GitHub's or already refused.
      opts.unverified?.give(bytes.length);
    }
    if (!verified) {
      deps.logger.warn({ deliveryId: header(req, "x-github-delivery"), event: header(req, "x-github-event"), signed: typeof signature === "string" }, "webhook rejected: bad or missing signature");
      // A fixed label: anyone can send this request, and each client-chosen event name would be a new series.
      deps.metrics.deliveries.inc({ event: "unverified", outcome: "unauthorized" });
      return sendError(res, 401, "bad_signature", "X-Hub-Signature-256 is missing or does not match; WEBHOOK_SECRET must equal the app's webhook secret");
    }
    const id = header(req, "x-github-delivery");
    const event = header(req, "x-github-event");
    if (!id || !event) {
      deps.logger.warn({ deliveryId: id, event }, "webhook rejected: missing X-GitHub-Delivery or X-GitHub-Event");
      return sendError(res, 400, "missing_headers", "X-GitHub-Delivery and X-GitHub-Event headers are required");
    }
    let result: Awaited<ReturnType<typeof intakeDelivery>>;
    try {
      result = await intakeDelivery(deps, { id, event, rawBody: raw, bytes });
      opts.storage?.succeeded();
    } catch (err) {
      const failure = opts.storage && storageError(err);
      if (!failure) throw err;
      const path = failure.path ?? deps.config.dataDir;
      // Asked only when a write failed: "disk full" with the room left, so a quota or a nearly full disk shows.
      // DATA_DIR itself, not its parent: it is often a filesystem of its own (a Docker volume).
      const free = await freeBytes(failure.path ? dirname(failure.path) : path).catch(() => undefined);
      throw opts.storage!.failed(err, failure.code, { path, ...(free === undefined ? {} : { freeBytes: free }) });
    }
    if (!result.ok) return sendError(res, 400, "invalid_payload", result.message);
    res.writeHead(202, { "content-type": "application/json", "content-length": ACCEPTED.length });
    res.end(ACCEPTED);
    if (result.created && result.job) {
      deps.queue.enqueue(queueItemFor(result.job)).catch((err) => {
        deps.logger.error({ err, jobId: result.job?.id, deliveryId: id }, "could not enqueue the job; it runs on the next start");
      });
    }
    // A fix PR's outcome un-parked its job (handlers/on-pull-request.ts): run it again.
    if (result.resumeJobId) {
      const jobId = result.resumeJobId;
      deps.store.getJob(jobId).then((j) => j && deps.queue.enqueue(queueItemFor(j))).catch((err) => {
        deps.logger.error({ err, jobId, deliveryId: id }, "could not enqueue the resumed job; it runs on the next start");
      });
    }
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v.length > 0 && v.length <= 200 ? v : undefined;
}

async function safeVerify(verify: SignatureVerifier, raw: string, signature: string): Promise<boolean> {
  try {
    return await verify(raw, signature);
  } catch {
    return false; // a malformed signature header is just a bad signature
  }
}
