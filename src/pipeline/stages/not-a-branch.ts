import type { Job } from "../../core/job.js";
import type { Logger } from "../../core/ports/index.js";
import type { GitHubClient } from "../../core/ports/github-port.js";

/**
 * Why the job's head_branch is no branch to fix, or undefined when it is one. A run started by pushing a
 * tag carries the tag's name in head_branch, and the webhook cannot tell it from a branch's: without this
 * the job cloned, asked the model, validated, then failed to open a PR into a tag. A branch deleted since
 * the run has nowhere to take a fix either. A branch that moved on since the run is still a branch: the job
 * goes on as before (the fix is built on the run's commit).
 */
export async function notABranch(gh: Pick<GitHubClient, "getBranchHead">, job: Pick<Job, "repo" | "run">, log: Logger): Promise<string | undefined> {
  const { headBranch, headSha } = job.run;
  const head = await gh.getBranchHead(job.repo, headBranch);
  if (head === null) {
    return `"${headBranch}" is not a branch of ${job.repo.fullName} (the run was started by a tag push, or the branch was deleted since): there is no branch to fix; nothing done`;
  }
  if (head !== headSha) log.info({ headBranch, branchHead: head, runHeadSha: headSha }, "the branch moved on since the run; fixing the run's commit");
  return undefined;
}
