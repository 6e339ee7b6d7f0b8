import { afterEach, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FDATASYNC, type FileSync } from "../../src/adapters/store/append-log.js";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { AppError } from "../../src/core/errors.js";
import { freeBytes } from "../../src/core/free-bytes.js";
import { StorageHealth } from "../../src/http/storage-health.js";
import type { FakeClock } from "../fakes/fake-clock.js";
import { eventually } from "../helpers/eventually.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { failedRun, startHarness, type Harness } from "./harness.js";

/** A store whose journal writes fail with `code` (as fs does on a full disk) until `heal()`. */
function failingStore(code: string) {
  const store = new MemoryJobStore();
  const record = store.recordIntake.bind(store);
  let failing = true;
  store.recordIntake = (async (...args: Parameters<typeof record>) => {
    if (failing) throw Object.assign(new Error(`${code}: write failed`), { code, syscall: "write" });
    return record(...args);
  }) as typeof store.recordIntake;
  return { store, heal: () => (failing = false) };
}

describe("webhook intake on a full disk", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.outbound).toEqual([]);
    await h.close();
  });

  test.each(["ENOSPC", "EDQUOT", "EIO"])("%s → 503 saying storage is unavailable and to retry; /readyz 503 until a write succeeds", async (code) => {
    const disk = failingStore(code);
    h = await startHarness({ store: disk.store });
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);

    const res = await h.send("workflow_run", failedRun());
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("storage_unavailable");
    expect(res.body.error.message).toMatch(new RegExp(`storage unavailable: .*\\(${code}\\).*retry.*redeliver`));
    const down = await fetch(`${h.url}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as any).checks.store).toMatch(new RegExp(`last journal write failed.*${code}`));

    disk.heal();
    expect((await h.send("workflow_run", failedRun())).status).toBe(202);
    const up = await fetch(`${h.url}/readyz`);
    expect(up.status).toBe(200);
    expect(((await up.json()) as any).checks.store).toBe("ok");
  });

  // A DATA_DIR that is a mount point of its own (a Docker volume): its parent is another filesystem.
  const ownMount = existsSync("/dev/shm") && statSync("/dev/shm").dev !== statSync("/dev").dev;
  (ownMount ? test : test.skip)("a failure that names no file is put on DATA_DIR, with the room left on DATA_DIR's own filesystem", async () => {
    h = await startHarness({ store: failingStore("ENOSPC").store, env: { DATA_DIR: "/dev/shm" } });
    const message = (await h.send("workflow_run", failedRun())).body.error.message as string;
    const [, said] = /writing \/dev\/shm, ([\d.]+) MB free there/.exec(message) ?? [];
    const mbOf = async (dir: string) => (await freeBytes(dir)) / 1024 / 1024;
    expect(Math.abs(Number(said) - (await mbOf("/dev/shm")))).toBeLessThan(Math.abs((await mbOf("/dev")) - (await mbOf("/dev/shm"))) / 2);
  });

  test("ENOSPC in the message: the full disk is named", async () => {
    h = await startHarness({ store: failingStore("ENOSPC").store });
    expect((await h.send("workflow_run", failedRun())).body.error.message).toMatch(/disk is full/);
  });
});

describe("a passing run's fix-loop reset on a full disk", () => {
  test("is not acknowledged unwritten: 503, and its redelivery once space is back resets the count", async () => {
    const store = new MemoryJobStore();
    const clear = store.clearFingerprints.bind(store);
    let full = false;
    store.clearFingerprints = async (...args) => {
      if (full) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", path: "/data/.fingerprints.json.tmp" });
      return clear(...args);
    };
    const h = await startHarness({ store });
    try {
      for (const runId of [1, 2, 3]) expect((await h.send("workflow_run", failedRun({ runId }))).status).toBe(202);
      full = true;
      const green = await h.send("workflow_run", failedRun({ runId: 4, conclusion: "success" }));
      expect(green.status).toBe(503);
      expect(green.body.error.message).toMatch(/disk is full \(ENOSPC\) writing \/data\/\.fingerprints\.json\.tmp/);
      full = false;
      await (h.deps.clock as FakeClock).advance(1000); // failures after the pass
      expect((await h.send("workflow_run", failedRun({ runId: 4, conclusion: "success" }), { id: green.id })).status).toBe(202);
      await (h.deps.clock as FakeClock).advance(1000);
      await h.send("workflow_run", failedRun({ runId: 5 }));
      expect((await h.store.listDeliveries({ limit: 1 }))[0]).toMatchObject({ outcome: "job_created" });
    } finally {
      await h.close();
    }
  });
});

describe("webhook intake on the embedded store's full disk", () => {
  test("the 503, /readyz and the log name the journal file and the free space; once space is back, no restart is needed", async () => {
    // Lower case and digits only: a random mixed-case folder name reads as a secret to the redactor of the 503.
    const dir = join(tmpdir(), `t0-disk-full-${randomUUID()}`);
    await mkdir(dir);
    let full = true;
    const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, fdatasync"), { code: "ENOSPC", syscall: "fdatasync" });
    const journalSync: FileSync = (fh) => (full ? Promise.reject(enospc()) : FDATASYNC(fh));
    const now = () => Date.parse("2026-12-07T10:00:00Z");
    const store = await LowdbJobStore.open(dir, { journalSync, now });
    const { logger, lines } = recordingLogger();
    const h = await startHarness({ store, logger, env: { DATA_DIR: dir } });
    try {
      const journal = join(dir, "journal", "2026-12-07.ndjson");
      const refused = await h.send("workflow_run", failedRun({ runId: 1 }));
      expect(refused.status).toBe(503);
      expect(refused.body.error.message).toMatch(/the disk is full \(ENOSPC\)/);
      expect(refused.body.error.message).toContain(`writing ${journal}`);
      expect(refused.body.error.message).toMatch(/\d+(\.\d)? MB free there/);
      const down = await fetch(`${h.url}/readyz`);
      expect(down.status).toBe(503);
      const check = ((await down.json()) as any).checks.store as string;
      expect(check).toContain(journal);
      expect(check).toMatch(/MB free there/);
      const logged = lines.find((l) => l.msg === "request failed");
      expect((logged?.fields.err as Error).message).toContain(journal);

      full = false;
      expect((await h.send("workflow_run", failedRun({ runId: 2 }))).status).toBe(202);
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
      const redelivered = await h.send("workflow_run", failedRun({ runId: 1 }), { id: refused.id });
      expect(redelivered.status).toBe(202);
      expect((await h.store.listJobs()).map((j) => j.run.id).sort()).toEqual([1, 2]);
    } finally {
      await h.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("webhook intake with one job document that cannot be written", () => {
  test("the server stays ready and keeps taking webhooks; /readyz names the file under warnings until it is fixed", async () => {
    const dir = join(tmpdir(), `t0-one-bad-doc-${randomUUID()}`);
    await mkdir(dir);
    const store = await LowdbJobStore.open(dir, { fsync: false });
    const h = await startHarness({ store, env: { DATA_DIR: dir } });
    try {
      const stuck = makeJob({ runId: 1 });
      const doc = join(dir, "jobs", `${stuck.id}.json`);
      mkdirSync(doc); // a directory where its document goes: only this one file is refused
      await store.recordIntake(makeDelivery(stuck), "{}", stuck);
      expect((await h.send("workflow_run", failedRun({ runId: 2 }))).status).toBe(202);
      const readyz = async () => {
        const res = await fetch(`${h.url}/readyz`);
        return { status: res.status, body: (await res.json()) as any };
      };
      await eventually("/readyz to report the warnings", async () => (await readyz()).body.warnings);
      const warned = await readyz();
      expect(warned.status).toBe(200);
      expect(warned.body.status).toBe("ready");
      expect(warned.body.warnings).toEqual([expect.stringContaining(`${doc} (EISDIR`)]);
      expect((await h.send("workflow_run", failedRun({ runId: 3 }))).status).toBe(202);
      rmdirSync(doc);
      await eventually("/readyz to clear the warnings", async () => !(await readyz()).body.warnings);
      expect(await readyz()).toEqual({ status: 200, body: { status: "ready", checks: { store: "ok", queue: "ok" } } });
      expect(existsSync(doc)).toBe(true);
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("StorageHealth", () => {
  test("reports a failure until a write succeeds, or for holdMs, so an unready server still gets the write that shows the disk is back", () => {
    let now = 0;
    const health = new StorageHealth({ now: () => now, holdMs: 30_000 });
    expect(health.problem()).toBeUndefined();
    health.failed(Object.assign(new Error("full"), { code: "ENOSPC" }), "ENOSPC");
    now = 29_999;
    expect(health.problem()).toMatch(/the disk is full \(ENOSPC\)/);
    now = 30_000;
    expect(health.problem()).toBeUndefined();
    health.failed(new Error("io"), "EIO");
    expect(health.problem()).toMatch(/EIO/);
    health.succeeded();
    expect(health.problem()).toBeUndefined();
  });
});

// The webhook route answers anyone: a retryable error's message goes out in the 503, and a store error can
// name a Redis URL with its password.
test("a retryable failure's 503 does not carry a credential from the error's message", async () => {
  const store = new MemoryJobStore();
  store.recordIntake = (async () => {
    throw new AppError("store_unavailable", "Redis at redis://:hunter2-s3cret@10.0.0.5:6379 did not answer", { retryable: true });
  }) as typeof store.recordIntake;
  const h = await startHarness({ store });
  try {
    const res = await h.send("workflow_run", failedRun());
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toContain("hunter2-s3cret");
    expect(res.body.error.message).toContain("try again shortly");
  } finally {
    await h.close();
  }
});
