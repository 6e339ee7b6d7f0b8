import type { Job } from "../../core/job.js";
import type { Logger } from "../../core/ports/index.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { workflowFileOf } from "../../core/workflow-file.js";

const WORKFLOWS_DIR = ".github/workflows/";

/**
 * Why the job ends without a fix, when people pushed a newer commit to the run's branch while the job was
 * under way (clone, model, validation: minutes) and the same workflow passed on it: a fix PR, and a comment
 * on people's PR, for a failure already green is noise. Only when every run of that workflow on the branch's
 * head, created after the failed run, completed with `success`: one still going, red, skipped or unreadable
 * leaves the job to fix as before (a read failure is logged, never a lost fix).
 */
export async function passedOnBranchHeadNote(gh: Pick<GitHubClient, "getBranchHead" | "listBranchWorkflowRuns">, job: Pick<Job, "repo" | "run">, log: Logger): Promise<string | undefined> {
  const { id, source, workflowPath, headBranch, headSha } = job.run;
  // GitHub names a workflow by its file in .github/workflows/; a check suite (non-Actions CI) has none.
  const file = source === "workflow_run" && workflowPath ? workflowFileOf(workflowPath) : "";
  const name = file.startsWith(WORKFLOWS_DIR) ? file.slice(WORKFLOWS_DIR.length) : "";
  if (!name || name.includes("/")) return undefined;
  try {
    const head = await gh.getBranchHead(job.repo, headBranch);
    if (!head || head === headSha) return undefined;
    // Run ids grow with creation: a larger id is a run created after the failed one (not an older pass of a
    // commit the branch was reset to, which says nothing about this failure).
    const runs = (await gh.listBranchWorkflowRuns(job.repo, name, headBranch, head)).filter((r) => r.id > id);
    const green = runs.length > 0 && runs.every((r) => r.status === "completed" && r.conclusion === "success");
    if (!green) return undefined;
    return `${file} passed on ${headBranch}'s newer commit ${head.slice(0, 7)} (run ${runs[0]!.id}) since run ${id} failed: no fix PR for a failure already green`;
  } catch (err) {
    log.info({ err, headBranch, workflow: file }, "could not tell whether the workflow passed on the branch's newer head; fixing the run's commit");
    return undefined;
  }
}
