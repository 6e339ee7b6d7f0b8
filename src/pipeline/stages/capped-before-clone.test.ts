import { describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import { loadAppConfig } from "../../config/app-config.js";
import type { Deps } from "../../core/deps.js";
import type { Job } from "../../core/job.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { silentLogger } from "../../core/logger.js";
import { PR_EVENTS, type PrEvent } from "../../feedback/pr-events.js";
import { makeDelivery, makeJob, parkOnOpenPr } from "../../../test/helpers/make-job.js";
import type { StageContext } from "../stage.js";
import { cappedBeforeClone } from "./capped-before-clone.js";
import { checkRepoConfigStage } from "./check-repo-config.js";

/** A job of another branch (not a sibling of the one judged) parked on its own open fix PR #`pr`. */
function parked(pr: number, fingerprint = `fp-other-${pr}`, branch = `feature/${pr}`): Job {
  const job = makeJob({ fingerprint });
  job.run.headBranch = branch;
  job.run.headSha = String(pr % 10).repeat(40);
  return parkOnOpenPr(job, pr);
}

/** A store whose repository has the bot's three fix PRs (#1-#3) open: MAX_OPEN_FIX_PRS_PER_REPO's default. */
async function atCap(...more: Job[]) {
  const store = new MemoryJobStore();
  for (const j of [parked(1), parked(2), parked(3), ...more]) await store.recordIntake(makeDelivery(j), "{}", j);
  return { store, config: loadAppConfig({}) };
}

const flaky = { rerun_flaky: false };

describe("cappedBeforeClone", () => {
  test("a new failure past the cap is held back, with open-pull-request's error; under the cap it goes on", async () => {
    const deps = await atCap();
    expect(await cappedBeforeClone(makeJob({ fingerprint: "fp-new" }), deps, flaky)).toMatchObject({ code: "open_fix_prs_capped", retryable: false });
    expect(await cappedBeforeClone(makeJob({ fingerprint: "fp-new" }), { ...deps, config: loadAppConfig({ MAX_OPEN_FIX_PRS_PER_REPO: "4" }) }, flaky)).toBeUndefined();
  });

  test("not held back when its fix would go onto an open sibling PR (the same failure's): no new PR", async () => {
    const deps = await atCap(parked(4, "fp-same", "feature/4"));
    const job = makeJob({ fingerprint: "fp-same" });
    expect(await cappedBeforeClone(job, { ...deps, config: loadAppConfig({ MAX_OPEN_FIX_PRS_PER_REPO: "4" }) }, flaky)).toBeUndefined();
  });

  test("not held back when rerun_flaky may re-run it instead, nor when it may meet people's closed fix PR", async () => {
    const deps = await atCap();
    expect(await cappedBeforeClone(makeJob({ fingerprint: "fp-new" }), deps, { rerun_flaky: true })).toBeUndefined();
    const closed = parked(9, "fp-new", "main");
    closed.state = "completed";
    closed.waitingFor = undefined;
    closed.results[PR_EVENTS] = [{ id: "closed:9", kind: "closed", merged: false, headSha: "b".repeat(40), at: "2026-11-23T12:00:00.000Z" }] satisfies PrEvent[];
    await deps.store.recordIntake(makeDelivery(closed), "{}", closed);
    // build-context decides with the failing tests whether it is that failure: until then, not capped here.
    expect(await cappedBeforeClone(makeJob({ fingerprint: "fp-new" }), deps, flaky)).toBeUndefined();
  });
});

describe("check-repo-config past the cap", () => {
  const gh = { getRepoConfig: async () => null, getBranchHead: async () => makeJob().run.headSha } as unknown as GitHubClient;
  const ctx = (dryRun: boolean): StageContext => ({ log: silentLogger(), signal: new AbortController().signal, dryRun, attempt: 1 });

  test("fails the job before the clone; a dry run says it would stop there", async () => {
    const deps = { ...(await atCap()), github: { forInstallation: async () => gh } } as unknown as Deps;
    const job = makeJob({ fingerprint: "fp-new" });
    await expect(checkRepoConfigStage.run(job, deps, ctx(false))).rejects.toMatchObject({ code: "open_fix_prs_capped", retryable: false });
    const out = await checkRepoConfigStage.run(job, deps, ctx(true));
    expect(out.finish).toMatch(/^dry run: would stop before cloning: octo-org\/octo-repo already has 3 open fix PRs of the bot \(#1, #2, #3\)/);
  });
});
