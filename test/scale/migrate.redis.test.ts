import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { migrateLowdbToRedis } from "../../src/adapters/store/migrate-lowdb-to-redis.js";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { run as storeCommand } from "../../src/cli/commands/store.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("store migrate --from lowdb --to redis");
else
  describe("store migrate --from lowdb --to redis", () => {
    let dir: string;
    let prefix: string;
    let target: RedisJobStore;
    const a = makeJob({ runId: 1, at: "2026-11-01T00:00:00.000Z" });
    const b = makeJob({ runId: 2, at: "2026-11-02T00:00:00.000Z", fingerprint: "fp-b" });
    const da = makeDelivery(a);
    const db = makeDelivery(b);
    const ignored = makeDelivery(undefined, { outcome: "ignored", reason: "conclusion success" });

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "t0-migrate-"));
      const src = await LowdbJobStore.open(dir, { fsync: false });
      await src.recordIntake(da, '{"a":1}', a);
      await src.recordIntake(db, '{"b":2}', b);
      await src.recordIntake(ignored, '{"i":3}');
      await src.updateJob(a.id, (j) => {
        j.state = "completed";
        j.results["open-pull-request"] = { number: 7 };
      });
      await src.close();
      // A prefix the server accepts as REDIS_PREFIX (no ":" in it): the CLI checks it as the server does.
      prefix = `${uniquePrefix("mig").replaceAll(":", "-").slice(0, -1)}:`;
      target = await RedisJobStore.connect(url, { prefix });
    });
    afterEach(async () => {
      await target.destroy();
      await target.close();
      await rm(dir, { recursive: true, force: true });
    });

    test("copies jobs as they stand and deliveries with payloads; a second run copies nothing", async () => {
      const first = await migrateLowdbToRedis(dir, target);
      expect(first).toEqual({ jobs: { copied: 2, updated: 0, alreadyPresent: 0 }, deliveries: { copied: 3, alreadyPresent: 0 }, unfinished: 1 });
      expect((await target.getJob(a.id))?.results).toEqual({ "open-pull-request": { number: 7 } });
      expect((await target.getJob(a.id))?.state).toBe("completed");
      expect(await target.listUnfinishedJobIds()).toEqual([b.id]);
      expect(await target.countByFingerprint(b.repo.id, "fp-b")).toBe(1);
      expect((await target.listDeliveries()).map((d) => d.id)).toEqual([ignored.id, db.id, da.id]);
      expect((await target.listDeliveries())[2]).toMatchObject({ outcome: "job_created", jobId: a.id });
      expect(await target.getDeliveryPayload(ignored.id)).toBe('{"i":3}');
      const again = await migrateLowdbToRedis(dir, target);
      expect(again).toEqual({ jobs: { copied: 0, updated: 0, alreadyPresent: 2 }, deliveries: { copied: 0, alreadyPresent: 3 }, unfinished: 1 });
      const dup = makeJob({ runId: 2 });
      expect((await target.recordIntake(makeDelivery(dup), "{}", dup)).created).toBe(false);
    });

    test("the gap-free switch: a job the old server moved on between the two runs is brought up to date, one Redis moved on is kept", async () => {
      await migrateLowdbToRedis(dir, target);
      const old = await LowdbJobStore.open(dir, { fsync: false });
      await old.updateJob(b.id, (j) => {
        j.state = "completed";
        j.results["open-pull-request"] = { number: 8 };
      });
      await old.close();
      // A job Redis itself has changed since the import is not overwritten.
      await target.updateJob(a.id, (j) => void (j.results["watch-pr"] = { seen: true }));
      const again = await migrateLowdbToRedis(dir, target);
      expect(again.jobs).toEqual({ copied: 0, updated: 1, alreadyPresent: 1 });
      expect(await target.getJob(b.id)).toMatchObject({ state: "completed", results: { "open-pull-request": { number: 8 } } });
      expect(await target.listUnfinishedJobIds()).toEqual([]);
      expect((await target.listJobs({ state: "completed" })).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
      expect((await target.getJob(a.id))?.results["watch-pr"]).toEqual({ seen: true });
    });

    test("--dry-run counts what a run would do, writing nothing: before a run, and once one has copied some", async () => {
      // docs/scaling.md: "Add `--dry-run` to count without writing". A dry run after the first run of a
      // gap-free switch counted every delivery as to be copied and a job the old server moved on as present.
      const none = await migrateLowdbToRedis(dir, target, { dryRun: true });
      expect(none).toEqual({ jobs: { copied: 2, updated: 0, alreadyPresent: 0 }, deliveries: { copied: 3, alreadyPresent: 0 }, unfinished: 1 });
      expect([(await target.listJobs()).length, (await target.listDeliveries()).length]).toEqual([0, 0]);
      await migrateLowdbToRedis(dir, target);
      const old = await LowdbJobStore.open(dir, { fsync: false });
      await old.updateJob(b.id, (j) => void (j.results["open-pull-request"] = { number: 8 }));
      const c = makeJob({ runId: 3, at: "2026-11-03T00:00:00.000Z" });
      await old.recordIntake(makeDelivery(c), '{"c":4}', c);
      await old.close();
      const dry = await migrateLowdbToRedis(dir, target, { dryRun: true });
      expect(dry).toEqual({ jobs: { copied: 1, updated: 1, alreadyPresent: 1 }, deliveries: { copied: 1, alreadyPresent: 3 }, unfinished: 2 });
      expect((await target.getJob(b.id))?.results["open-pull-request"]).toBeUndefined();
      expect([(await target.listJobs()).length, (await target.listDeliveries()).length]).toEqual([2, 3]);
      expect(await migrateLowdbToRedis(dir, target)).toEqual(dry);
    });

    test("the fix-loop count of a failure that passed before the migration starts from zero after it", async () => {
      const repoId = b.repo.id;
      const src = await LowdbJobStore.open(dir, { fsync: false });
      for (const runId of [21, 22, 23]) {
        const j = makeJob({ runId, fingerprint: "went-green", at: `2026-11-03T00:00:${runId}.000Z` });
        await src.recordIntake(makeDelivery(j), "{}", j);
      }
      await src.clearFingerprints(repoId, ["went-green"], "2026-11-04T00:00:00.000Z");
      await src.close();
      await migrateLowdbToRedis(dir, target);
      expect(await target.countByFingerprint(repoId, "went-green")).toBe(0);
      expect(await target.countByFingerprint(repoId, "fp-b")).toBe(1);
      const next = makeJob({ runId: 24, fingerprint: "went-green", at: "2026-11-05T00:00:00.000Z" });
      const cap = { max: 3, delivery: makeDelivery(next, { outcome: "ignored" as const, reason: "capped" }) };
      expect((await target.recordIntake(makeDelivery(next), "{}", next, cap)).created).toBe(true);
    });

    test("run while the new processes already take webhooks, their jobs keep counting for the fix-loop guard", async () => {
      const repoId = b.repo.id;
      const src = await LowdbJobStore.open(dir, { fsync: false });
      for (const runId of [21, 22]) {
        const j = makeJob({ runId, fingerprint: "went-green", at: `2026-11-03T00:00:${runId}.000Z` });
        await src.recordIntake(makeDelivery(j), "{}", j);
      }
      await src.clearFingerprints(repoId, ["went-green"], "2026-11-04T00:00:00.000Z");
      await src.close();
      // Failures the new processes took before the migration ran: one of fp-b, one of the failure that
      // went green (after the old server saw it pass).
      const liveB = makeJob({ runId: 31, fingerprint: "fp-b", at: "2026-11-05T00:00:00.000Z" });
      const liveGreen = makeJob({ runId: 32, fingerprint: "went-green", at: "2026-11-05T00:00:00.000Z" });
      for (const j of [liveB, liveGreen]) await target.recordIntake(makeDelivery(j), "{}", j);
      await migrateLowdbToRedis(dir, target);
      expect(await target.countByFingerprint(repoId, "fp-b")).toBe(2);
      expect(await target.countByFingerprint(repoId, "went-green")).toBe(1);
      // Run again (the gap-free switch runs it twice): nothing is counted twice.
      await migrateLowdbToRedis(dir, target);
      expect(await target.countByFingerprint(repoId, "fp-b")).toBe(2);
      expect(await target.countByFingerprint(repoId, "went-green")).toBe(1);
      const next = makeJob({ runId: 33, fingerprint: "fp-b", at: "2026-11-06T00:00:00.000Z" });
      const cap = { max: 2, delivery: makeDelivery(next, { outcome: "ignored" as const, reason: "capped" }) };
      expect(await target.recordIntake(makeDelivery(next), "{}", next, cap)).toEqual({ created: false, capped: true });
    });

    test("run while the new processes already take webhooks, it keeps the list newest first", async () => {
      const live = makeDelivery(undefined, { receivedAt: "2026-11-24T09:00:00.000Z" });
      await target.recordIntake(live, "{}");
      await migrateLowdbToRedis(dir, target);
      const listed = await target.listDeliveries();
      expect(listed[0]!.id).toBe(live.id);
      expect(listed.map((d) => d.receivedAt)).toEqual([...listed.map((d) => d.receivedAt)].sort().reverse());
      // A full list of newer deliveries does not take an older one in (it would be the first one trimmed).
      const small = await RedisJobStore.connect(url, { prefix: uniquePrefix("mig-cap"), deliveriesCap: 1 });
      try {
        await small.recordIntake(live, "{}");
        await migrateLowdbToRedis(dir, small);
        expect((await small.listDeliveries()).map((d) => d.id)).toEqual([live.id]);
      } finally {
        await small.destroy();
        await small.close();
      }
    });

    test("the CLI command migrates and reports; bad flags say what to do", async () => {
      const out: string[] = [];
      const err: string[] = [];
      const o = jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
      const e = jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
      try {
        const env = { REDIS_URL: url, DATA_DIR: dir, REDIS_PREFIX: prefix.slice(0, -1) };
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis"], env)).toBe(0);
        expect(out.join("")).toContain("done: 2 jobs and 3 deliveries copied");
        expect((await target.listJobs()).length).toBe(2);
        expect(await storeCommand(["migrate", "--from", "redis", "--to", "lowdb"], env)).toBe(2);
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis"], { DATA_DIR: dir })).toBe(2);
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis", "--data-dir", join(dir, "nope")], env)).toBe(2);
        expect(err.join("")).toMatch(/only --from lowdb --to redis[\s\S]*set REDIS_URL[\s\S]*does not exist/);
        // A folder with no store in it (a mistyped path): refused, not "done: 0 jobs", and left untouched.
        const empty = join(dir, "empty");
        mkdirSync(empty);
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis", "--data-dir", empty], env)).toBe(2);
        expect(err.join("")).toContain(`DATA_DIR ${empty} holds no t0-ci-bot store`);
        expect(readdirSync(empty)).toEqual([]);
        // The flags and settings are checked as the server checks them, before anything is read or written.
        err.length = 0;
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis", "--prefix", "t0 staging"], env)).toBe(2);
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis"], { ...env, RETENTION_DAYS: "thirty" })).toBe(2);
        expect(await storeCommand(["migrate", "--from", "lowdb", "--to", "redis", "--redis-url", "localhost:6379"], env)).toBe(2);
        expect(err.join("")).toMatch(/REDIS_PREFIX: letters, digits[\s\S]*RETENTION_DAYS: must be a whole number[\s\S]*REDIS_URL: must be a URL such as redis:\/\/host:6379[\s\S]*--prefix stand for/);
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    });
  });
