import { describe, expect, test } from "@jest/globals";
import { MemoryKeyedLock } from "../adapters/lock/memory-keyed-lock.js";
import { LOCK_BUSY, permanent } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { KeyedLock } from "../core/ports/keyed-lock.js";
import { runnerHarness } from "../../test/helpers/runner-harness.js";
import { Runner } from "./runner.js";
import type { Stage } from "./stage.js";

const KEY = (job: Job) => `fix-prs:${job.repo.id}`;

/**
 * A runner over one side-effect stage that takes the repository's lock (as open-pull-request does), with a
 * lock this test can hold too. `calls` lists what the runner asked of the lock, `releasedWith` the stage's
 * result as the store had it when the runner let the lock go.
 */
function setup(run: Stage["run"] = async () => ({ result: { opened: 1 } }), env: Record<string, string> = {}) {
  const ran: string[] = [];
  const stage: Stage = { name: "decide", state: "pr", sideEffects: true, lock: { key: KEY, waitMs: 1_000 }, run: async (job, deps, ctx) => (ran.push(job.id), run(job, deps, ctx)) };
  const h = runnerHarness([stage], env);
  const inner = new MemoryKeyedLock({ clock: h.clock });
  const calls: string[] = [];
  const releasedWith: unknown[] = [];
  const locks: KeyedLock = {
    acquire: async (key, o) => {
      calls.push(key);
      const hold = await inner.acquire(key, o);
      return hold && { key, release: async () => (releasedWith.push((await h.store.listJobs())[0]?.results.decide), hold.release()) };
    },
    close: async () => undefined,
  };
  const runner = new Runner({ ...h.deps, locks }, [stage]);
  return { ...h, runner, inner, calls, ran, releasedWith, start: () => h.queue.start((i) => runner.runJob(i)) };
}

describe("Runner: a stage that holds its repository's lock", () => {
  test("held from before the stage runs until its outcome is on the job", async () => {
    const s = setup();
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect(s.calls).toEqual([KEY(job)]);
    expect(s.releasedWith).toEqual([{ opened: 1 }]);
    expect(await s.inner.acquire(KEY(job), { waitMs: 0 })).toBeDefined();
  });

  test("held by another job past the wait: the job backs off with repo_lock_busy, spends no retry, and runs once it is free", async () => {
    const s = setup();
    const job = await s.add();
    const other = (await s.inner.acquire(KEY(job), { waitMs: 0 }))!;
    await s.start();
    // Longer than JOB_MAX_RETRIES (2) tries at their backoff: none of them counts.
    for (let i = 0; i < 5; i++) await s.clock.advance(70_000);
    let j = (await s.store.getJob(job.id))!;
    expect(s.ran).toEqual([]);
    expect(j.state).toBe("pr");
    expect(j.error).toMatchObject({ code: LOCK_BUSY, retryable: true, stage: "decide" });
    expect(j.error?.message).toContain(`Another job of ${job.repo.fullName} held the lock ${KEY(job)}`);
    // Each wait gives its start back: 0 between tries, 1 while a try waits for the lock (where the last advance
    // may leave it, depending on when the loaded machine let the runner set its timers); never a retry spent.
    expect(j.attempts.byStage.decide ?? 0).toBeLessThanOrEqual(1);
    expect(j.attempts.waits).toBeGreaterThanOrEqual(4);
    await other.release();
    await s.clock.advance(70_000);
    j = (await s.store.getJob(job.id))!;
    expect(s.ran).toEqual([job.id]);
    expect(j.state).toBe("completed");
    expect(j.results.decide).toEqual({ opened: 1 });
  });

  test("a stage that fails lets the lock go", async () => {
    const s = setup(async () => {
      throw permanent("patch_rejected", "no");
    });
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!.state).toBe("failed");
    expect(await s.inner.acquire(KEY(job), { waitMs: 0 })).toBeDefined();
  });

  test("a stop that abandons a stage still writing keeps the lock until that stage has ended", async () => {
    let finish!: () => void;
    const s = setup(() => new Promise((r) => (finish = () => r({ result: { opened: 1 } }))));
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    await s.runner.stop();
    expect(await s.inner.acquire(KEY(job), { waitMs: 0 })).toBeUndefined();
    finish();
    await s.clock.advance(10);
    expect(await s.inner.acquire(KEY(job), { waitMs: 0 })).toBeDefined();
  });

  test("a dry run writes nothing another job reads: no lock taken", async () => {
    const s = setup(async () => ({ result: {} }));
    const job = await s.add(true);
    const other = (await s.inner.acquire(KEY(job), { waitMs: 0 }))!;
    await s.start();
    await s.clock.advance(10);
    expect(s.calls).toEqual([]);
    expect((await s.store.getJob(job.id))!.state).toBe("completed");
    await other.release();
  });
});
