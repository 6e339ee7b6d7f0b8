import { describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import type { Job } from "../../core/job.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { commentedByOtherJobs } from "./commented-by-other-jobs.js";
import { OPEN_PULL_REQUEST } from "./open-pull-request-result.js";

const at = (minute: number) => `2026-11-23T12:${String(minute).padStart(2, "0")}:00.000Z`;

async function stored(store: MemoryJobStore, over: Parameters<typeof makeJob>[0], commentedOn?: number[]): Promise<Job> {
  const job = makeJob(over);
  if (commentedOn) job.results[OPEN_PULL_REQUEST] = { commentedOn };
  await store.recordIntake(makeDelivery(job), "{}", job);
  return job;
}

describe("commentedByOtherJobs", () => {
  test("the failing PRs another job of the repository commented on, past the store's default page of 50 jobs", async () => {
    const store = new MemoryJobStore();
    await stored(store, { runId: 1, at: at(0) }, [7, 9]);
    await stored(store, { runId: 2, repoId: 42, at: at(1) }, [8]); // another repository's PR #8
    // A busy repository: 60 later jobs with no comment, newer than the one that posted it.
    for (let k = 0; k < 60; k++) await stored(store, { runId: 100 + k, at: at(2) });
    const job = await stored(store, { runId: 500, at: at(3) }, [8]);
    job.run.pullRequests = [7, 8];
    // Its own record is the caller's (commentedBefore), not another job's.
    expect(await commentedByOtherJobs(job, { store })).toEqual([7]);
  });

  test("a run of no PR reads no jobs", async () => {
    const store = new MemoryJobStore();
    const job = makeJob();
    store.listJobs = () => Promise.reject(new Error("not read"));
    expect(await commentedByOtherJobs(job, { store })).toEqual([]);
  });
});
