import { describe, expect, test } from "@jest/globals";
import { InProcessQueue } from "../adapters/queue/in-process-queue.js";
import type { Deps } from "../core/deps.js";
import { permanent, transient, AppError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { stopJob, type JobState } from "../core/job.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { jsonLogLines } from "../../test/helpers/recording-logger.js";
import { retryJob, resumeJob } from "./job-control.js";
import { Runner, queueItemFor } from "./runner.js";
import { runnerHarness } from "../../test/helpers/runner-harness.js";
import type { Stage, StageOutcome } from "./stage.js";

const setup = runnerHarness;

/** A new process on the same store: its own clock, queue and runner. */
async function newProcess(deps: Deps, stages: Stage[]) {
  const clock = new FakeClock();
  const queue = new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger: silentLogger() });
  const runner = new Runner({ ...deps, queue, clock }, stages);
  await queue.start((i) => runner.runJob(i));
  return { clock, runner };
}

const stage = (name: string, state: JobState, run: Stage["run"] = async () => ({ result: { ok: name } }), extra: Partial<Stage> = {}): Stage => ({
  name,
  state,
  sideEffects: false,
  run,
  ...extra,
});

describe("Runner", () => {
  test("walks the table, writing each state before its stage, and completes", async () => {
    const seenStates: string[] = [];
    let s!: ReturnType<typeof setup>;
    const probe = (name: string, state: JobState) =>
      stage(name, state, async () => {
        const j = (await s.store.listJobs())[0]!;
        seenStates.push(j.state);
        return { result: { name } };
      });
    s = setup([probe("a", "cloning"), probe("b", "analysis"), probe("c", "pr")]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    const done = (await s.store.getJob(job.id))!;
    expect(seenStates).toEqual(["cloning", "analysis", "pr"]);
    expect(done.state).toBe("completed");
    expect(done.history.map((h) => h.state)).toEqual(["pending", "cloning", "analysis", "pr", "completed"]);
    expect(done.results).toEqual({ a: { name: "a" }, b: { name: "b" }, c: { name: "c" } });
    expect(done.completedStages).toEqual(["a", "b", "c"]);
    expect(s.removed).toEqual([job.id]);
  });

  test("a job stopped while it waits for a retry has its workspace removed when the queue hands it over", async () => {
    const s = setup([stage("fetch", "analysis", async () => { throw transient("http_502", "bad gateway"); })]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    const waiting = (await s.store.getJob(job.id))!;
    expect(waiting).toMatchObject({ state: "analysis", error: { code: "http_502" } });
    expect(s.removed).toEqual([]);
    // As the installation handler stops it: in the store only, no run of it going on.
    await s.store.updateJob(job.id, (j) => void stopJob(j, { code: "repository_removed", message: "removed from the installation" }, new Date(s.clock.now()).toISOString()));
    await s.clock.advance(Date.parse(waiting.nextAttemptAt!) - s.clock.now());
    expect(s.removed).toEqual([job.id]);
    expect((await s.store.getJob(job.id))!).toMatchObject({ state: "failed", error: { code: "repository_removed" } });
  });

  test("retries a retryable failure after an exponential, jittered backoff", async () => {
    let calls = 0;
    const s = setup([
      stage("flaky", "analysis", async () => {
        calls++;
        if (calls < 3) throw transient("http_502", "bad gateway");
        return { result: "ok" };
      }),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    let j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("analysis");
    expect(j.error).toMatchObject({ code: "http_502", retryable: true, stage: "flaky" });
    const first = Date.parse(j.nextAttemptAt!) - s.clock.now();
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThan(1000);
    await s.clock.advance(first);
    j = (await s.store.getJob(job.id))!;
    const second = Date.parse(j.nextAttemptAt!) - s.clock.now();
    expect(second).toBeGreaterThanOrEqual(1000);
    expect(second).toBeLessThan(2000);
    await s.clock.advance(second);
    j = (await s.store.getJob(job.id))!;
    expect(calls).toBe(3);
    expect(j.state).toBe("completed");
    expect(j.error).toBeUndefined();
    expect(j.attempts.byStage["flaky"]).toBe(3);
  });

  test("gives up after JOB_MAX_RETRIES and says so", async () => {
    const s = setup([stage("down", "patching", async () => { throw transient("http_503", "unavailable"); })]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10 * 60_000);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.attempts.byStage["down"]).toBe(3);
    expect(j.error).toMatchObject({ code: "http_503", retryable: true, stage: "down" });
    expect(j.error!.message).toMatch(/gave up after 3 attempts/);
    const text = await s.deps.metrics.registry.metrics();
    expect(text).toContain('t0_stage_retries_total{stage="down",code="http_503"} 2');
    expect(text).toContain('t0_job_failures_total{stage="down",code="http_503"} 1');
  });

  test("a permanent error fails the job at once with its reason", async () => {
    let later = 0;
    const s = setup([
      stage("policy", "testing", async () => { throw permanent("patch_refused", "edits .github/workflows/ci.yml; allow it with allow.workflow_edits"); }),
      stage("never", "pr", async () => { later++; return {}; }),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "patch_refused", retryable: false, stage: "policy" });
    expect(j.history.at(-1)).toMatchObject({ state: "failed", stage: "policy" });
    expect(later).toBe(0);
    expect(s.removed).toEqual([job.id]);
    expect(await s.deps.metrics.registry.metrics()).toContain('t0_job_failures_total{stage="policy",code="patch_refused"} 1');
  });

  test("a stop that lands during a stage's start write does not start the stage (its start is given back)", async () => {
    const effects: string[] = [];
    // A side-effect stage that, like rerun-flaky or open-pull-request, writes without polling the signal first.
    const s = setup([stage("write", "pr", async () => (effects.push("opened PR"), {}), { sideEffects: true })]);
    let release!: () => void;
    let entered!: () => void;
    const inWrite = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    const update = s.store.updateJob.bind(s.store);
    s.store.updateJob = async (id, mutate) => {
      const j = await s.store.getJob(id);
      if (j && !j.stage) {
        entered();
        await gate; // the store is slow to answer the start write (a busy Redis, an fsync)
      }
      return update(id, mutate);
    };
    const job = await s.add();
    await s.start();
    await inWrite;
    const stopped = s.runner.stop(); // SIGTERM now
    release();
    await stopped;
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(j.attempts.byStage["write"]).toBe(0);
    expect(effects).toEqual([]);
  });

  test("the error kept on the job (shown by the admin API and jobs show) is redacted like a log line", async () => {
    const s = setup([
      stage("propose-patch", "patching", async () => {
        throw new AppError("model_network", "Cannot reach TensorZero at http://t0user:Gw-Passw0rd-7d1c@127.0.0.1:1 (ECONNREFUSED); will retry.", { retryable: true, details: { url: "http://t0user:Gw-Passw0rd-7d1c@127.0.0.1:1" } });
      }),
    ], { JOB_MAX_RETRIES: "0" });
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(JSON.stringify(j.error)).not.toContain("Gw-Passw0rd-7d1c");
    expect(j.error!.message).toMatch(/^Cannot reach TensorZero at http:\/\/\[REDACTED\]@127\.0\.0\.1:1/);
  });

  test("an unknown thrown error is permanent, not retried forever", async () => {
    const s = setup([stage("bug", "analysis", async () => { throw new TypeError("x is undefined"); })]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!.error).toMatchObject({ code: "internal", retryable: false });
  });

  test.each(["model_unavailable", "github_unavailable"])("waits on an unavailable dependency (%s) without burning the retry budget", async (code) => {
    let calls = 0;
    const s = setup([
      stage("model", "patching", async () => {
        calls++;
        if (calls <= 5) throw new AppError(code, "dependency down", { retryable: true, retryAfterMs: 1000 });
        return {};
      }),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(30 * 60_000);
    const j = (await s.store.getJob(job.id))!;
    expect(calls).toBe(6);
    expect(j.state).toBe("completed");
  });

  // As fs throws them: a plain Error with the errno code; and the workspace's own floor.
  const fsError = (code: string, text: string) => () => Object.assign(new Error(`${code}: ${text}, write`), { code, syscall: "write" });
  test.each([
    ["ENOSPC", fsError("ENOSPC", "no space left on device")],
    ["EDQUOT", fsError("EDQUOT", "disk quota exceeded")],
    ["EIO", fsError("EIO", "i/o error")],
    ["EROFS", fsError("EROFS", "read-only file system")],
    ["disk_low", () => new AppError("disk_low", "Only 90.0 MB free under /ws (WORKSPACE_MIN_FREE_BYTES is 1024.0 MB)", { retryable: true })],
  ])("a disk that is full or refuses writes (%s) is waited out, not counted against the retry budget: the job goes on once it is fixed", async (_name, refusal) => {
    let calls = 0;
    const s = setup([
      stage("clone", "cloning", async () => {
        calls++;
        if (calls <= 8) throw refusal();
        return {};
      }),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(2 * 60 * 60_000);
    const j = (await s.store.getJob(job.id))!;
    expect(calls).toBe(9);
    expect(j.state).toBe("completed");
  });

  test("a dependency still down after WAIT_MAX_HOURS fails the job with the reason; until then it waits", async () => {
    let calls = 0;
    const s = setup(
      [
        stage("config", "pending", async () => {
          calls++;
          throw new AppError("github_unavailable", "GitHub answered HTTP 502", { retryable: true });
        }),
      ],
      { WAIT_MAX_HOURS: "1" },
    );
    const job = await s.add();
    await s.start();
    await s.clock.advance(59 * 60_000);
    let j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("pending");
    expect(j.attempts.waitsSince).toBe(j.history[0]!.at); // the first failure, at the fake clock's start
    expect(calls).toBeGreaterThan(5);
    await s.clock.advance(2 * 60_000);
    j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "github_unavailable", retryable: true, message: expect.stringMatching(/longer than WAIT_MAX_HOURS=1; `t0-ci-bot jobs retry /) });
    // And it stays failed: no further polling of the dependency.
    const atFailure = calls;
    await s.clock.advance(60 * 60_000);
    expect(calls).toBe(atFailure);
  });

  // Another retryable error means the dependency answered: the outage is over. A later one is a new outage,
  // and its WAIT_MAX_HOURS counts from its own start, not from the first one's.
  test("a different retryable error between outages resets the wait, so a later outage gets its own WAIT_MAX_HOURS", async () => {
    const MIN = 60_000;
    let other = 0;
    let t0 = 0;
    const s = setup(
      [
        stage("config", "pending", async () => {
          const elapsed = s.clock.now() - t0;
          if (elapsed < 50 * MIN) throw new AppError("github_unavailable", "GitHub answered HTTP 502", { retryable: true });
          if (other++ === 0) throw new AppError("http_500", "GitHub answered HTTP 500 once", { retryable: true });
          if (elapsed < 85 * MIN) throw new AppError("github_unavailable", "GitHub answered HTTP 502 again", { retryable: true });
          return {};
        }),
      ],
      { WAIT_MAX_HOURS: "1" },
    );
    t0 = s.clock.now();
    const job = await s.add();
    await s.start();
    await s.clock.advance(50 * MIN);
    // Past the first outage: the other error has been met (and has cleared the wait).
    await s.clock.advance(2 * MIN);
    let j = (await s.store.getJob(job.id))!;
    expect(other).toBeGreaterThanOrEqual(1);
    expect(j.state).toBe("pending");
    // 61 minutes after the first outage began, 9 into the second: still waiting, not failed.
    await s.clock.advance(9 * MIN);
    j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("pending");
    expect(Date.parse(j.attempts.waitsSince!)).toBeGreaterThanOrEqual(t0 + 50 * MIN);
    await s.clock.advance(30 * MIN);
    j = (await s.store.getJob(job.id))!;
    expect(j.error).toBeUndefined();
    expect(j.state).toBe("completed");
  });

  test("waits in a row back off exponentially up to RETRY_MAX_MS, honour Retry-After, and reset when the stage completes", async () => {
    let calls = 0;
    const retryAfter = new Map([[3, 20_000]]);
    const s = setup([
      stage("feedback", "feedback", async () => {
        calls++;
        if (calls <= 9) throw new AppError("model_unavailable", "circuit open", { retryable: true, retryAfterMs: retryAfter.get(calls) });
        return {};
      }),
    ]); // RETRY_BASE_MS=1000, RETRY_MAX_MS=60000
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    const gaps: number[] = [];
    for (let n = 1; n <= 9; n++) {
      const j = (await s.store.getJob(job.id))!;
      expect(j.attempts.byStage["feedback"]).toBe(0);
      gaps.push(Date.parse(j.nextAttemptAt!) - s.clock.now());
      await s.clock.advance(gaps.at(-1)!);
    }
    // Half jitter: wait n lands between half and all of min(1000·2^(n-1), 60000); the third asked for 20 s.
    gaps.forEach((gap, i) => {
      const step = Math.min(1000 * 2 ** i, 60_000);
      expect(gap).toBeGreaterThanOrEqual(i === 2 ? 20_000 : step / 2);
      expect(gap).toBeLessThanOrEqual(i === 2 ? 20_000 : step);
    });
    const j = (await s.store.getJob(job.id))!;
    expect(calls).toBe(10);
    expect(j.state).toBe("completed");
    expect(j.attempts.waits).toBeUndefined();
    expect(j.attempts.waitsSince).toBeUndefined();
  });

  test("dry-run asks side-effect stages to describe instead of act", async () => {
    let acted = 0;
    const s = setup([
      stage("write", "pr", async () => { acted++; return {}; }, {
        sideEffects: true,
        dryRun: async () => ({ result: { wouldOpen: "draft PR" } }),
      }),
      stage("generic", "feedback", async () => { acted++; return {}; }, { sideEffects: true }),
    ]);
    const job = await s.add(true);
    await s.start();
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(acted).toBe(0);
    expect(j.state).toBe("completed");
    expect(j.results).toEqual({ write: { wouldOpen: "draft PR" }, generic: { dryRun: true, wouldRun: "generic" } });
  });

  test("finish ends the job early; wait parks it until resumed", async () => {
    const s1 = setup([stage("config", "pending", async () => ({ finish: "disabled by config" })), stage("x", "cloning")]);
    const a = await s1.add();
    await s1.start();
    await s1.clock.advance(10);
    expect((await s1.store.getJob(a.id))!).toMatchObject({ state: "completed", completedStages: ["config"] });
    expect((await s1.store.getJob(a.id))!.history.at(-1)).toMatchObject({ note: "disabled by config" });

    const s2 = setup([stage("pr", "pr", async () => ({ result: 1, wait: "pull request outcome" })), stage("feedback", "feedback")]);
    const b = await s2.add();
    await s2.start();
    await s2.clock.advance(10);
    expect((await s2.store.getJob(b.id))!).toMatchObject({ state: "pr", waitingFor: "pull request outcome" });
    expect(await s2.runner.resumeUnfinished()).toBe(0);
    await resumeJob(s2.deps, b.id);
    await s2.clock.advance(10);
    expect((await s2.store.getJob(b.id))!).toMatchObject({ state: "completed", completedStages: ["pr", "feedback"] });
  });

  test("a job interrupted mid-stage resumes from that stage after a restart and finishes once", async () => {
    const runs: string[] = [];
    let hang = true;
    const stages = [
      stage("a", "cloning", async () => { runs.push("a"); return {}; }),
      stage("b", "analysis", async () => {
        runs.push("b");
        if (hang) await new Promise(() => undefined); // the process "dies" here
        return {};
      }),
      stage("c", "pr", async () => { runs.push("c"); return {}; }),
    ];
    const s = setup(stages);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!.state).toBe("analysis");

    // A new process on the same store: a new queue and runner.
    hang = false;
    const { clock, runner } = await newProcess(s.deps, stages);
    expect(await runner.resumeUnfinished()).toBe(1);
    await clock.advance(10);
    expect(runs).toEqual(["a", "b", "b", "c"]);
    expect((await s.store.getJob(job.id))!.state).toBe("completed");
  });

  test("a job of a repository taken out of REPO_ALLOWLIST before it ran (restart) fails before its first stage, without running it", async () => {
    const runs: string[] = [];
    const stages = [stage("a", "cloning", async () => { runs.push("a"); return {}; }), stage("write", "pr", async () => { runs.push("write"); return {}; }, { sideEffects: true })];
    const s = setup(stages);
    const job = await s.add(); // queued, never started: the process stopped first
    const { clock, runner } = await newProcess({ ...s.deps, config: { ...s.deps.config, REPO_ALLOWLIST: ["octo-org/other"] } }, stages);
    expect(await runner.resumeUnfinished()).toBe(1);
    await clock.advance(10);
    expect(runs).toEqual([]);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "repo_not_allowed", retryable: false, stage: "a" });
    expect(j.error?.message).toMatch(/not in REPO_ALLOWLIST .*jobs retry/);
  });

  test("a job created to act, resumed after DRY_RUN was turned on, stops before its first side effect", async () => {
    const runs: string[] = [];
    const stages = [
      stage("a", "cloning", async () => { runs.push("a"); return {}; }),
      stage("write", "pr", async () => { runs.push("write"); return {}; }, { sideEffects: true, dryRun: async () => { runs.push("describe"); return {}; } }),
    ];
    const s = setup(stages);
    const job = await s.add(); // dryRun: false, queued; then the process is restarted with DRY_RUN=true
    const { clock, runner } = await newProcess({ ...s.deps, config: { ...s.deps.config, DRY_RUN: true } }, stages);
    expect(await runner.resumeUnfinished()).toBe(1);
    await clock.advance(10);
    expect(runs).toEqual(["a"]);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "dry_run_on", retryable: false, stage: "write" });
    expect(j.error?.message).toMatch(/DRY_RUN.*jobs retry/);
  });

  test("a stage whose process keeps dying is failed as stage_crashed instead of resumed forever", async () => {
    const runs: string[] = [];
    const stages = [stage("a", "cloning", async () => { runs.push("a"); return {}; }), stage("b", "analysis", async () => { runs.push("b"); return {}; })];
    const s = setup(stages); // JOB_MAX_RETRIES=2: three starts are allowed
    const job = { ...makeJob(), completedStages: ["a"] };
    // Three earlier processes started stage b and died in it (the attempt counter is all that is left).
    job.attempts = { total: 4, byStage: { a: 1, b: 3 } };
    await s.store.recordIntake(makeDelivery(job), "{}", job);
    await s.queue.enqueue(queueItemFor(job));
    await s.start();
    await s.clock.advance(10);
    expect(runs).toEqual([]);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "stage_crashed", retryable: false, stage: "b" });
    expect(j.error!.message).toMatch(/started 3 times and never finished.*jobs retry/);
    // The operator's retry resets the stage's count and runs it again.
    await retryJob(s.deps, job.id);
    await s.clock.advance(10);
    expect(runs).toEqual(["b"]);
    expect((await s.store.getJob(job.id))!.state).toBe("completed");
  });

  test("a job stored before completions were counted keeps its completed stages' budget", async () => {
    const runs: string[] = [];
    const s = setup([stage("a", "cloning"), stage("watch", "feedback", async () => { runs.push("watch"); return { finish: "merged" }; })]); // JOB_MAX_RETRIES=2
    const job = { ...makeJob(), completedStages: ["a"] };
    // Woken seven times by PR events, each run completed; a new event has just re-opened the stage.
    job.attempts = { total: 8, byStage: { a: 1, watch: 7 } };
    job.results = { watch: { checks: "green" } };
    await s.store.recordIntake(makeDelivery(job), "{}", job);
    await s.queue.enqueue(queueItemFor(job));
    await s.start();
    await s.clock.advance(10);
    expect(runs).toEqual(["watch"]);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.attempts.atCompletion).toEqual({ a: 1, watch: 8 });
  });

  test("a stage that runs again after completing (watch-pr on each PR event) gets a fresh retry budget", async () => {
    let calls = 0;
    const s = setup([stage("watch", "feedback", async () => {
      calls++;
      if (calls === 6) throw transient("http_502", "bad gateway");
      return calls === 7 ? { finish: "merged" } : { wait: "pr-event" };
    })]); // JOB_MAX_RETRIES=2
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    for (let i = 0; i < 4; i++) {
      // An outside event re-opens the stage, as on-pull-request does.
      await s.store.updateJob(job.id, (j) => void (j.completedStages = []));
      await resumeJob(s.deps, job.id);
      await s.clock.advance(0);
    }
    expect(calls).toBe(5);
    await s.store.updateJob(job.id, (j) => void (j.completedStages = []));
    await resumeJob(s.deps, job.id);
    await s.clock.advance(0); // the 6th run fails: first attempt of this run, so it is retried
    let j = (await s.store.getJob(job.id))!;
    expect(j.error).toMatchObject({ code: "http_502", retryable: true });
    expect(j.state).not.toBe("failed");
    await s.clock.advance(5_000);
    j = (await s.store.getJob(job.id))!;
    expect(calls).toBe(7);
    expect(j.state).toBe("completed");
    expect(j.attempts.byStage["watch"]).toBe(7);
  });

  test("shutdown interrupts a stage without failing the job", async () => {
    const s = setup([
      // Fails only once stop() aborts it, however slow the machine (a timer here raced the stop under load).
      stage("slow", "testing", (_job, _deps, ctx) =>
        new Promise<StageOutcome>((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("killed")), { once: true }))),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    // Settles once the interrupted run has ended and written what it writes (a fixed 20 ms could look first).
    await s.runner.stop();
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("testing");
    expect(j.error).toBeUndefined();
  });

  test("a run whose job another worker took over stops without failing or re-queueing the job, and gives its start back", async () => {
    const stages = [stage("slow", "testing", async () => new Promise<StageOutcome>(() => undefined)), stage("next", "pr")];
    const s = setup(stages);
    const job = { ...makeJob() };
    await s.store.recordIntake(makeDelivery(job), "{}", job);
    const lost = new AbortController();
    const run = s.runner.runJob(queueItemFor(job), { signal: lost.signal });
    await s.clock.advance(0);
    expect((await s.store.getJob(job.id))!.attempts.byStage["slow"]).toBe(1);
    // The queue found the job's lease held by another worker: that worker runs it now.
    lost.abort(new AppError("job_taken_over", "another worker runs this job now", { retryable: true }));
    await run;
    const j = (await s.store.getJob(job.id))!;
    expect(j).toMatchObject({ state: "testing", completedStages: [], attempts: { byStage: { slow: 0 } } });
    expect([j.error, j.nextAttemptAt]).toEqual([undefined, undefined]);
    expect(await s.queue.stats()).toEqual({ waiting: 0, active: 0, delayed: 0 });
  });

  test("a clean stop gives back the start of a stage that ignores the abort, so the restart is no crash", async () => {
    let hang = true;
    const stages = [stage("slow", "testing", async () => (hang ? new Promise<StageOutcome>(() => undefined) : {}))];
    const s = setup(stages, { JOB_MAX_RETRIES: "0" }); // one start in all: a crash fails the job on restart
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    expect((await s.store.getJob(job.id))!.attempts.byStage["slow"]).toBe(1);
    await s.runner.stop();
    expect((await s.store.getJob(job.id))!).toMatchObject({ state: "testing", attempts: { byStage: { slow: 0 } } });

    hang = false;
    const { clock, runner } = await newProcess(s.deps, stages);
    expect(await runner.resumeUnfinished()).toBe(1);
    await clock.advance(10);
    expect((await s.store.getJob(job.id))!).toMatchObject({ state: "completed", error: undefined });
  });

  describe("a store write that fails outside the stage", () => {
    /** The store refuses `failures` writes once `from()` is true, with `error`. */
    const flakyStore = (s: ReturnType<typeof setup>, error: AppError, from: () => boolean, failures = Infinity) => {
      const update = s.store.updateJob.bind(s.store);
      let writes = 0;
      s.store.updateJob = async (id, mutate) => {
        if (from() && failures-- > 0) {
          writes++;
          throw error;
        }
        return update(id, mutate);
      };
      return { refused: () => writes };
    };

    test("queues the job again with growing backoff until the store is back", async () => {
      let runs = 0;
      const s = setup([stage("a", "cloning", async () => (runs++, {})), stage("b", "analysis")]);
      // The write recording a's completion fails, then the next try's start write: each try waits longer.
      flakyStore(s, new AppError("store_unavailable", "Redis does not answer", { retryable: true }), () => runs > 0, 2);
      const job = await s.add();
      await s.start();
      await s.clock.advance(0);
      expect((await s.store.getJob(job.id))!.state).toBe("cloning");
      const [first] = s.clock.pending();
      expect(first).toBeGreaterThanOrEqual(500);
      expect(first).toBeLessThanOrEqual(1000);
      await s.clock.advance(first!);
      const [second] = s.clock.pending();
      expect(second).toBeGreaterThanOrEqual(1000);
      expect(second).toBeLessThanOrEqual(2000);
      await s.clock.advance(second!);
      expect((await s.store.getJob(job.id))!).toMatchObject({ state: "completed", completedStages: ["a", "b"] });
      expect(runs).toBe(2);
      expect(s.clock.pending()).toEqual([]);
    });

    // A person following one job greps its lines by any of these: the escape's lines are that job's too.
    test("its log lines carry jobId, deliveryId, repo, runId and the stage, like every line of the job", async () => {
      const { logger, lines } = jsonLogLines();
      let runs = 0;
      const s = setup([stage("a", "cloning", async () => (runs++, {})), stage("b", "analysis")]);
      s.deps.logger = logger;
      flakyStore(s, new AppError("store_unavailable", "Redis does not answer", { retryable: true }), () => runs > 0, 1);
      const job = await s.add();
      await s.start();
      await s.clock.advance(0);
      await s.clock.advance(s.clock.pending()[0]!);
      expect((await s.store.getJob(job.id))!.state).toBe("completed");
      const escape = lines.filter((l) => String(l["msg"]).startsWith("job run failed outside its stage"));
      expect(escape).toHaveLength(1);
      expect(escape[0]).toMatchObject({ jobId: job.id, deliveryId: job.deliveryId, repo: job.repo.fullName, runId: job.run.id, stage: "a" });
    });

    test("a job that could not even be read is still named by what the queue knows, and by the stored job once readable", async () => {
      const { logger, lines } = jsonLogLines();
      const s = setup([stage("a", "cloning")]);
      s.deps.logger = logger;
      const job = await s.add();
      const get = s.store.getJob.bind(s.store);
      let refuse = 1;
      s.store.getJob = async (id) => {
        if (refuse-- > 0) throw new AppError("store_unavailable", "Redis does not answer", { retryable: true });
        return get(id);
      };
      await s.start();
      await s.clock.advance(0);
      await s.clock.advance(s.clock.pending()[0]!);
      expect((await s.store.getJob(job.id))!.state).toBe("completed");
      const escape = lines.find((l) => String(l["msg"]).startsWith("job run failed outside its stage"));
      // The runner looks the job up again for its log line; the store answered that second read.
      expect(escape).toMatchObject({ jobId: job.id, deliveryId: job.deliveryId, repo: job.repo.fullName, runId: job.run.id });
      expect(escape).toHaveProperty("stage");
    });

    test("a non-retryable error is tried JOB_MAX_RETRIES more times, then left for the next start", async () => {
      const s = setup([stage("a", "cloning")]); // JOB_MAX_RETRIES=2
      const job = await s.add();
      const store = flakyStore(s, new AppError("internal", "disk full"), () => true);
      await s.start();
      await s.clock.advance(60 * 60_000);
      expect(store.refused()).toBe(3);
      expect(s.clock.pending()).toEqual([]);
      expect((await s.store.getJob(job.id))!.state).toBe("pending");
    });

    test("nothing is queued again once the runner is stopping", async () => {
      const s = setup([stage("a", "cloning", () => new Promise<StageOutcome>(() => undefined))]);
      const job = await s.add();
      await s.start();
      await s.clock.advance(0);
      flakyStore(s, new AppError("store_closed", "The job store is closed.", { retryable: true }), () => true);
      await s.runner.stop(); // its give-back write fails: the store closed first
      await s.clock.advance(0);
      expect(s.clock.pending()).toEqual([]);
      expect((await s.store.getJob(job.id))!.state).toBe("cloning");
    });
  });

  test("an operator retry re-runs a failed job from the failed stage", async () => {
    let fail = true;
    const s = setup([stage("a", "cloning"), stage("b", "testing", async () => { if (fail) throw permanent("validation_failed", "red"); return {}; })]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!.state).toBe("failed");
    await expect(retryJob(s.deps, "nope")).rejects.toMatchObject({ code: "job_not_found" });
    fail = false;
    await retryJob(s.deps, job.id);
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.map((h) => h.state)).toEqual(["pending", "cloning", "testing", "failed", "testing", "completed"]);
    await expect(retryJob(s.deps, job.id)).rejects.toMatchObject({ code: "job_not_failed" });
  });

  // build-context runs in analysis after fetch-logs, watch-pr in pr after open-pull-request: a stage that
  // shares its state with the one before it has no history entry of its own.
  test("an operator retry of a stage that shares its state with the stage before puts the job back in that state", async () => {
    let fail = true;
    const s = setup([stage("a", "cloning"), stage("b", "analysis"), stage("c", "analysis", async () => { if (fail) throw permanent("bad_log", "unreadable"); return {}; })]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!).toMatchObject({ state: "failed", error: { stage: "c" } });
    fail = false;
    const retried = await retryJob(s.deps, job.id);
    expect(retried.state).toBe("analysis");
    expect(retried.history.at(-1)).toMatchObject({ state: "analysis", stage: "c", note: "retried by operator" });
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.map((h) => h.state)).toEqual(["pending", "cloning", "analysis", "failed", "analysis", "completed"]);
  });
});
