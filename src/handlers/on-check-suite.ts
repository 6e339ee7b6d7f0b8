import { buildJob, jobRepoFrom } from "./build-job.js";
import { ignoredBy, notCompleted, type DecisionScope, type Handler } from "./decision.js";
import { allowlistFilter, botBranchFilter, conclusionFilter, mergeQueueFilter, ownPullRequests } from "./filters.js";
import { failureFingerprint, wentGreen, type FailureScope } from "./fingerprint.js";
import { checkSuiteCompletedSchema, parsePayload } from "./payload-schemas.js";

/** GitHub Actions' own check suites: their failures arrive (with more detail) as workflow_run. */
export const ACTIONS_APP_SLUG = "github-actions";

/**
 * `check_suite.completed`: the fallback for CI that is not GitHub Actions. A suite from Actions is
 * recorded as a `duplicate` of the workflow_run delivery for the same failure, so one failure makes one job.
 */
export const onCheckSuite: Handler = async (payload, meta, deps) => {
  const other = notCompleted(payload, "check_suite", "suites");
  if (other) return other;
  const p = parsePayload(checkSuiteCompletedSchema, payload, "check_suite.completed");
  const suite = p.check_suite;
  const scope: DecisionScope = { repoFullName: p.repository.full_name, installationId: p.installation.id, runId: suite.id };
  const ignored = ignoredBy(scope);
  const slug = suite.app?.slug ?? "unknown-app";
  const notAllowed = allowlistFilter(deps.config, p.repository.full_name);
  const fork = suite.pull_requests.some((pr) => pr.head?.repo && pr.head.repo.id !== p.repository.id)
    ? { reason: "check suite is for a pull request from a fork, which the app cannot push to" }
    : undefined;
  const fromActions = slug === ACTIONS_APP_SLUG;
  const skip =
    ignored(conclusionFilter(suite.conclusion)) ??
    (fromActions
      ? ({ ...scope, outcome: "duplicate", reason: "check suite from GitHub Actions; the workflow_run delivery for this failure makes the job" } as const)
      : undefined) ??
    ignored(notAllowed) ??
    ignored(botBranchFilter(suite.head_branch)) ??
    ignored(mergeQueueFilter(suite.head_branch)) ??
    ignored(fork) ??
    ignored(suite.head_branch ? undefined : { reason: "check suite has no head branch (detached or fork); there is no branch to fix" });
  if (skip) {
    // The CI app passed on the branch: its failures there went green (Actions' suites are left to workflow_run,
    // whose fingerprints are per workflow, not per app).
    const green = suite.conclusion === "success" && !fromActions && suite.head_branch && !notAllowed && !fork;
    return green ? { ...skip, green: wentGreen(suiteScope(p.repository.id, slug, suite.head_branch!)) } : skip;
  }

  const job = buildJob({
    deliveryId: meta.id,
    event: meta.event,
    installationId: p.installation.id,
    repo: jobRepoFrom(p.repository),
    run: {
      id: suite.id,
      attempt: 1,
      source: "check_suite",
      name: suite.app?.name ?? slug,
      headSha: suite.head_sha,
      headBranch: suite.head_branch!,
      conclusion: suite.conclusion!,
      checkSuiteId: suite.id,
      pullRequests: ownPullRequests(p.repository.id, suite.pull_requests),
    },
    fingerprint: failureFingerprint({ ...suiteScope(p.repository.id, slug, suite.head_branch!), conclusion: suite.conclusion! }),
    dryRun: deps.config.DRY_RUN,
    at: meta.receivedAt,
  });
  // The store de-duplicates it and applies the fix-loop cap, atomically (intake.ts).
  return { ...scope, outcome: "job_created", job };
};

/** A CI app's failures on a branch are one fingerprint per conclusion. */
function suiteScope(repoId: number, slug: string, branch: string): FailureScope {
  return { repoId, source: "check_suite", workflow: slug, branch };
}
