import { createHash } from "node:crypto";
import { AppError, permanent } from "../../src/core/errors.js";
import type { CommentBody, CommitRun, FileChange, GitHubWriteClient, PullRequestRef, PullReview, PrTimelineEvent, PullReviewComment, UpsertCommentOptions } from "../../src/core/ports/github-port.js";

/**
 * An in-memory GitHub with git semantics enough for the fix flow: content-addressed trees (same files →
 * same sha), commits, branches that only fast-forward, PRs found by head branch, comments by marker.
 * Used where the pipeline runs many times (retries, crashes) and HTTP-level mocks would only add noise;
 * the REST shapes themselves are checked against the OpenAPI spec in test/pr/publish-fix.test.ts.
 */
export class FakeGitHubWrites implements GitHubWriteClient {
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  readonly branches = new Map<string, string>();
  readonly pulls: Array<PullRequestRef & { title: string; body: string; base: string; labels: string[] }> = [];
  readonly comments = new Map<number, Array<{ id: number; body: string }>>();
  readonly calls: string[] = [];
  /** The app's `workflows` permission (app.yml does not ask for it). */
  workflowsPermission = false;
  /** The comment writes GitHub would see (`create #n`, `edit #n`): an upsert whose text is unchanged is none. */
  readonly commentWrites: string[] = [];
  #ids = 100;

  constructor(headSha: string, files: Record<string, string>) {
    const tree = this.#putTree(new Map(Object.entries(files)));
    this.commits.set(headSha, { tree, parents: [], message: "failing commit" });
  }

  #putTree(files: Map<string, string>): string {
    const sha = createHash("sha1").update(JSON.stringify([...files].sort())).digest("hex");
    this.trees.set(sha, files);
    return sha;
  }

  /** Files of a branch head. */
  filesAt(branch: string): Record<string, string> {
    const sha = this.branches.get(branch);
    return sha ? Object.fromEntries(this.trees.get(this.commits.get(sha)!.tree)!) : {};
  }

  async getBranchSha(_r: unknown, branch: string) {
    return this.branches.get(branch) ?? null;
  }
  async getCommitTree(_r: unknown, sha: string) {
    const c = this.commits.get(sha);
    if (!c) throw Object.assign(new Error(`no commit ${sha}`), { status: 404 });
    return c.tree;
  }
  async createTree(_r: unknown, baseTree: string, files: FileChange[]) {
    this.calls.push("createTree");
    const next = new Map(this.trees.get(baseTree)!);
    for (const f of files) {
      if (f.content === null) next.delete(f.path);
      else next.set(f.path, f.content);
    }
    return this.#putTree(next);
  }
  async createCommit(_r: unknown, input: { message: string; tree: string; parents: string[] }) {
    this.calls.push("createCommit");
    const sha = createHash("sha1").update(JSON.stringify([input, this.commits.size])).digest("hex");
    this.commits.set(sha, input);
    return { sha, verified: true };
  }
  async deleteBranch(_r: unknown, branch: string) {
    this.calls.push("deleteBranch");
    this.branches.delete(branch);
  }
  async createBranch(_r: unknown, branch: string, sha: string) {
    this.calls.push("createBranch");
    if (this.branches.has(branch)) return false;
    if (!this.commits.has(sha)) throw refused422("creating branch " + branch, "Object does not exist");
    this.#refusesWorkflowEdit(`creating branch ${branch}`, sha);
    this.branches.set(branch, sha);
    return true;
  }
  async updateBranch(_r: unknown, branch: string, sha: string) {
    this.calls.push("updateBranch");
    const cur = this.branches.get(branch);
    // GitHub's PATCH /git/refs moves a branch; it does not create one.
    if (!cur) throw refused422(`updating branch ${branch}`, "Reference does not exist");
    if (cur && !this.commits.get(sha)?.parents.includes(cur)) throw Object.assign(new Error("Update is not a fast forward"), { status: 422 });
    this.#refusesWorkflowEdit(`updating branch ${branch}`, sha);
    this.branches.set(branch, sha);
  }
  /**
   * GitHub refuses a ref write (POST or PATCH /git/refs) onto a commit that changes .github/workflows/**
   * unless the app has `workflows: write` (reference/github.md §4), in the words github-writes.ts maps.
   */
  #refusesWorkflowEdit(what: string, sha: string): void {
    if (this.workflowsPermission) return;
    const commit = this.commits.get(sha);
    if (!commit) return;
    const files = this.trees.get(commit.tree)!;
    const before = commit.parents.length ? this.trees.get(this.commits.get(commit.parents[0]!)!.tree)! : new Map<string, string>();
    const touched = [...new Set([...files.keys(), ...before.keys()])].some((p) => p.startsWith(".github/workflows/") && files.get(p) !== before.get(p));
    if (!touched) return;
    throw permanent("github_workflows_permission", `GitHub refused ${what}: the fix edits .github/workflows/** and the app lacks the workflows: write permission. Grant it, or disallow workflow edits in .github/ci-bot.yml. (refusing to allow a GitHub App to create or update workflow \`.github/workflows/ci.yml\` without \`workflows\` permission)`, { status: 403 });
  }
  async findPullRequest(_r: unknown, branch: string) {
    const pr = [...this.pulls].reverse().find((p) => p.headRef === branch);
    return pr ? { ...pr, headSha: this.branches.get(branch) ?? pr.headSha } : null;
  }
  async getPullRequest(_r: unknown, n: number) {
    return this.pulls.find((p) => p.number === n)!;
  }
  async createPullRequest(_r: unknown, input: { title: string; body: string; head: string; base: string; draft: boolean }) {
    this.calls.push("createPullRequest");
    if (!this.branches.has(input.head)) throw refused422("opening the fix PR", "Validation Failed: head invalid");
    // An open PR of the head already: GitHub's 422, which github-writes.ts answers with that PR.
    const open = this.pulls.find((p) => p.headRef === input.head && p.state === "open");
    if (open) return open;
    const number = this.#ids++;
    const pr = {
      number, htmlUrl: `https://github.com/o/r/pull/${number}`, nodeId: `PR_${number}`, headRef: input.head, headSha: this.branches.get(input.head)!,
      state: "open" as const, draft: input.draft, merged: false, title: input.title, body: input.body, base: input.base, labels: [],
    };
    this.pulls.push(pr);
    return pr;
  }
  async updatePullRequest(_r: unknown, n: number, input: { title?: string; body?: string }) {
    this.calls.push("updatePullRequest");
    Object.assign(this.pulls.find((p) => p.number === n)!, input);
  }
  async addLabels(_r: unknown, n: number, labels: string[]) {
    this.calls.push("addLabels");
    this.pulls.find((p) => p.number === n)!.labels.push(...labels);
  }
  async upsertComment(_r: unknown, n: number, marker: string, body: CommentBody, o: UpsertCommentOptions = {}) {
    this.calls.push("upsertComment");
    const list = this.comments.get(n) ?? [];
    this.comments.set(n, list);
    const text = (current: string | undefined) => (typeof body === "string" ? body : body(current));
    const mine = list.find((c) => c.body.includes(marker)) ?? (o.adopt ? list.find((c) => c.body.includes(o.adopt!)) : undefined);
    if (mine) {
      const next = text(mine.body);
      // The real adapter sends no edit for an unchanged text (upsert-comment.ts).
      if (next !== mine.body) this.commentWrites.push(`edit #${n}`);
      mine.body = next;
      return { id: mine.id, created: false };
    }
    if (o.create === false) return null;
    const id = this.#ids++;
    this.commentWrites.push(`create #${n}`);
    list.push({ id, body: text(undefined) });
    return { id, created: true };
  }
  async markReadyForReview(_r: unknown, pr: { number: number }) {
    this.calls.push("markReadyForReview");
    this.pulls.find((p) => p.number === pr.number)!.draft = false;
  }
  async pullRequestDiff(): Promise<string | null> {
    this.calls.push("pullRequestDiff");
    return null;
  }
  /** The failing run, as GET /actions/runs/{id} has it: re-runs add attempts. */
  readonly run = { attempt: 1, status: "completed", conclusion: "failure" as string | null };
  async rerunFailedJobs() {
    this.calls.push("rerunFailedJobs");
    // GitHub's refusal while an attempt runs (github-writes.ts maps the 403 like this).
    if (this.run.status !== "completed") throw new AppError("github_write_forbidden", "GitHub refused re-running failed jobs (HTTP 403): This workflow is already running", { details: { status: 403 } });
    Object.assign(this.run, { attempt: this.run.attempt + 1, status: "in_progress", conclusion: null });
  }
  /** The re-run's attempt ends. */
  finishRun(conclusion: string) {
    Object.assign(this.run, { status: "completed", conclusion });
  }
  async getRun() {
    return { ...this.run };
  }

  /** Workflow runs by commit, at their latest attempt, as GET /actions/runs?head_sha= lists them (read side). */
  readonly commitRuns = new Map<string, Map<number, CommitRun>>();
  /** A run GitHub has for a commit (a delivered workflow_run, or one still queued or running). */
  putRun(headSha: string, run: CommitRun) {
    const runs = this.commitRuns.get(headSha) ?? new Map<number, CommitRun>();
    this.commitRuns.set(headSha, runs);
    const seen = runs.get(run.id);
    if (!seen || run.attempt >= seen.attempt) runs.set(run.id, run);
  }
  async listCommitRuns(_r: unknown, headSha: string): Promise<CommitRun[]> {
    this.calls.push("listCommitRuns");
    return [...(this.commitRuns.get(headSha)?.values() ?? [])];
  }
  /**
   * A workflow's runs of a commit, as GET /actions/workflows/{file}/runs?branch=&head_sha= lists them (read
   * side): those putRun has for the commit, of that workflow file (the branch is not told apart here).
   */
  async listBranchWorkflowRuns(_r: unknown, workflowFile: string, _branch: string, headSha: string): Promise<CommitRun[]> {
    this.calls.push("listBranchWorkflowRuns");
    if (this.workflowRunsDown) throw Object.assign(new Error("Service Unavailable"), { status: 503 });
    return [...(this.commitRuns.get(headSha)?.values() ?? [])].filter((r) => r.workflow.split("@")[0]!.endsWith(`/${workflowFile}`));
  }
  /** GitHub failing listBranchWorkflowRuns. */
  workflowRunsDown = false;
  /** A branch's head as GET /git/ref/heads/{branch} has it (read side): the same branches as the write side's. */
  async getBranchHead(_r: unknown, branch: string) {
    return this.branches.get(branch) ?? null;
  }
  /** Reviews GitHub has for a PR, by number (none unless a test puts some). */
  readonly reviews = new Map<number, PullReview[]>();
  async listPullReviews(_r: unknown, number: number): Promise<PullReview[]> {
    this.calls.push("listPullReviews");
    return this.reviews.get(number) ?? [];
  }
  readonly reviewComments = new Map<number, PullReviewComment[]>();
  async listPullReviewComments(_r: unknown, number: number): Promise<PullReviewComment[]> {
    this.calls.push("listPullReviewComments");
    return this.reviewComments.get(number) ?? [];
  }
  /** One review comment, from the PRs' lists; null (GitHub's 404) when none has it. */
  async getPullReviewComment(_r: unknown, commentId: number): Promise<PullReviewComment | null> {
    this.calls.push("getPullReviewComment");
    return [...this.reviewComments.values()].flat().find((c) => c.id === commentId) ?? null;
  }
  /** The events of a PR's timeline the app reads, by number (none unless a test puts some). */
  readonly timeline = new Map<number, PrTimelineEvent[]>();
  async listPrTimeline(_r: unknown, number: number): Promise<PrTimelineEvent[]> {
    this.calls.push("listPrTimeline");
    return this.timeline.get(number) ?? [];
  }
}

/** A 422 as github-writes.ts hands it on (explain): not retryable, GitHub's words kept. */
const refused422 = (what: string, message: string) => new AppError("http_422", `GitHub failed ${what}: ${message}`, { retryable: false, details: { status: 422 } });
