import { randomUUID } from "node:crypto";
import { jobKey, type Job } from "../../src/core/job.js";
import type { Delivery } from "../../src/core/ports/job-store.js";
import { PR_OUTCOME } from "../../src/feedback/pr-events.js";
import { OPEN_PULL_REQUEST, type OpenPullRequestResult } from "../../src/pipeline/stages/open-pull-request-result.js";

/** A plausible pending job for store/queue/runner tests. */
export function makeJob(over: { repoId?: number; runId?: number; installationId?: number; repo?: string; fingerprint?: string; at?: string } = {}): Job {
  const repoId = over.repoId ?? 1296269;
  const runId = over.runId ?? Math.floor(Math.random() * 1e9);
  const fullName = over.repo ?? "octo-org/octo-repo";
  const [owner, name] = fullName.split("/") as [string, string];
  const at = over.at ?? "2026-11-23T12:00:00.000Z";
  return {
    id: randomUUID(),
    key: jobKey(repoId, runId),
    deliveryId: randomUUID(),
    installationId: over.installationId ?? 2,
    repo: { id: repoId, owner, name, fullName },
    run: { id: runId, attempt: 1, source: "workflow_run", headSha: "a".repeat(40), headBranch: "main", conclusion: "failure", pullRequests: [] },
    fingerprint: over.fingerprint ?? "fp-1",
    state: "pending",
    history: [{ state: "pending", at }],
    completedStages: [],
    results: {},
    attempts: { total: 0, byStage: {} },
    dryRun: false,
    feedback: [],
    createdAt: at,
    updatedAt: at,
  };
}

export function makeDelivery(job?: Job, over: Partial<Delivery> = {}): Delivery {
  return {
    id: randomUUID(),
    event: "workflow_run",
    action: "completed",
    receivedAt: "2026-11-23T12:00:00.000Z",
    installationId: job?.installationId ?? 2,
    repoFullName: job?.repo.fullName ?? "octo-org/octo-repo",
    outcome: job ? "job_created" : "ignored",
    ...over,
  };
}

/** `job` parked on its own open draft fix PR #`pr` (branch `ci-bot/fix-<pr>`), as open-pull-request leaves it. */
export function parkOnOpenPr(job: Job, pr: number): Job {
  job.state = "pr";
  job.waitingFor = PR_OUTCOME;
  const record: Pick<OpenPullRequestResult, "branch" | "commitSha" | "pr" | "files" | "commentedOn"> = {
    branch: `ci-bot/fix-${pr}`,
    commitSha: "b".repeat(40),
    pr: { number: pr, htmlUrl: `https://github.com/octo-org/octo-repo/pull/${pr}`, nodeId: `PR_${pr}`, state: "open", draft: true },
    files: ["src/a.ts"],
    commentedOn: [],
  };
  job.results[OPEN_PULL_REQUEST] = record;
  return job;
}
