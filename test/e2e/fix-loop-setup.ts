import { afterEach, expect } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import { transient } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import type { Job } from "../../src/core/job.js";
import type { FeedbackRequest, ModelPort } from "../../src/core/ports/model-port.js";
import { routeDelivery } from "../../src/handlers/route-delivery.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { sendFeedbackStage } from "../../src/pipeline/stages/send-feedback.js";
import { createWatchPrStage, type RepairFn } from "../../src/pipeline/stages/watch-pr.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { fixtureRepo, REPOS_DIR } from "../helpers/fixture-repo.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { FakeGitHubWrites } from "./fake-github-writes.js";
import { slugPatch, validatedResults } from "./fix-loop-fixtures.js";

export const INFERENCE2 = "0192f5a0-0000-7000-8000-000000000003";
export const EPISODE2 = "0192f5a0-0000-7000-8000-000000000005";

export const PRIOR = ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "propose-patch", "apply-and-validate"];

export class RecordingModel implements ModelPort {
  received: FeedbackRequest[] = [];
  down = false;
  async proposePatch(): Promise<never> {
    throw new Error("not used here");
  }
  async feedback(req: FeedbackRequest) {
    if (this.down) throw transient("model_unavailable", "gateway down");
    this.received.push(req);
    return { feedbackId: `fb-${this.received.length}` };
  }
  async status() {
    return { status: "ok" };
  }
}

export interface FixLoopOptions {
  repair?: RepairFn;
  pullRequests?: number[];
  /** The job's failure fingerprint (the intake's, for a test that sends later runs through it). */
  fingerprint?: string;
}

export type FixLoop = Awaited<ReturnType<typeof setupFixLoop>>;

/**
 * A job validated for python-slug, run through open-pull-request → watch-pr → send-feedback on a memory
 * store, a fake GitHub and a recording gateway; `deliver` routes a webhook as the intake does. The caller
 * removes `repo` after the test.
 */
export async function setupFixLoop(opts: FixLoopOptions = {}) {
  const repo = await fixtureRepo("python-slug");
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = new MemoryJobStore();
  const model = new RecordingModel();
  const headSha = "a".repeat(40);
  /** `.github/ci-bot.yml` as GitHub has it now (null: no file). */
  const repoConfig: { now: unknown } = { now: null };
  const gh = new FakeGitHubWrites(headSha, { "slug.py": readFileSync(join(REPOS_DIR, "python-slug/slug.py"), "utf8") });
  /** The installations whose GitHub client the stages asked for, in order. */
  const installations: number[] = [];
  const deps: Deps = {
    config: loadAppConfig({ RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2" }),
    store,
    queue: new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger }),
    github: { forInstallation: async (id: number) => (installations.push(id), { writes: gh, listCommitRuns: gh.listCommitRuns.bind(gh), listBranchWorkflowRuns: gh.listBranchWorkflowRuns.bind(gh), getBranchHead: gh.getBranchHead.bind(gh), listPullReviews: gh.listPullReviews.bind(gh), listPullReviewComments: gh.listPullReviewComments.bind(gh), getPullReviewComment: (r: unknown, id: number) => gh.getPullReviewComment(r, id), listPrTimeline: gh.listPrTimeline.bind(gh), getRepoConfig: async () => repoConfig.now }) as never },
    workspace: { clone: async () => { throw new Error("no clone here"); }, get: async (jobId) => ({ jobId, dir: repo.dir }), remove: async () => undefined, sweep: async () => 0 },
    model,
    clock,
    logger,
    metrics: createMetrics(),
    identity: new AppIdentity(),
  };
  const base = makeJob({ runId: 555, repo: "octo/slug" });
  const job: Job = {
    ...base,
    run: { ...base.run, headSha, headBranch: "feature/slug", pullRequests: opts.pullRequests ?? [7], htmlUrl: "https://github.com/octo/slug/actions/runs/555" },
    ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
    state: "testing",
    completedStages: [...PRIOR],
  };
  job.results = validatedResults(job);
  await store.recordIntake(makeDelivery(job), "{}", job);
  const repair: RepairFn = opts.repair ?? (async () => ({ ok: false, reason: "not in this test" }));
  const runner = new Runner(deps, [openPullRequestStage, createWatchPrStage(repair), sendFeedbackStage]);
  const run = () => runner.runJob(queueItemFor(job));
  const get = async () => (await store.getJob(job.id))!;
  const hdeps = { config: deps.config, store, clock, identity: deps.identity };
  const deliver = (event: string, payload: unknown) => {
    // GitHub lists the runs it sends webhooks for: the fix commit's verdict reads them back.
    const r = (payload as { workflow_run?: { id: number; run_attempt?: number; path: string; head_sha: string; status: string; conclusion: string | null; html_url?: string } }).workflow_run;
    if (event === "workflow_run" && r) gh.putRun(r.head_sha, { id: r.id, attempt: r.run_attempt ?? 1, workflow: r.path, status: r.status, conclusion: r.conclusion, ...(r.html_url ? { htmlUrl: r.html_url } : {}) });
    return routeDelivery(payload, { id: `d-${Math.random()}`, event, receivedAt: new Date(clock.now()).toISOString() }, hdeps);
  };
  const repository = { id: job.repo.id, name: "slug", full_name: "octo/slug", owner: { login: "octo" } };
  const fixRun = (conclusion: string, sha: string, id = 900, attempt = 1) => ({
    action: "completed", installation: { id: 2 }, repository, sender: { login: "t0-ci-bot[bot]", type: "Bot" },
    workflow_run: {
      id, name: "tests", path: ".github/workflows/tests.yml", head_sha: sha, head_branch: "ci-bot/fix-555", conclusion, status: "completed", event: "push",
      run_attempt: attempt, html_url: `https://github.com/octo/slug/actions/runs/${id}`, pull_requests: [], head_repository: { id: job.repo.id, full_name: "octo/slug" },
      actor: { login: "t0-ci-bot[bot]", type: "Bot" }, triggering_actor: { login: "t0-ci-bot[bot]", type: "Bot" },
    },
  });
  // GitHub stamps each close (closed_at) and the reopen (updated_at): the same event redelivered carries the same.
  const prClosed = (merged: boolean, sha: string) => ({
    action: "closed", installation: { id: 2 }, repository, sender: { login: "alice" },
    pull_request: { number: 100, state: "closed", merged, merged_by: merged ? { login: "alice" } : null, closed_at: new Date(clock.now()).toISOString(), head: { ref: "ci-bot/fix-555", sha } },
  });
  const prReopened = (sha: string, installationId = 2) => ({
    action: "reopened", installation: { id: installationId }, repository, sender: { login: "alice" },
    pull_request: { number: 100, state: "open", merged: false, merged_by: null, closed_at: null, updated_at: new Date(clock.now()).toISOString(), head: { ref: "ci-bot/fix-555", sha } },
  });
  return { repo, deps, store, model, gh, installations, job, run, get, deliver, fixRun, prClosed, prReopened, clock, repository, repoConfig };
}

/**
 * A later failure with the same fingerprint (another test of the workflow failing on the branch) whose own
 * fix goes onto the open fix PR.
 */
export async function sharedOntoFixPr(s: FixLoop, id = "second-job", runId = 556, inferenceId = INFERENCE2, replacement = '"-".join(w for w in words)', episodeId = EPISODE2) {
  const patch = slugPatch(replacement);
  const job: Job = { ...(await s.get()), id, key: `1296269:${runId}`, run: { ...s.job.run, id: runId, pullRequests: [] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
  job.results = validatedResults(job, patch, [`test_later_failure_${runId}`]);
  Object.assign(job.results["propose-patch"] as object, { inferenceId, episodeId });
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
  expect((await s.store.getJob(id))!.history.at(-1)?.note).toContain(`PR #100 of job ${s.job.id}`);
  return s.gh.branches.get("ci-bot/fix-555")!;
}

/**
 * Job `job-<runId>` at open-pull-request for people's next commit of PR #7 (`sha`, which adds NOTES.md to the
 * failing commit), failing with the first job's fingerprint: its fix (another answer than the first job's)
 * validated on that commit, with INFERENCE2 and EPISODE2, failing `tests` when given. Recorded, not run.
 * `pullRequests: []`: the next commit pushed to a branch with no PR (the first job's too); `fix`: the
 * expression its fixed line returns (another answer again).
 */
export async function laterCommitOfPr(s: FixLoop, o: { runId?: number; sha?: string; tests?: string[]; pullRequests?: number[]; fix?: string } = {}): Promise<{ job: Job; sha: string }> {
  const runId = o.runId ?? 556;
  const sha = o.sha ?? "b".repeat(40);
  const a = s.gh.commits.get(s.job.run.headSha)!;
  const tree = await s.gh.createTree(undefined, a.tree, [{ path: "NOTES.md", content: "alice's next commit\n", mode: "100644" }]);
  s.gh.commits.set(sha, { tree, parents: [s.job.run.headSha], message: "alice: next commit" });
  const job: Job = {
    ...(await s.get()), id: `job-${runId}`, key: `1296269:${runId}`, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [], feedback: [],
    run: { ...s.job.run, id: runId, headSha: sha, pullRequests: o.pullRequests ?? [7], htmlUrl: `https://github.com/octo/slug/actions/runs/${runId}` },
  };
  job.results = validatedResults(job, slugPatch(o.fix ?? '"-".join(w for w in words)'), o.tests);
  Object.assign(job.results["propose-patch"] as object, { inferenceId: INFERENCE2, episodeId: EPISODE2 });
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  return { job, sha };
}

/** `setupFixLoop` for a test file: the fixture repository of each test is removed after it. */
export function fixLoopSuite(): (opts?: FixLoopOptions) => ReturnType<typeof setupFixLoop> {
  let repo: { cleanup(): Promise<void> } | undefined;
  afterEach(async () => void (await repo?.cleanup()));
  return async (opts = {}) => {
    const s = await setupFixLoop(opts);
    repo = s.repo;
    return s;
  };
}

/**
 * Another job at open-pull-request, its patch validated: run `runId` on `branch` (the first job's branch and
 * failure fingerprint unless told), failing `tests` and proposing `patch` when given, under the repository's
 * name `renamed` (the same repository id) when given. Not run yet.
 */
export async function laterJob(s: FixLoop, runId: number, over: { branch?: string; fingerprint?: string; tests?: Array<string | { name: string; file?: string }>; headSha?: string; patch?: string; renamed?: string } = {}): Promise<Job> {
  const first = await s.get();
  const [owner, name] = (over.renamed ?? first.repo.fullName).split("/") as [string, string];
  const job: Job = {
    ...first,
    repo: { ...first.repo, owner, name, fullName: `${owner}/${name}` },
    id: `job-${runId}`,
    key: `1296269:${runId}`,
    fingerprint: over.fingerprint ?? first.fingerprint,
    run: { ...s.job.run, id: runId, headBranch: over.branch ?? s.job.run.headBranch, headSha: over.headSha ?? s.job.run.headSha, pullRequests: [] },
    state: "testing",
    completedStages: [...PRIOR],
    waitingFor: undefined,
    history: [],
    feedback: [],
  };
  job.results = validatedResults(job, over.patch, over.tests);
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  return job;
}
