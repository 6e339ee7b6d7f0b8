import type { JobRepo } from "../../core/job.js";
import type { Octokit } from "./octokit-client.js";

/**
 * The commit `refs/heads/<branch>` points at, or null when the repository has no such branch (404): a
 * tag's name, a branch deleted. One `GET /git/ref/heads/{branch}` (Contents: read); unlike `GET /branches/{b}`
 * it matches the name exactly and does not follow a renamed branch to its new name. Any other failure is
 * thrown as Octokit raised it, for the caller to word.
 */
export async function branchHead(octokit: Octokit, repo: JobRepo, branch: string): Promise<string | null> {
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { owner: repo.owner, repo: repo.name, ref: `heads/${branch}` });
    return res.data.object.sha;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}
