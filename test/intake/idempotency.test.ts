import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test } from "@jest/globals";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import type { JobStore } from "../../src/core/ports/index.js";
import { failedRun, startHarness, type Harness } from "./harness.js";

describe("idempotent intake", () => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (h) {
      expect(h.outbound).toEqual([]);
      await h.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    h = undefined;
    dir = undefined;
  });

  test("a redelivery (same X-GitHub-Delivery) and a re-run (run_attempt 2) never make a second job", async () => {
    h = await startHarness();
    const first = await h.send("workflow_run", failedRun({ runId: 42 }));
    await h.send("workflow_run", failedRun({ runId: 42 }), { id: first.id });
    await h.send("workflow_run", failedRun({ runId: 42, attempt: 2 }));
    const jobs = await h.store.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.run.attempt).toBe(1);
    const ds = await h.store.listDeliveries();
    expect(ds.map((d) => d.outcome)).toEqual(["duplicate", "duplicate", "job_created"]);
    expect(ds.every((d) => d.jobId === jobs[0]!.id)).toBe(true);
    expect(h.queue.items).toHaveLength(1);
  });

  test("people re-running a failed run while its fix PR is open: no second job, and the delivery says which job and PR answer it", async () => {
    h = await startHarness();
    await h.send("workflow_run", failedRun({ runId: 42 }));
    const [job] = await h.store.listJobs();
    await h.store.updateJob(job!.id, (j) => {
      j.state = "pr";
      j.results["open-pull-request"] = { branch: "ci-bot/fix-42", commitSha: "c".repeat(40), pr: { number: 100, htmlUrl: "https://github.com/o/r/pull/100", nodeId: "PR_100", state: "open", draft: true }, files: [], commentedOn: [] };
    });
    await h.send("workflow_run", failedRun({ runId: 42, attempt: 2 }));
    await h.send("workflow_run", failedRun({ runId: 42, attempt: 2 }));
    expect(await h.store.listJobs()).toHaveLength(1);
    const rerun = (await h.store.listDeliveries()).filter((d) => d.outcome === "duplicate");
    expect(rerun).toHaveLength(2);
    for (const d of rerun) {
      expect(d.jobId).toBe(job!.id);
      expect(d.reason).toBe(`attempt 2 of run 42 failed again: job ${job!.id} already handles this run, its fix PR #100 open; no second job`);
    }
    expect(h.queue.items).toHaveLength(1);
  });

  const stores: Array<[string, () => Promise<JobStore>]> = [
    ["memory", async () => new MemoryJobStore()],
    [
      "lowdb",
      async () => {
        dir = await mkdtemp(join(tmpdir(), "t0-intake-"));
        return LowdbJobStore.open(dir);
      },
    ],
  ];

  test.each(stores)("200 concurrent deliveries for 50 runs, with redeliveries and re-runs → exactly 50 jobs (%s store)", async (_kind, open) => {
    // Distinct runs of one workflow on one branch share a fingerprint: lift the fix-loop cap for this test.
    h = await startHarness({ store: await open(), env: { MAX_ATTEMPTS_PER_FINGERPRINT: "1000" } });
    const sends: Array<Promise<{ status: number }>> = [];
    for (let i = 0; i < 50; i++) {
      const runId = 1000 + i;
      const id = randomUUID();
      sends.push(h.send("workflow_run", failedRun({ runId }), { id })); // original
      sends.push(h.send("workflow_run", failedRun({ runId }), { id })); // GitHub redelivery, same GUID
      sends.push(h.send("workflow_run", failedRun({ runId }))); // re-sent event, new GUID
      sends.push(h.send("workflow_run", failedRun({ runId, attempt: 2 }))); // re-run
    }
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(202));
    const jobs = await h.store.listJobs({ limit: 1000 });
    expect(jobs).toHaveLength(50);
    expect(new Set(jobs.map((j) => j.key)).size).toBe(50);
    const ds = await h.store.listDeliveries({ limit: 1000 });
    expect(ds).toHaveLength(200);
    expect(ds.filter((d) => d.outcome === "job_created")).toHaveLength(50);
    expect(ds.filter((d) => d.outcome === "duplicate")).toHaveLength(150);
    // Every job was enqueued exactly once.
    expect(h.queue.items).toHaveLength(50);
    expect(new Set(h.queue.items.map((i) => i.jobId))).toEqual(new Set(jobs.map((j) => j.id)));
  });
});
