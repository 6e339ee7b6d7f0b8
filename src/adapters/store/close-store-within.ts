import { AppError } from "../../core/errors.js";
import type { Clock } from "../../core/ports/clock.js";
import type { JobStore } from "../../core/ports/job-store.js";
import type { Logger } from "../../core/ports/logger.js";

/**
 * How long a stop waits for the store to close. A healthy close writes the few job documents still waiting
 * and one checkpoint, with a handful of fsyncs: milliseconds, a few seconds on a busy network disk. A write
 * still unanswered after this is on a disk that has stopped answering (a dead device, a hung NFS server), and
 * the stop would wait for it for ever. Giving up loses nothing acknowledged: a delivery is answered 202 only
 * once its journal line is fdatasync'ed, and the next start replays the journal past the last checkpoint.
 * A constant, not a setting: no healthy disk comes near it, and an orchestrator's own stop timeout (compose's
 * stop_grace_period) already bounds the whole stop from outside.
 */
export const STORE_CLOSE_MAX_MS = 15_000;

/**
 * Closes the store, or gives up after `maxMs`: logs the writes still in flight (which file, which
 * operation, for how long) and throws `store_close_stuck`, for the process to exit non-zero.
 */
export async function closeStoreWithin(store: JobStore, deps: { clock: Clock; logger: Logger }, maxMs = STORE_CLOSE_MAX_MS): Promise<void> {
  let timer: { cancel(): void } | undefined;
  const gaveUp = new Promise<"gave up">((resolve) => (timer = deps.clock.setTimeout(() => resolve("gave up"), maxMs)));
  try {
    if ((await Promise.race([store.close().then(() => "closed" as const), gaveUp])) === "closed") return;
  } finally {
    timer?.cancel();
  }
  const now = deps.clock.now();
  const stuck = (store.writesInFlight?.() ?? []).map((w) => ({ ...w, waitingMs: now - w.since }));
  // Every delivery answered 202 was durable before the answer (lowdb: its journal line, replayed at the next start).
  const message = stuck.length
    ? `The job store did not close within ${maxMs / 1000} s: stuck on ${stuck.map((w) => `${w.op} of ${w.path} (unanswered for ${(w.waitingMs / 1000).toFixed(1)} s)`).join(", ")}; ` +
      `the disk holding it is not answering. Stopping without it: nothing acknowledged is lost (every delivery answered 202 is in the journal, replayed at the next start). Check that disk before starting again.`
    : `The job store (${store.kind}) did not close within ${maxMs / 1000} s, with no file write of its own in flight. Stopping without it: nothing acknowledged is lost (every delivery answered 202 was stored before the answer).`;
  deps.logger.error({ stuck: stuck.map(({ op, path, waitingMs }) => ({ op, path, waitingMs })) }, message);
  throw new AppError("store_close_stuck", message, { details: { stuck } });
}
