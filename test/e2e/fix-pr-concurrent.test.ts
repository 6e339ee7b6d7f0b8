import { describe, expect, test } from "@jest/globals";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { MemoryKeyedLock } from "../../src/adapters/lock/memory-keyed-lock.js";
import { RedisKeyedLock } from "../../src/adapters/lock/redis-keyed-lock.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { Deps } from "../../src/core/deps.js";
import type { Job } from "../../src/core/job.js";
import type { KeyedLock } from "../../src/core/ports/keyed-lock.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { fixLoopSuite, laterJob, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();


/** How the jobs run at once: one process's queue (the embedded deployment), or two workers of a fleet. */
type Mode = { name: string; locks(s: FixLoop): Promise<KeyedLock[]>; queue: boolean };

const embedded: Mode = { name: "one process, T0_PER_REPO_CONCURRENCY=2", locks: async (s) => [new MemoryKeyedLock({ clock: s.clock })], queue: true };

/**
 * Runs `jobs` through open-pull-request at once, and holds the first one that reads the repository's config
 * from GitHub (just after its look for a sibling PR, just before the cap) until the other has looked for
 * that sibling too, or waits for the lock: without a lock, both read the repository's jobs before either
 * recorded its PR. Embedded: both from an in-process queue with T0_PER_REPO_CONCURRENCY=2. Fleet: each job
 * on a worker of its own, with its own connection to the shared lock. Resolves once both ran.
 */
async function runAtOnce(s: FixLoop, jobs: Job[], mode: Mode): Promise<void> {
  let looked = 0;
  let waitedForLock = 0;
  let open!: () => void;
  const bothThere = new Promise<void>((r) => (open = r));
  const check = () => (looked >= 2 || waitedForLock >= 2) && open();
  const store = s.deps.store;
  const listJobs = store.listJobs.bind(store);
  store.listJobs = async (q) => {
    const r = await listJobs(q);
    if (q?.state === "pr") (looked++, check());
    return r;
  };
  const counted = (inner: KeyedLock): KeyedLock => ({ acquire: (key, o) => (waitedForLock++, check(), inner.acquire(key, o)), close: () => inner.close() });
  const github: Deps["github"] = {
    forInstallation: async (id) => {
      const gh = await s.deps.github.forInstallation(id);
      return { ...gh, getRepoConfig: async (repo) => (await bothThere, gh.getRepoConfig(repo)) } as typeof gh;
    },
  };
  const locks = (await mode.locks(s)).map(counted);
  const config = { ...s.deps.config, T0_PER_REPO_CONCURRENCY: 2 };
  try {
    if (!mode.queue) {
      await Promise.all(jobs.map((job, i) => new Runner({ ...s.deps, config, github, locks: locks[i % locks.length]! }, [openPullRequestStage]).runJob(queueItemFor(job))));
      return;
    }
    const queue = new InProcessQueue({ concurrency: 2, perRepo: 2, clock: s.clock, logger: s.deps.logger });
    const runner = new Runner({ ...s.deps, config, queue, github, locks: locks[0]! }, [openPullRequestStage]);
    let ran = 0;
    let allRan!: () => void;
    const done = new Promise<void>((r) => (allRan = r));
    await queue.start(async (item, ctx) => {
      await runner.runJob(item, ctx);
      if (++ran === jobs.length) allRan();
    });
    for (const job of jobs) await queue.enqueue(queueItemFor(job));
    expect((await queue.stats()).active).toBe(jobs.length);
    await done;
    await queue.stop();
  } finally {
    for (const l of locks) await l.close();
  }
}

const url = await redisUrlIfAvailable();
const prefix = uniquePrefix("fixprs");
const fleet: Mode = {
  name: "two workers sharing Redis",
  // Each worker's own connection; Redis keeps the lease's time, so they wait by the wall clock.
  locks: async () => Promise.all([0, 1].map(() => RedisKeyedLock.open(url!, { prefix, ttlMs: 2_000, pollMs: 20, clock: systemClock(), logger: silentLogger() }))),
  queue: false,
};
if (!url) skipWithoutRedis("fix-PR decisions of two workers");

describe.each(url ? [embedded, fleet] : [embedded])("jobs of one repository deciding their fix PR at the same moment: $name", (mode) => {
  test("tests.yml and lint.yml failing on one commit, both jobs at open-pull-request together: one fix PR", async () => {
    const s = await setup({ pullRequests: [] });
    // A lint error: no failing tests named, and the same fix validated on the commit.
    const lint = await laterJob(s, 556, { fingerprint: "lint-yml-fingerprint", tests: [] });
    await runAtOnce(s, [s.job, lint], mode);
    expect(s.gh.pulls).toHaveLength(1);
    const [a, b] = [await s.get(), (await s.store.getJob(lint.id))!];
    // One of them opened the PR and waits on it; the other found it, with the same fix on it: nothing written.
    const [opener, other] = a.state === "pr" ? [a, b] : [b, a];
    expect(opener.state).toBe("pr");
    expect(other.state).toBe("completed");
    expect(other.history.at(-1)?.note).toBe(`same commit, another workflow as job ${opener.id}: the same fix is on its PR #100 already; nothing written`);
  });

  test("MAX_OPEN_FIX_PRS_PER_REPO with room for one more, two branches' jobs opening their PRs together: never above it", async () => {
    const s = await setup({ pullRequests: [] });
    s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO = 2;
    await s.run();
    expect(s.gh.pulls).toHaveLength(1);
    const b1 = await laterJob(s, 601, { branch: "feature/b1", fingerprint: "fp-b1", headSha: "b".repeat(40) });
    const b2 = await laterJob(s, 602, { branch: "feature/b2", fingerprint: "fp-b2", headSha: "c".repeat(40) });
    for (const sha of ["b", "c"]) s.gh.commits.set(sha.repeat(40), s.gh.commits.get("a".repeat(40))!);
    await runAtOnce(s, [b1, b2], mode);
    expect(s.gh.pulls).toHaveLength(2);
    const states = [(await s.store.getJob(b1.id))!, (await s.store.getJob(b2.id))!];
    expect(states.map((j) => j.state).sort()).toEqual(["failed", "pr"]);
    expect(states.find((j) => j.state === "failed")!.error).toMatchObject({ code: "open_fix_prs_capped", retryable: false });
  });
});
