import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "@jest/globals";
import { createMetrics } from "../../src/admin/metrics.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { serveHealth } from "../../src/cli/commands/worker.js";
import type { Deps } from "../../src/core/deps.js";
import { ADMIN_TOKEN, RecordingQueue, failedRun, startHarness } from "../intake/harness.js";

/** The worker's health port answers as the web server's /healthz and /readyz do (test/admin/admin-routes.test.ts). */
describe("worker health port", () => {
  let server: Server | undefined;
  let store: MemoryJobStore;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    await store.close();
  });

  async function start(config: { ADMIN_TOKEN?: string } = {}) {
    store = new MemoryJobStore();
    const queue = new RecordingQueue();
    const metrics = createMetrics();
    const clock = { now: () => new Date("2026-01-01T00:00:00Z") };
    server = await serveHealth({ store, queue, metrics, clock, config } as unknown as Deps, 0, "127.0.0.1");
    return { queue, metrics, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  test("a query string does not change the route; the answer is the web server's, checks included", async () => {
    const { url } = await start();
    const health = await fetch(`${url}/healthz?probe=1`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    const ready = await fetch(`${url}/readyz?x=1`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", checks: { store: "ok", queue: "ok" } }]);
    const head = await fetch(`${url}/readyz`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  test("other methods → 405 with allow: GET, HEAD; other paths → 404", async () => {
    const { url } = await start();
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${url}${path}`, { method: "POST" });
      expect([path, res.status, res.headers.get("allow")]).toEqual([path, 405, "GET, HEAD"]);
    }
    expect((await fetch(`${url}/jobs`)).status).toBe(404);
  });

  /**
   * With REDIS_URL only workers run jobs: stage durations, retries, failures, feedback sends and the sandbox
   * gauge are counted in worker processes, and the web server's /metrics shows them at zero. The worker's
   * health port serves its own, behind ADMIN_TOKEN as on the web server.
   */
  test("/metrics: this worker's metrics with Authorization: Bearer $ADMIN_TOKEN; 401 without it, 403 when ADMIN_TOKEN is unset", async () => {
    const token = "worker-metrics-token-0123";
    const { url, metrics } = await start({ ADMIN_TOKEN: token });
    metrics.stageDuration.observe({ stage: "clone-repo", outcome: "ok" }, 2);
    metrics.sandboxAvailable.set(1);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    expect([res.status, res.headers.get("content-type")]).toEqual([200, metrics.registry.contentType]);
    expect(text).toContain('t0_stage_duration_seconds_count{stage="clone-repo",outcome="ok"} 1');
    expect(text).toContain("t0_sandbox_available 1");
    // Figures of the shared store are the web server's to serve (see the fleet test below).
    expect(text).not.toMatch(/^t0_(jobs|feedback_pending|feedback_oldest_pending_seconds)\b/m);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
    await new Promise<void>((r) => server!.close(() => r()));
    await store.close();
    const off = await start();
    const refused = await fetch(`${off.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([403, "admin_disabled"]);
  });

  test("a dependency down → 503 naming which, its message redacted", async () => {
    const { url, queue } = await start();
    queue.ping = async () => {
      throw new Error("connect ECONNREFUSED redis://:s3cret-Pa55word@redis.internal:6379");
    };
    const res = await fetch(`${url}/readyz`);
    expect([res.status, await res.json()]).toEqual([503, { status: "not ready", checks: { store: "ok", queue: "connect ECONNREFUSED redis://[REDACTED]@redis.internal:6379" } }]);
  });

  /**
   * Web + workers on one store (REDIS_URL), each scraped as its own target: Prometheus' sum() over the
   * instances of a store-wide gauge must be the store's figure, not that figure times the processes.
   */
  test("a web process and two workers on one store: summed over every /metrics, the fleet gauges are the store's figures", async () => {
    const web = await startHarness({ env: { ADMIN_TOKEN, MAX_ATTEMPTS_PER_FINGERPRINT: "100" } });
    store = new MemoryJobStore(); // afterEach closes it
    const workers: Server[] = [];
    try {
      for (const runId of [1, 2]) await web.send("workflow_run", failedRun({ runId }));
      for (let i = 0; i < 2; i++) {
        const deps = { store: web.store, queue: new RecordingQueue(), metrics: createMetrics(), clock: { now: () => Date.now() }, config: { ADMIN_TOKEN } };
        workers.push(await serveHealth(deps as unknown as Deps, 0, "127.0.0.1"));
      }
      const targets = [web.url, ...workers.map((w) => `http://127.0.0.1:${(w.address() as AddressInfo).port}`)];
      const scrapes = await Promise.all(targets.map(async (t) => (await fetch(`${t}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()));
      const sum = (series: string) => scrapes.flatMap((text) => text.split("\n").filter((l) => l.startsWith(`${series} `)).map((l) => Number(l.split(" ")[1]))).reduce((a, b) => a + b, 0);
      expect(sum('t0_jobs{state="pending"}')).toBe(2);
      expect(sum("t0_feedback_pending")).toBe(0);
      // Per-process figures stay on every process: each worker's own stage durations, sandbox and process metrics.
      for (const text of scrapes.slice(1)) expect(text).toMatch(/^# TYPE t0_stage_duration_seconds histogram$/m);
    } finally {
      for (const w of workers) await new Promise<void>((r) => w.close(() => r()));
      await web.close();
    }
  });
});
