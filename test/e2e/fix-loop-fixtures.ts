import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import type { Job } from "../../src/core/job.js";
import type { ProposePatchResult } from "../../src/pipeline/stages/propose-patch.js";
import type { ApplyAndValidateResult } from "../../src/pipeline/stages/apply-and-validate.js";
import { sampleFailureContext } from "../fakes/fake-tensorzero-context.js";
import { REPOS_DIR } from "../helpers/fixture-repo.js";

export const EPISODE = "0192f5a0-0000-7000-8000-000000000001";
export const INFERENCE = "0192f5a0-0000-7000-8000-000000000002";

/**
 * python-slug's fix, or, with `expr`, another answer to the same failure: the fix whose new line returns
 * `expr` instead (a later job's fix, a repair's).
 */
export function slugPatch(expr?: string): string {
  const fix = readFileSync(join(REPOS_DIR, "python-slug.fix.diff"), "utf8");
  return expr === undefined ? fix : fix.replace('+    return "-".join(words)', `+    return ${expr}`);
}

/**
 * The job record as apply-and-validate leaves it for python-slug: validated fix, red → green. `failedTests`:
 * the tests its failure context names instead of the sample's (another failure of the same workflow): a bare
 * name, or a name with the file the runner printed.
 */
export function validatedResults(job: Job, patch = slugPatch(), failedTests?: Array<string | { name: string; file?: string }>): Job["results"] {
  const proposal: ProposePatchResult = {
    proposal: { diagnosis: "slugify joins words with underscores; the tests expect hyphens.\nThe separator was changed in the last commit.", diff: patch, confidence: 0.82, files: ["slug.py"] },
    repairAttempt: 1,
    previousInferenceIds: [],
    episodeId: EPISODE,
    inferenceId: INFERENCE,
    variantName: "gpt_4o_mini_v1",
  };
  const validation: ApplyAndValidateResult = {
    verdict: "passed",
    sandbox: "bwrap",
    sandboxReason: "bubblewrap works here",
    network: "none",
    commands: { setup: [], validate: [{ command: "python -m pytest -q", source: "workflow" }], skipped: [] } as unknown as ApplyAndValidateResult["commands"],
    evidence: { before: "red", after: "green", reproduced: true },
    runs: [
      { phase: "reproduce", command: "python -m pytest -q", source: "workflow", exitCode: 1, timedOut: false, durationMs: 812, outputBytes: 200, truncated: false, outputTail: "E   AssertionError: assert 'hello_world' == 'hello-world'\n1 failed in 0.05s" },
      { phase: "validate", command: "python -m pytest -q", source: "workflow", exitCode: 0, timedOut: false, durationMs: 790, outputBytes: 40, truncated: false, outputTail: "..\n2 passed in 0.04s\n" },
    ] as unknown as ApplyAndValidateResult["runs"],
    durationMs: 1700,
    patch: { files: [{ path: "slug.py", status: "modified", additions: 1, deletions: 1 }], overrides: [], additions: 1, deletions: 1 },
    notes: [],
  };
  const context = sampleFailureContext({
    repo: { full_name: job.repo.fullName },
    run: { id: job.run.id, attempt: 1, workflow: "tests", head_sha: job.run.headSha, head_branch: job.run.headBranch, url: `https://github.com/${job.repo.fullName}/actions/runs/${job.run.id}` },
    failing_jobs: [{ name: "pytest", failing_step: "Run tests", command: "python -m pytest -q", exit_code: 1 }],
    ...(failedTests ? { failed_tests: failedTests.map((t) => (typeof t === "string" ? { name: t } : t)) } : {}),
  });
  return {
    "check-repo-config": { config: defaultRepoConfig(), problems: [] },
    "build-context": { context },
    "propose-patch": proposal,
    "apply-and-validate": validation,
  };
}
