import { expect, test } from "@jest/globals";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import type { Deps } from "../core/deps.js";
import type { FeedbackItem } from "../core/job.js";
import { AppError, permanent } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import type { Stage } from "../pipeline/stage.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { noPrFeedback } from "./outcome-feedback.js";
import { withValidationFeedback } from "./with-validation-feedback.js";
import { parseRepoConfig } from "../config/repo-config.js";
import { loadAppConfig } from "../config/app-config.js";
import { withPatchRetry } from "../pipeline/stages/with-patch-retry.js";

const INFERENCE = "0192f5a0-0000-7000-8000-000000000002";
const EPISODE = "0192f5a0-0000-7000-8000-000000000001";

/**
 * Runs apply-and-validate (stubbed to end with `outcome`) under the wrapper, inside withPatchRetry as the stage
 * table has it, with `max_patch_retries: 0` (`alone`: the wrapper by itself); returns the feedback recorded.
 */
async function feedbackAfter(outcome: AppError | "passed", opts: { prOpen?: boolean; recorded?: FeedbackItem[]; alone?: boolean } = {}) {
  return (await itemsAfter(outcome, opts)).map((f) => [f.metric, f.value]);
}

async function itemsAfter(outcome: AppError | "passed", opts: { prOpen?: boolean; recorded?: FeedbackItem[]; alone?: boolean } = {}) {
  const store = new MemoryJobStore();
  const job = makeJob();
  job.results["check-repo-config"] = parseRepoConfig({ max_patch_retries: 0 });
  job.feedback.push(...(opts.recorded ?? []));
  // A repair attempt: the job's fix PR is open already.
  if (opts.prOpen) job.results["open-pull-request"] = { episodeId: EPISODE, pr: { number: 7 } };
  job.results["propose-patch"] = { episodeId: EPISODE, inferenceId: INFERENCE, variantName: "v", proposal: { diagnosis: "d", diff: "--- a/x\n+++ b/x\n", confidence: 0.5, files: ["x"] } };
  await store.recordIntake(makeDelivery(job), "{}", job);
  const stage: Stage = {
    name: "apply-and-validate",
    state: "testing",
    sideEffects: false,
    run: async () => {
      if (outcome === "passed") return { result: {} };
      throw outcome;
    },
  };
  const deps = { config: loadAppConfig({}), store, clock: new FakeClock(), logger: silentLogger(), model: undefined } as unknown as Deps;
  const propose: Stage = { name: "propose-patch", state: "patching", sideEffects: true, run: async () => { throw new Error("no retry here"); } };
  const wrapped = opts.alone ? withValidationFeedback(stage) : withPatchRetry(propose, withValidationFeedback(stage));
  await wrapped.run(job, deps, { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 }).catch(() => undefined);
  return (await store.getJob(job.id))!.feedback;
}

test("each verdict of apply-and-validate becomes inference-level feedback", async () => {
  expect(await feedbackAfter("passed")).toEqual([["patch_applied", true], ["validation_passed", true]]);
  expect(await feedbackAfter(permanent("patch_refused", "touches .github/workflows"), { prOpen: true })).toEqual([["patch_applied", false]]);
  expect(await feedbackAfter(permanent("validation_failed", "still red"), { prOpen: true })).toEqual([["patch_applied", true], ["validation_passed", false]]);
});

test("a patch refused or failing validation ends the job without a PR: pr_merged=false on the episode, under the no-PR id", async () => {
  // Otherwise an adaptive experiment on pr_merged never counts the episodes whose patches did not hold up.
  for (const code of ["patch_refused", "no_diff", "validation_failed"]) {
    const last = (await itemsAfter(permanent(code, "no"))).at(-1);
    expect(last).toMatchObject({ metric: "pr_merged", value: false, target: { episodeId: EPISODE }, tags: { reason: code } });
    // A PR an operator's retry opens later still records its own outcome.
    expect(last!.id).toBe(noPrFeedback(makeJob(), EPISODE, code).id);
  }
});

test("the verdict alone is about the inference: whether the job ends without a PR is withPatchRetry's to say", async () => {
  for (const code of ["patch_refused", "no_diff", "validation_failed"]) {
    expect(await feedbackAfter(permanent(code, "no"), { alone: true })).not.toContainEqual(["pr_merged", false]);
  }
});

test("a repair attempt, or a patch that could not be judged, sends no pr_merged: the PR's close, or a later try, decides it", async () => {
  expect(await feedbackAfter(permanent("validation_failed", "still red"), { prOpen: true })).not.toContainEqual(["pr_merged", false]);
  expect(await feedbackAfter(permanent("no_validation_command", "no command"))).not.toContainEqual(["pr_merged", false]);
  expect(await feedbackAfter(permanent("validation_setup_failed", "npm ci failed"))).not.toContainEqual(["pr_merged", false]);
});

test("a patch that applied but could not be validated still reports patch_applied (no verdict on validation)", async () => {
  expect(await feedbackAfter(permanent("no_validation_command", "no command"))).toEqual([["patch_applied", true]]);
  expect(await feedbackAfter(permanent("validation_setup_failed", "npm ci failed"))).toEqual([["patch_applied", true]]);
});

test("trouble that says nothing about the patch sends nothing", async () => {
  expect(await feedbackAfter(new AppError("disk_full", "no space", { retryable: true }))).toEqual([]);
});

test("an operator's retry that gets another verdict on the same inference sends it again; the same verdict is not resent", async () => {
  // Completed stages are not redone: the retry validates the same proposal, and its answer is that inference's.
  const sent = (metric: string, value: boolean): FeedbackItem => ({ id: `${metric}:${INFERENCE}`, metric, value, target: { inferenceId: INFERENCE }, status: "sent", attempts: 1, createdAt: "2026-11-23T11:00:00Z" });
  const afterFailed = [sent("patch_applied", true), sent("validation_passed", false)];
  const items = await itemsAfter("passed", { recorded: afterFailed });
  // TensorZero reads the latest value per inference: the flaky red is corrected, not left standing.
  expect(items.slice(2).map((f) => [f.id, f.value])).toEqual([[`validation_passed:${INFERENCE}:2`, true]]);
  expect((await itemsAfter(permanent("validation_failed", "still red"), { recorded: afterFailed })).slice(2).map((f) => f.metric)).toEqual(["pr_merged"]);
  // Refused, then allowed by the repository's config: patch_applied changes too.
  const refused = await itemsAfter("passed", { recorded: [sent("patch_applied", false)] });
  expect(refused.slice(1).map((f) => [f.id, f.value])).toEqual([[`patch_applied:${INFERENCE}:2`, true], [`validation_passed:${INFERENCE}`, true]]);
});
