import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { JobQueue, QueueItem } from "../../src/core/ports/job-queue.js";

export interface QueueHarness {
  queue: JobQueue;
  /** Moves time forward by `ms` (fake clock for the in-process queue, real waiting for BullMQ). */
  advance(ms: number): Promise<void>;
  /**
   * The queue's time in ms: the fake clock's, or the wall clock for BullMQ. Not the sum of what was passed to
   * `advance`: a loaded machine's wall clock runs ahead of that sum (each call waits at least its `ms`).
   */
  now(): number;
  cleanup?: () => Promise<void>;
}

const item = (jobId: string, installationId = 1, repo = "o/r"): QueueItem => ({ jobId, installationId, repo });

/**
 * Advances in steps of 10 ms until `cond` holds. For BullMQ each step is real waiting, so the default 1500
 * steps give a loaded CI machine 15 s; a queue that does its work stops the loop at once.
 */
async function until(cond: () => boolean, advance: (ms: number) => Promise<void>, rounds = 1500): Promise<void> {
  for (let i = 0; i < rounds && !cond(); i++) await advance(10);
  if (!cond()) throw new Error("condition not met in time");
}

/** The behaviour every JobQueue adapter must have; run against the in-process queue and BullMQ alike. */
export function jobQueueContract(name: string, factory: (opts: { concurrency: number; perRepo: number }) => Promise<QueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let h: QueueHarness;
    afterEach(async () => {
      await h.queue.stop({ drainMs: 1000 });
      await h.cleanup?.();
    });

    describe("basic", () => {
      beforeEach(async () => {
        h = await factory({ concurrency: 2, perRepo: 2 });
      });

      test("runs each enqueued job once, even when enqueued twice while waiting", async () => {
        const seen: string[] = [];
        await h.queue.enqueue(item("a"));
        await h.queue.enqueue(item("a"));
        await h.queue.enqueue(item("b"));
        await h.queue.start(async (i) => void seen.push(i.jobId));
        await until(() => seen.length >= 2, h.advance);
        await h.advance(50);
        expect(seen.sort()).toEqual(["a", "b"]);
      });

      // Delays of 2 s: for BullMQ, real time, which must not all pass (a loaded machine) before the checks
      // that the job has not run yet.
      test("delays a job by delayMs", async () => {
        const seen: string[] = [];
        await h.queue.start(async (i) => void seen.push(i.jobId));
        await h.queue.enqueue(item("later"), { delayMs: 2_000 });
        await h.advance(100);
        expect(seen).toEqual([]);
        expect((await h.queue.stats()).delayed).toBe(1);
        await until(() => seen.length === 1, h.advance);
        expect(seen).toEqual(["later"]);
      });

      test("a job enqueued again while it runs runs once more afterwards", async () => {
        let runs = 0;
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        await h.queue.start(async () => {
          runs++;
          if (runs === 1) await gate;
        });
        await h.queue.enqueue(item("x"));
        await until(() => runs === 1, h.advance);
        await h.queue.enqueue(item("x"));
        release();
        await until(() => runs === 2, h.advance);
        await h.advance(50);
        expect(runs).toBe(2);
      });

      test("a job re-enqueued with a delay from inside its own run waits for the delay", async () => {
        const at: number[] = [];
        await h.queue.start(async (i) => {
          at.push(h.now());
          if (at.length === 1) await h.queue.enqueue(i, { delayMs: 2_000 });
        });
        await h.queue.enqueue(item("retry"));
        await until(() => at.length === 1, h.advance);
        await h.advance(100);
        expect(at.length).toBe(1);
        await until(() => at.length === 2, h.advance);
        expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1_990);
      });

      test("a handler that throws does not stop the queue", async () => {
        const seen: string[] = [];
        await h.queue.start(async (i) => {
          seen.push(i.jobId);
          if (i.jobId === "bad") throw new Error("boom");
        });
        await h.queue.enqueue(item("bad"));
        await h.queue.enqueue(item("good"));
        await until(() => seen.length === 2, h.advance);
        expect(seen.sort()).toEqual(["bad", "good"]);
      });

      test("stop drains running handlers", async () => {
        let started = false;
        let done = false;
        await h.queue.start(async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 30));
          done = true;
        });
        await h.queue.enqueue(item("slow"));
        // Until the handler runs (a fixed 15 ms could stop BullMQ before it had handed the job over).
        await until(() => started, h.advance);
        await h.queue.stop({ drainMs: 2000 });
        expect(done).toBe(true);
      });
    });

    describe("limits", () => {
      test("never runs more than `concurrency` at once, nor more than `perRepo` per repository", async () => {
        h = await factory({ concurrency: 3, perRepo: 1 });
        let active = 0;
        let peak = 0;
        const perRepo = new Map<string, number>();
        let peakRepo = 0;
        let finished = 0;
        await h.queue.start(async (i) => {
          active++;
          perRepo.set(i.repo, (perRepo.get(i.repo) ?? 0) + 1);
          peak = Math.max(peak, active);
          peakRepo = Math.max(peakRepo, perRepo.get(i.repo)!);
          await new Promise((r) => setTimeout(r, 5));
          perRepo.set(i.repo, perRepo.get(i.repo)! - 1);
          active--;
          finished++;
        });
        for (let n = 0; n < 12; n++) await h.queue.enqueue(item(`j${n}`, 1 + (n % 2), `o/r${n % 4}`));
        await until(() => finished === 12, h.advance, 2000);
        expect(peak).toBeLessThanOrEqual(3);
        expect(peakRepo).toBe(1);
      });

      test("the per-repository limit counts a repository whatever the case of its name (GitHub's names are case-insensitive)", async () => {
        h = await factory({ concurrency: 3, perRepo: 1 });
        let active = 0;
        let peak = 0;
        let finished = 0;
        await h.queue.start(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 20));
          active--;
          finished++;
        });
        // A repository renamed from Octo/Repo to octo/repo: jobs from before and after the rename.
        await h.queue.enqueue(item("before", 1, "Octo/Repo"));
        await h.queue.enqueue(item("after", 1, "octo/repo"));
        await until(() => finished === 2, h.advance, 2000);
        expect(peak).toBe(1);
      });

      test("serves installations fairly: a busy one cannot starve another", async () => {
        h = await factory({ concurrency: 1, perRepo: 5 });
        const order: string[] = [];
        for (let n = 0; n < 10; n++) await h.queue.enqueue(item(`busy${n}`, 1, `big/r${n}`));
        await h.queue.enqueue(item("small0", 2, "small/r"));
        await h.queue.start(async (i) => {
          order.push(i.jobId);
          await new Promise((r) => setTimeout(r, 1));
        });
        await until(() => order.length === 11, h.advance, 2000);
        expect(order.indexOf("small0")).toBeLessThanOrEqual(2);
      });
    });
  });
}
