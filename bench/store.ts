// Job store benchmark: intake (recordIntake of a new job with a 19 KB payload) on the lowdb store with an
// empty data dir vs 50,000 jobs already stored, beside the in-memory store as the baseline; plus the
// start-up time of opening a data dir holding 50,000 jobs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LowdbJobStore } from "../src/adapters/store/lowdb-store.js";
import { MemoryJobStore } from "../src/adapters/store/memory-store.js";
import type { JobStore } from "../src/core/ports/job-store.js";
import { makeDelivery, makeJob } from "../test/helpers/make-job.js";

const PAYLOAD = JSON.stringify({ pad: "x".repeat(19_000) });
const SEED = Number(process.env.BENCH_SEED_JOBS ?? 50_000);
const N = 2_000;
const CONCURRENCY = 10;

async function intake(store: JobStore, base: number): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const job = makeJob({ runId: base + next++ });
        const s = performance.now();
        await store.recordIntake(makeDelivery(job), PAYLOAD, job);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: N / secs, p50: lat[Math.floor(N * 0.5)]!, p99: lat[Math.floor(N * 0.99)]! };
}

const fmt = (r: { perSec: number; p50: number; p99: number }) =>
  `${r.perSec.toFixed(0).padStart(7)} intakes/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`;

const dir = await mkdtemp(join(tmpdir(), "t0-bench-store-"));
try {
  const mem = await intake(new MemoryJobStore(), 0);
  console.log(`memory store (baseline)         ${fmt(mem)}`);

  let store = await LowdbJobStore.open(dir);
  const empty = await intake(store, 1e6);
  console.log(`lowdb, empty data dir           ${fmt(empty)}`);

  const seeded = Date.now();
  const seedPayload = "{}";
  for (let i = 0; i < SEED; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, SEED - i) }, (_, k) => {
      const job = makeJob({ runId: 2e6 + i + k });
      return store.recordIntake(makeDelivery(job), seedPayload, job);
    }));
  }
  console.log(`(seeded ${SEED} jobs in ${((Date.now() - seeded) / 1000).toFixed(1)} s)`);
  await store.close();

  const t0 = performance.now();
  store = await LowdbJobStore.open(dir);
  const openMs = performance.now() - t0;
  const full = await intake(store, 3e6);
  console.log(`lowdb, ${SEED} jobs stored       ${fmt(full)}`);
  console.log(`open() with ${SEED + 2 * N} jobs: ${openMs.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
  console.log(`ratio full/empty intake rate: ${(full.perSec / empty.perSec).toFixed(2)} (goal: no slow-down as history grows)`);
  await store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
