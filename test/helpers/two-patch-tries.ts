import { transition, type Job } from "../../src/core/job.js";
import { PLANTED } from "./planted-secrets.js";

export const TRY_INFERENCES = ["0192f0c4-1111-7000-8000-000000000001", "0192f0c4-2222-7000-8000-000000000002"] as const;

const WORKFLOW_EDIT = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: [push, pull_request]\n+on: [push]\n";
const WRONG = "diff --git a/src/math.js b/src/math.js\n--- a/src/math.js\n+++ b/src/math.js\n@@ -1 +1 @@\n-  return a - b;\n+  return b - a;\n";

/**
 * A first attempt that ended after two tries, as with-patch-retry leaves it: try 1 refused by the patch
 * policy (recorded in `patch-retries`), try 2 (the stored proposal) failed validation and failed the job.
 * Secrets are planted where failure text from outside lands (a refusal's reason, the command's output, a
 * test name), unredacted as an older record or a careless writer could leave them: what shows them must
 * redact them.
 */
export function giveTwoPatchTries(j: Job, at = "2026-11-23T12:03:00.000Z"): void {
  const [first, second] = TRY_INFERENCES;
  j.results["propose-patch"] = {
    episodeId: "0192f0c4-0000-7000-8000-00000000000e",
    inferenceId: second,
    variantName: "anthropic_sonnet",
    proposal: { diagnosis: "sum() subtracts.", diff: WRONG, confidence: 0.6, files: ["src/math.js"] },
    repairAttempt: 2,
    previousInferenceIds: [first],
  };
  j.results["patch-retries"] = {
    failed: [
      {
        inferenceId: first,
        variant: "openai_gpt",
        code: "patch_refused",
        rule: "workflow_edits",
        reason: `edits a workflow (seen with token ${PLANTED.pat})`,
        file: ".github/workflows/ci.yml",
        outcome: "The repository's patch policy refused this patch before anything ran.",
        patchHash: "a".repeat(64),
        files: [".github/workflows/ci.yml"],
      },
    ],
  };
  j.completedStages = ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "propose-patch"];
  const runs = [{ phase: "validate", command: "npm test", source: "config", exitCode: 1, timedOut: false, durationMs: 900, outputBytes: 80, truncated: false, outputTail: `✖ sum adds\nAuthorization: token ${PLANTED.pat}\n` }];
  j.error = {
    code: "validation_failed",
    message: "The proposed patch does not fix the build: `npm test` exited 1 (red with the patch). (the patch of try 2; try 1: refused (workflow_edits))",
    retryable: false,
    stage: "apply-and-validate",
    at,
    details: { validation: { verdict: "failed", runs, failingTests: ["sum adds", `uses ${PLANTED.installation}`] } },
  };
  transition(j, "failed", at, { stage: "apply-and-validate" });
}
