import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { eventually } from "../../../test/helpers/eventually.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { recordingLogger } from "../../../test/helpers/recording-logger.js";
import type { JobStore } from "../../core/ports/job-store.js";
import { fsyncPath } from "./fsync-path.js";
import { closeStoreWithin, STORE_CLOSE_MAX_MS } from "./close-store-within.js";
import { LowdbJobStore } from "./lowdb-store.js";

/** Settles `p` into a result the test can look at without awaiting it (it may never settle). */
function watch<T>(p: Promise<T>): { state: "pending" | "resolved" | "rejected"; err?: unknown } {
  const w: { state: "pending" | "resolved" | "rejected"; err?: unknown } = { state: "pending" };
  p.then(() => void (w.state = "resolved"), (err: unknown) => Object.assign(w, { state: "rejected", err }));
  return w;
}

const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("closeStoreWithin", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-close-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // A dead disk answers no fsync: the stop gave up waiting never, and the process had to be killed.
  test("a store whose fsync never returns: the stop gives up after the bound, naming the stuck write, and nothing acknowledged is lost", async () => {
    let dead = false;
    const stuckPaths: string[] = [];
    const syncPath = (p: string) => (dead ? (stuckPaths.push(p), new Promise<void>(() => undefined)) : fsyncPath(p));
    const clock = new FakeClock();
    const store = await LowdbJobStore.open(dir, { syncPath, now: () => clock.now() });
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job); // acknowledged: its journal line is on disk
    dead = true;
    const { logger, lines } = recordingLogger();
    const closing = watch(closeStoreWithin(store, { clock, logger }));
    // The close writes the job's document, then flushes it for the checkpoint: that flush never returns.
    await eventually("the close to flush the job's document", () => stuckPaths.length > 0);
    expect(stuckPaths).toEqual([join(dir, "jobs", `${job.id}.json`)]);
    expect(store.writesInFlight()).toEqual([{ op: "fsync", path: join(dir, "jobs", `${job.id}.json`), since: clock.now() }]);
    await turns();
    expect(closing.state).toBe("pending");
    await clock.advance(STORE_CLOSE_MAX_MS - 1);
    await turns();
    expect(closing.state).toBe("pending");
    await clock.advance(1);
    await turns();
    expect(closing).toMatchObject({ state: "rejected", err: { code: "store_close_stuck", retryable: false } });
    const message = (closing.err as Error).message;
    expect(message).toContain(`did not close within ${STORE_CLOSE_MAX_MS / 1000} s: stuck on fsync of ${join(dir, "jobs", `${job.id}.json`)} (unanswered for 15.0 s)`);
    expect(message).toContain("nothing acknowledged is lost");
    expect(lines).toEqual([{ level: "error", msg: message, fields: { stuck: [{ op: "fsync", path: join(dir, "jobs", `${job.id}.json`), waitingMs: STORE_CLOSE_MAX_MS }] } }]);
    // The next start (this process gone, its lock stale) has the job: the journal is replayed.
    const next = await LowdbJobStore.open(dir);
    expect((await next.getJob(job.id))?.key).toBe(job.key);
    await next.close();
  });

  test("a store that closes in time is closed, with no log line", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    const { logger, lines } = recordingLogger();
    await closeStoreWithin(store, { clock: new FakeClock(), logger });
    expect(lines).toEqual([]);
    expect(store.writesInFlight()).toEqual([]);
  });

  test("a store with no file writes (Redis) whose close never ends is given up on too, saying so", async () => {
    const store = { kind: "redis", close: () => new Promise<void>(() => undefined) } as unknown as JobStore;
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const closing = watch(closeStoreWithin(store, { clock, logger }));
    await clock.advance(STORE_CLOSE_MAX_MS);
    await turns();
    expect(closing).toMatchObject({ state: "rejected", err: { code: "store_close_stuck", message: expect.stringMatching(/^The job store \(redis\) did not close within 15 s, with no file write of its own in flight/) } });
    expect(lines).toEqual([{ level: "error", msg: (closing.err as Error).message, fields: { stuck: [] } }]);
  });
});
