import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { serveHealth } from "../../src/cli/commands/worker.js";
import type { Deps } from "../../src/core/deps.js";
import { RecordingQueue } from "../intake/harness.js";

/** The worker's health port answers as the web server's /healthz and /readyz do (test/admin/admin-routes.test.ts). */
describe("worker health port", () => {
  let server: Server | undefined;
  let store: MemoryJobStore;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    await store.close();
  });

  async function start() {
    store = new MemoryJobStore();
    const queue = new RecordingQueue();
    server = await serveHealth({ store, queue } as unknown as Deps, 0, "127.0.0.1");
    return { queue, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
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

  test("a dependency down → 503 naming which, its message redacted", async () => {
    const { url, queue } = await start();
    queue.ping = async () => {
      throw new Error("connect ECONNREFUSED redis://:s3cret-Pa55word@redis.internal:6379");
    };
    const res = await fetch(`${url}/readyz`);
    expect([res.status, await res.json()]).toEqual([503, { status: "not ready", checks: { store: "ok", queue: "connect ECONNREFUSED redis://[REDACTED]@redis.internal:6379" } }]);
  });
});
