import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../../../test/helpers/redis-env.js";
import { AppError } from "../../core/errors.js";
import { RedisKeyedLock } from "../lock/redis-keyed-lock.js";
import { createWritePacer } from "../queue/write-pacer.js";
import { createGitHubPort } from "./create-github-port.js";

const url = await redisUrlIfAvailable();
const noop = () => undefined;
const repo = { id: 1, owner: "octo", name: "demo", fullName: "octo/demo" };
const WAIT_MS = 300_000;
const TTL_MS = 60_000;

/**
 * GitHub's secondary rate limits (reference/github.md §5): an installation's mutating requests go serially,
 * not concurrently. Two workers (REDIS_URL) each keep their own lane; only a lease in Redis keeps the write
 * of one from running while the other's is still under way (the shared pacer spaces their starts only).
 */
if (!url) skipWithoutRedis("GitHub writes across workers");
else
  describe("GitHub writes of one installation across workers (Redis lease)", () => {
    const prefix = uniquePrefix("ghw");
    const clock = new FakeClock();
    const opened: Array<{ close(): Promise<void> } | Redis> = [];
    let admin: Redis;
    /** What GitHub saw, in order; a request whose path is in `held` stays open until its release is called. */
    let log: string[] = [];
    const held = new Map<string, { release(): void; promise: Promise<void> }>();

    beforeAll(() => {
      admin = new Redis(url);
    });
    afterEach(async () => {
      for (const h of held.values()) h.release();
      held.clear();
      for (const o of opened.splice(0)) await ("quit" in o ? o.quit() : o.close());
      log = [];
    });
    afterAll(async () => {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    });

    const hold = (path: string) => {
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      held.set(path, { release, promise });
      return release;
    };

    const fetch = async (u: string, init: { method?: string }) => {
      const what = `${init.method} ${new URL(u).pathname}`;
      log.push(`start ${what}`);
      await held.get(new URL(u).pathname)?.promise;
      log.push(`end ${what}`);
      return new Response(JSON.stringify({}), { status: 200, headers: { "content-type": "application/json" } });
    };
    const octokit = () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug: noop, info: noop, warn: noop, error: noop }, request: { fetch } });

    /** One worker: its own connections, its own lane (its own port), the fleet's Redis. */
    async function worker() {
      const pacerRedis = new Redis(url!);
      opened.push(pacerRedis);
      const lock = await RedisKeyedLock.open(url!, { prefix, ttlMs: 30_000, pollMs: 1_000, clock });
      opened.push(lock);
      return createGitHubPort({
        octokitFactory: octokit,
        writePacer: createWritePacer(pacerRedis, { prefix, minIntervalMs: 1000, clock }),
        writeLease: { lock, waitMs: WAIT_MS, ttlMs: TTL_MS },
      });
    }

    /** Steps the fake clock (a poll, a pacer slot) and lets Redis answer, until `done` or a bound. */
    async function until(done: () => boolean, stepMs = 500, steps = 200) {
      for (let i = 0; i < steps && !done(); i++) {
        await clock.advance(stepMs);
        await new Promise((r) => setTimeout(r, 2));
      }
    }

    test("two workers' writes of one installation never overlap; another installation's go on meanwhile", async () => {
      const [w1, w2] = await Promise.all([worker(), worker()]);
      const [a, b, other] = await Promise.all([w1.forInstallation(2), w2.forInstallation(2), w2.forInstallation(3)]);
      const label = "/repos/octo/demo/issues/1/labels";
      const pull = "/repos/octo/demo/pulls/2";
      const release: Record<string, () => void> = { [label]: hold(label), [pull]: hold(pull) };
      const writes = Promise.all([a.writes!.addLabels(repo, 1, ["ci-bot"]), b.writes!.updatePullRequest(repo, 2, { title: "t" })]);
      await until(() => log.length > 0);
      // Whichever worker took the lease first: the other one's write has not started, however long it waits.
      const [firstStart] = log;
      const [firstPath, secondPath] = firstStart!.endsWith(label) ? [label, pull] : [pull, label];
      await until(() => false, 1_000, 10);
      expect(log).toEqual([firstStart]);
      // The lease's ttl is the one asked for: a worker killed now frees it after TTL_MS, not sooner.
      const ttl = await admin.pttl(`${prefix}lock:gh-write:2`);
      expect(ttl).toBeGreaterThan(TTL_MS - 5_000);
      expect(ttl).toBeLessThanOrEqual(TTL_MS);
      // Another installation does not wait for it.
      await other.writes!.updatePullRequest(repo, 3, { title: "t" });
      expect(log).toEqual([firstStart, "start PATCH /repos/octo/demo/pulls/3", "end PATCH /repos/octo/demo/pulls/3"]);
      release[firstPath]!();
      await until(() => log.length >= 5);
      await until(() => false, 1_000, 5);
      expect(log.slice(3)).toEqual([firstStart!.replace("start", "end"), expect.stringMatching(new RegExp(`^start \\w+ ${secondPath}$`))]);
      release[secondPath]!();
      await writes;
      expect(log).toHaveLength(6);
      expect(await admin.exists(`${prefix}lock:gh-write:2`)).toBe(0);
    });

    test("a lease held past the wait: the write is not made, and fails with an error the runner waits out", async () => {
      const other = await RedisKeyedLock.open(url!, { prefix, ttlMs: 30_000, clock });
      opened.push(other);
      const stuck = (await other.acquire("gh-write:2", { waitMs: 0 }))!;
      expect(stuck).toBeDefined();
      const gh = await (await worker()).forInstallation(2);
      let settled: unknown;
      const write = gh.writes!.updatePullRequest(repo, 2, { title: "t" }).then(
        () => (settled = "made"),
        (err: unknown) => (settled = err),
      );
      await until(() => settled !== undefined, 10_000, 40);
      await write;
      expect(settled).toBeInstanceOf(AppError);
      const err = settled as AppError;
      expect([err.code, err.retryable, err.details]).toEqual(["github_unavailable", true, { lease: "gh-write:2", waitMs: WAIT_MS }]);
      expect(err.message).toMatch(/GitHub writes of installation 2 .*300 s/);
      expect(log).toEqual([]);
      await stuck.release();
    });

    test("the job's abort signal ends its wait for the lease, and nothing is written", async () => {
      const other = await RedisKeyedLock.open(url!, { prefix, ttlMs: 30_000, clock });
      opened.push(other);
      const stuck = (await other.acquire("gh-write:2", { waitMs: 0 }))!;
      const ac = new AbortController();
      const gh = await (await worker()).forInstallation(2, { signal: ac.signal });
      let settled: unknown;
      const write = gh.writes!.updatePullRequest(repo, 2, { title: "t" }).then(
        () => (settled = "made"),
        (err: unknown) => (settled = err),
      );
      await until(() => false, 1_000, 5);
      expect(settled).toBeUndefined();
      const stop = new Error("job stopped");
      ac.abort(stop);
      await until(() => settled !== undefined, 100, 20);
      await write;
      expect(settled).toBe(stop);
      await stuck.release();
      await until(() => false, 1_000, 3);
      expect(log).toEqual([]);
    });
  });
