import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Job } from "../../src/core/job.js";
import type { JobStore } from "../../src/core/ports/job-store.js";
import { routeDelivery } from "../../src/handlers/route-delivery.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, uniquePrefix } from "../helpers/redis-env.js";

const DAY = 86_400_000;
const url = await redisUrlIfAvailable();

type Opened = { store: JobStore & { compact(): Promise<unknown> }; cleanup: () => Promise<void> };
const stores: Array<[string, (now: () => number) => Promise<Opened>]> = [
  [
    "lowdb",
    async (now) => {
      const dir = await mkdtemp(join(tmpdir(), "t0-reopen-"));
      const store = await LowdbJobStore.open(dir, { fsync: false, now, retentionDays: 30 });
      return { store, cleanup: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  ],
  ...(url
    ? [[
        "redis",
        async (now: () => number) => {
          const prefix = uniquePrefix("reopen");
          const store = await RedisJobStore.connect(url, { prefix, now, retentionDays: 30 });
          return {
            store,
            cleanup: async () => {
              await store.close();
              const admin = new RedisJobStore(new Redis(url), { prefix, owned: true });
              await admin.destroy();
              await admin.close();
            },
          };
        },
      ] as [string, (now: () => number) => Promise<Opened>]]
    : []),
];

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A job whose fix PR #7 was closed without merging: completed, its feedback sent, untouched since `at`. */
function closedJob(at: string): Job {
  const job: Job = { ...makeJob({ runId: 1, at }), state: "completed", completedStages: ["open-pull-request", "watch-pr", "send-feedback"] };
  job.results["open-pull-request"] = {
    branch: "ci-bot/fix-1", commitSha: "b".repeat(40), verified: true, pr: { number: 7, htmlUrl: "", nodeId: "", state: "open", draft: true },
    createdPr: true, commentedOn: [], files: [], inferenceId: "inf", episodeId: "ep", repairAttempt: 1,
  };
  job.results["pr-events"] = [{ id: `closed:7:${at}`, kind: "closed", merged: false, headSha: "b".repeat(40), at }];
  job.results["watch-pr"] = { handled: [`closed:7:${at}`], notes: ["PR #7 closed without merging"], closed: { merged: false } };
  job.feedback = [{ id: "pr_merged:ep", metric: "pr_merged", value: false, target: { episodeId: "ep" }, status: "sent", attempts: 1, createdAt: at, sentAt: at }];
  return job;
}

async function setup(open: (now: () => number) => Promise<Opened>) {
  const clock = new FakeClock();
  const start = clock.now();
  const o = await open(() => clock.now());
  cleanup = o.cleanup;
  const job = closedJob(new Date(start).toISOString());
  await o.store.recordIntake(makeDelivery(job), "{}", job);
  const deps = { config: loadAppConfig({}), store: o.store, clock, identity: new AppIdentity() };
  const reopen = () => {
    const at = new Date(clock.now()).toISOString();
    const repository = { id: job.repo.id, name: job.repo.name, full_name: job.repo.fullName, owner: { login: job.repo.owner } };
    const pull_request = { number: 7, state: "open", merged: false, closed_at: null, updated_at: at, head: { ref: "ci-bot/fix-1", sha: "b".repeat(40) } };
    return routeDelivery({ action: "reopened", installation: { id: job.installationId }, repository, sender: { login: "alice" }, pull_request }, { id: "d-reopen", event: "pull_request", receivedAt: at }, deps);
  };
  return { ...o, clock, job, reopen };
}

describe.each(stores)("a fix PR reopened, %s store", (kind, open) => {
  test("the job watches again, and retention does not take it however long the PR stays open", async () => {
    const s = await setup(open);
    await s.clock.advance(20 * DAY);
    expect(await s.reopen()).toMatchObject({ reason: expect.stringContaining("watching it again") });
    expect(await s.store.listUnfinishedJobIds()).toContain(s.job.id);
    await s.clock.advance(60 * DAY);
    await s.store.compact();
    const j = (await s.store.getJob(s.job.id))!;
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    // Still a live job: the next PR event can be recorded on it.
    await s.store.updateJob(s.job.id, (x) => void (x.updatedAt = new Date(s.clock.now()).toISOString()));
    expect((await s.store.findJobByKey(s.job.key))?.id).toBe(s.job.id);
  });

  test("a job already past retention is not brought back: the delivery says why, nothing fails", async () => {
    const s = await setup(open);
    await s.clock.advance(40 * DAY);
    await s.store.compact();
    const routed = await s.reopen();
    // lowdb keeps the job read-only in its archive; Redis has removed it.
    expect(routed).toMatchObject(kind === "lowdb" ? { outcome: "event_routed", reason: expect.stringContaining("archived") } : { outcome: "ignored", reason: expect.stringContaining("no job opened a PR") });
    expect(routed).not.toHaveProperty("resumeJobId");
  });
});
