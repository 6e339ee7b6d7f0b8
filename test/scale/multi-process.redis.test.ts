import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import type { Job } from "../../src/core/job.js";
import { redisUrlIfAvailable, skipWithoutRedis } from "../helpers/redis-env.js";

/**
 * Scale-out end to end on one Redis: two real `t0-ci-bot serve` processes and three real
 * `t0-ci-bot worker` processes (with sleeping stages). 500 signed deliveries, duplicates included, go
 * to both web processes at once; every run becomes exactly one job, and every job runs each stage once.
 * Then a worker is killed mid-job and the job still completes, once, on another worker.
 */
const url = await redisUrlIfAvailable();
const ROOT = new URL("../../", import.meta.url).pathname;
const SECRET = "scale-secret";
const PRIVATE_KEY = readFileSync(join(ROOT, "fixtures/mock-private-key.pem"), "utf8");
const RUNS = 200;
const DELIVERIES = 500;
const REPOS = 20;
const SLOW_RUN = 999_999;
const DRAIN_RUN = 999_998;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function payloadFor(runId: number, repoNo: number): string {
  const p = JSON.parse(readFileSync(join(ROOT, "fixtures/webhooks/workflow_run.completed.json"), "utf8"));
  const repo = { ...p.repository, id: 500_000 + repoNo, name: `repo${repoNo}`, full_name: `scale/repo${repoNo}` };
  p.repository = repo;
  p.workflow_run = { ...p.workflow_run, id: runId, conclusion: "failure", repository: repo, head_repository: repo };
  return JSON.stringify(p);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (!url) skipWithoutRedis("scale: web + worker processes on one Redis");
else
  describe("scale: 2 web + 3 worker processes on one Redis", () => {
    const prefix = `t0test-scale-${randomUUID().slice(0, 8)}`;
    const logPrefix = `${prefix}:testlog:`;
    const children: ChildProcess[] = [];
    const workers: ChildProcess[] = [];
    const webUrls: string[] = [];
    const stderr = new Map<ChildProcess, string>();
    let dir: string;
    let store: RedisJobStore;
    let redis: Redis;

    const baseEnv = (extra: Record<string, string>) => ({
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "production",
      APP_ID: "1",
      REDELIVER_WINDOW_HOURS: "0",
      PRIVATE_KEY,
      WEBHOOK_SECRET: SECRET,
      REDIS_URL: url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: "warn",
      DATA_DIR: join(dir, "data"),
      WORKSPACE_ROOT: join(dir, "ws"),
      MAX_ATTEMPTS_PER_FINGERPRINT: "1000000",
      T0_PER_REPO_CONCURRENCY: "1",
      ...extra,
    });

    const spawnChild = (args: string[], env: Record<string, string>) => {
      const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
      stderr.set(child, "");
      child.stderr!.on("data", (d) => stderr.set(child, (stderr.get(child)! + d).slice(-4000)));
      children.push(child);
      return child;
    };

    let healthUrl = "";
    const startWorker = (healthPort = 0) => {
      const w = spawnChild(["test/scale/worker-child.ts"], baseEnv({
        WORKER_HEALTH_PORT: String(healthPort),
        HOST: "127.0.0.1",
        T0_WORKERS: "4",
        // 5 s, not 1 s: with five processes on a loaded CI machine a lock renewal can come over half a second
        // late, and a lapsed lock hands a running job to a second worker (the test then sees it run twice).
        QUEUE_LOCK_MS: "5000",
        QUEUE_STALLED_INTERVAL_MS: "500",
        QUEUE_REPO_BUSY_DELAY_MS: "30",
        WORKER_DRAIN_MS: "3000",
        SCALE_LOG_PREFIX: logPrefix,
        SCALE_STAGE_MS: "5",
        SCALE_SLOW_RUNS: `${SLOW_RUN}:60000,${DRAIN_RUN}:800`,
      }));
      workers.push(w);
      return w;
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "t0-scale-"));
      redis = new Redis(url);
      store = await RedisJobStore.connect(url, { prefix: `${prefix}:` });
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        spawnChild(["src/main.ts"], baseEnv({ PORT: String(port), HOST: "127.0.0.1" }));
        webUrls.push(`http://127.0.0.1:${port}`);
      }
      const healthPort = await freePort();
      healthUrl = `http://127.0.0.1:${healthPort}`;
      for (let i = 0; i < 3; i++) startWorker(i === 0 ? healthPort : 0);
      // Five tsx processes starting at once take ~10 s here; the waits end as soon as each is up.
      for (const u of webUrls) await until(`${u}/readyz`, async () => (await fetch(`${u}/readyz`)).ok, 90_000);
      // Workers are up when BullMQ counts them (it names their connections).
      const q = new Queue("t0-jobs", { connection: { url }, prefix });
      try {
        await until("3 workers", async () => (await q.getWorkersCount()) >= 3, 90_000);
      } finally {
        await q.close();
      }
    }, 150_000);

    afterAll(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
      await store.destroy();
      await store.close();
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== "0");
      redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    }, 20_000);

    const send = async (webUrl: string, body: string) => {
      const res = await fetch(`${webUrl}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "workflow_run",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };

    test("500 deliveries with duplicates through two web processes: one job per run, each stage run once", async () => {
      // Every run at least twice (the rest of the 500 are extra duplicates), in a shuffled order, split
      // over both web processes and sent 25 at a time, so copies of a run race each other.
      const runs = Array.from({ length: RUNS }, (_, i) => 10_000 + i);
      const sends = [...runs, ...runs, ...Array.from({ length: DELIVERIES - 2 * RUNS }, (_, i) => runs[(i * 7) % RUNS]!)];
      for (let i = sends.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [sends[i], sends[j]] = [sends[j]!, sends[i]!];
      }
      const statuses: number[] = [];
      for (let i = 0; i < sends.length; i += 25) {
        const batch = sends.slice(i, i + 25).map((runId, k) => send(webUrls[(i + k) % 2]!, payloadFor(runId, runId % REPOS)));
        statuses.push(...(await Promise.all(batch)));
      }
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
      const ready = await fetch(`${healthUrl}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", checks: { store: "ok", queue: "ok" } }]);

      const jobs = await until("all jobs completed", async () => {
        const all = await store.listJobs({ limit: 10_000 });
        return all.length === RUNS && all.every((j) => j.state === "completed") && all;
      }, 90_000);
      expect(new Set(jobs.map((j) => j.key)).size).toBe(RUNS);
      const deliveries = await store.listDeliveries({ limit: 10_000 });
      expect(deliveries.length).toBe(DELIVERIES);
      expect(deliveries.filter((d) => d.outcome === "job_created").length).toBe(RUNS);
      expect(deliveries.filter((d) => d.outcome === "duplicate").length).toBe(DELIVERIES - RUNS);

      const logs = await Promise.all(jobs.map((j) => redis.lrange(`${logPrefix}runs:${j.id}`, 0, -1)));
      for (const [i, log] of logs.entries()) {
        const pid = log[0]!.split(":")[2];
        expect({ job: jobs[i]!.id, log: log.map((l) => l.split(":").slice(0, 2).join(":")) }).toEqual({
          job: jobs[i]!.id,
          log: ["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"],
        });
        // The job ran start to end on one worker.
        expect(new Set(log.map((l) => l.split(":")[2]))).toEqual(new Set([pid]));
      }
      const pids = new Set(logs.map((l) => l[0]!.split(":")[2]));
      expect(pids.size).toBe(3); // the work was spread over all three workers
      expect(await redis.lrange(`${logPrefix}violations`, 0, -1)).toEqual([]); // per-repo limit held across processes
      expect(jobs.every((j: Job) => j.history.filter((h) => h.state === "completed").length === 1)).toBe(true);
    }, 120_000);

    test("a worker killed mid-job: the job completes once, on another worker", async () => {
      expect(await send(webUrls[0]!, payloadFor(SLOW_RUN, 999))).toBe(202);
      const job = await until("the slow job", () => store.findJobByKey(`${500_999}:${SLOW_RUN}`), 15_000);
      const started = await until("stage b running", async () => {
        const log = await redis.lrange(`${logPrefix}runs:${job.id}`, 0, -1);
        return log.find((l) => l.startsWith("b:start:"));
      }, 15_000);
      const victimPid = Number(started.split(":")[2]);
      const victim = workers.find((w) => w.pid === victimPid)!;
      expect(victim).toBeDefined();
      victim.kill("SIGKILL");

      // Taken over once the killed worker's 5 s lock has expired.
      const done = await until("the job completed elsewhere", async () => {
        const j = await store.getJob(job.id);
        return j?.state === "completed" && j;
      }, 40_000);
      const log = (await redis.lrange(`${logPrefix}runs:${job.id}`, 0, -1)).map((l) => l.split(":"));
      expect(log.filter(([s, e]) => s === "a" && e === "end").length).toBe(1);
      expect(log.filter(([s, e]) => s === "b" && e === "start").length).toBe(2);
      expect(log.filter(([s, e]) => s === "b" && e === "end").length).toBe(1);
      expect(log.filter(([s]) => s === "c").length).toBe(2); // c: one start, one end
      expect(log.filter(([s, , pid]) => s === "c" && Number(pid) === victimPid)).toEqual([]);
      expect(done.completedStages).toEqual(["a", "b", "c"]);
      expect(done.history.filter((h) => h.state === "completed").length).toBe(1);
    }, 75_000);

    test("SIGTERM drains a worker: its running job finishes there, then it exits 0", async () => {
      expect(await send(webUrls[1]!, payloadFor(DRAIN_RUN, 998))).toBe(202);
      const job = await until("the drain job", () => store.findJobByKey(`${500_998}:${DRAIN_RUN}`), 15_000);
      const started = await until("stage b running", async () => {
        const log = await redis.lrange(`${logPrefix}runs:${job.id}`, 0, -1);
        return log.find((l) => l.startsWith("b:start:"));
      }, 15_000);
      const pid = Number(started.split(":")[2]);
      const w = workers.find((c) => c.pid === pid)!;
      const exited = new Promise<number | null>((r) => w.once("exit", (code) => r(code)));
      w.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr.get(w)).not.toMatch(/Error/);
      const done = await store.getJob(job.id);
      expect(done?.state).toBe("completed");
      const log = await redis.lrange(`${logPrefix}runs:${job.id}`, 0, -1);
      expect(log.map((l) => l.split(":").slice(0, 2).join(":"))).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
      expect(new Set(log.map((l) => Number(l.split(":")[2])))).toEqual(new Set([pid]));
    }, 60_000);
  });
