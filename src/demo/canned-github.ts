import type { GitHubClient, GitHubPort, RunJob } from "../core/ports/github-port.js";

export interface CannedRun {
  token: string;
  repoConfig: unknown;
  jobs: RunJob[];
  logs: Record<number, string>;
  files: Record<string, string>;
  /** Each branch's head commit. */
  branches: Record<string, string>;
}

/**
 * A GitHub that answers from memory, for the offline demo: the read side only. It has no write side, so a
 * job that is not a dry run stops at open-pull-request with a reason instead of pretending to open a PR.
 */
export function cannedGitHub(run: CannedRun, calls: string[] = []): GitHubPort {
  const client: GitHubClient = {
    async getRepoConfig(repo) {
      calls.push(`GET ${repo.fullName}/.github/ci-bot.yml`);
      return run.repoConfig;
    },
    async installationToken() {
      return run.token;
    },
    async getBranchHead(repo, branch) {
      calls.push(`GET ${repo.fullName} branch ${branch}`);
      return run.branches[branch] ?? null;
    },
    async listRunJobs(repo, runId, attempt) {
      calls.push(`GET ${repo.fullName} run ${runId} attempt ${attempt} jobs`);
      return run.jobs;
    },
    async downloadJobLog(repo, jobId) {
      calls.push(`GET ${repo.fullName} job ${jobId} log`);
      const text = run.logs[jobId] ?? "";
      return (async function* () {
        yield new TextEncoder().encode(text);
      })();
    },
    async listAnnotations() {
      return [];
    },
    // The demo stops before a fix PR (no write side): no fix commit whose CI would be read, no PR reviewed.
    async listCommitRuns() {
      return [];
    },
    async listBranchWorkflowRuns() {
      return [];
    },
    async listPullReviews() {
      return [];
    },
    async listPullReviewComments() {
      return [];
    },
    async getPullReviewComment() {
      return null;
    },
    async listPrTimeline() {
      return [];
    },
    async getFileContent(repo, path, ref) {
      calls.push(`GET ${repo.fullName}/${path}@${ref.slice(0, 7)}`);
      return run.files[path] ?? null;
    },
    async getCommitDiff() {
      return null;
    },
  };
  return { forInstallation: async () => client };
}
