import { createHash } from "node:crypto";

/**
 * "The same failure again", for the fix-loop guard: one repository, one workflow (or CI app), one branch,
 * one kind of failure. A later stage may refine it with the failing job names once the logs are read;
 * at intake only these are known. `timed_out` and `failure` are kept apart: a hang and a red test are
 * different problems.
 */
export function failureFingerprint(p: { repoId: number; source: string; workflow: string; branch: string; conclusion: string }): string {
  return createHash("sha256")
    .update(["v1", p.repoId, p.source, p.workflow, p.branch, p.conclusion].join("\n"))
    .digest("hex");
}
