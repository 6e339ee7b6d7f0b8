import { BOT_BRANCH_PREFIX } from "../handlers/filters.js";

/** The fix branch of a workflow run: one per run, whatever the retries. */
export const fixBranchName = (runId: number) => `${BOT_BRANCH_PREFIX}fix-${runId}`;

/** The run id a fix branch was made for, or undefined when the branch is not one of ours. */
export function runIdOfFixBranch(branch: string | null | undefined): number | undefined {
  const m = /^ci-bot\/fix-(\d+)$/.exec(branch ?? "");
  return m ? Number(m[1]) : undefined;
}
