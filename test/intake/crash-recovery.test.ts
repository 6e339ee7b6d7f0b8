import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test } from "@jest/globals";
import { ADMIN_TOKEN, failedRun, SECRET, sign } from "./harness.js";
import { killAll, root, spawnMain, type Child } from "./spawn-server.js";


/** The real server as a child process, on an ephemeral port, with the lowdb store on disk. */
async function startServer(dataDir: string, extra: Record<string, string> = {}): Promise<Child & { url: string }> {
  const child = spawnMain(
    {
      // jest sets NODE_ENV=test; the child must behave like production (and lowdb must really write).
      NODE_ENV: "production",
      APP_ID: "1",
      PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"),
      WEBHOOK_SECRET: SECRET,
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      T0_WORKERS: "0",
      ADMIN_TOKEN,
      LOG_LEVEL: "info",
      MAX_ATTEMPTS_PER_FINGERPRINT: "1000",
      ...extra,
    },
    /"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
  );
  const m = await child.ready;
  return { ...child, url: m[1]! };
}

async function deliver(url: string, payload: unknown, id = randomUUID()): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "workflow_run", "x-github-delivery": id, "x-hub-signature-256": sign(body) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function admin(url: string, path: string): Promise<any> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe("durability of acknowledged deliveries (real server process, lowdb on disk)", () => {
  const children: Child[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    killAll(children);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("SIGKILL right after the 202s loses no delivery: the restarted server has every job", async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-crash-"));
    const a = await startServer(dir);
    children.push(a);
    const statuses = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => deliver(a.url, failedRun({ runId: 5000 + i }))),
      ...Array.from({ length: 20 }, (_, i) => deliver(a.url, failedRun({ runId: 5000 + i, attempt: 2 }))),
    ]);
    expect(statuses).toEqual(Array(70).fill(202));
    a.proc.kill("SIGKILL"); // no chance to flush or checkpoint anything
    await a.exited;

    const b = await startServer(dir);
    children.push(b);
    const { jobs } = await admin(b.url, "/jobs?limit=1000");
    expect(jobs).toHaveLength(50);
    expect(new Set(jobs.map((j: { run: { id: number } }) => j.run.id))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => 5000 + i)));
    expect(jobs.every((j: { state: string }) => j.state === "pending")).toBe(true);
    const { deliveries } = await admin(b.url, "/deliveries?limit=1000");
    expect(deliveries).toHaveLength(70);
    // Still idempotent after the restart.
    expect(await deliver(b.url, failedRun({ runId: 5000 }))).toBe(202);
    expect((await admin(b.url, "/jobs?limit=1000")).jobs).toHaveLength(50);

    // Graceful stop on SIGTERM: exits 0 and releases the data dir.
    b.proc.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(b.output()).toMatch(/"msg":"stopped"/);
  }, 150_000);

  test("bad configuration → message and exit 1", async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-crash-"));
    await expect(startServer(dir, { PORT: "not-a-port" })).rejects.toThrow(/exited with 1[\s\S]*PORT: must be a whole number/);
  }, 90_000);
});
