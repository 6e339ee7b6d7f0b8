import { createHash } from "node:crypto";
import { FAILING } from "../core/conclusions.js";

/** Where a failure happened: a repository, a workflow (or CI app) and a branch. */
export interface FailureScope {
  repoId: number;
  source: string;
  workflow: string;
  branch: string;
}

/**
 * "The same failure again", for the fix-loop guard: one repository, one workflow (or CI app), one branch,
 * one kind of failure. A later stage may refine it with the failing job names once the logs are read;
 * at intake only these are known. `timed_out` and `failure` are kept apart: a hang and a red test are
 * different problems.
 */
export function failureFingerprint(p: FailureScope & { conclusion: string }): string {
  return createHash("sha256")
    .update(["v1", p.repoId, p.source, p.workflow, p.branch, p.conclusion].join("\n"))
    .digest("hex");
}

/** A pass of the workflow (or CI app) on the branch: every kind of failure it had there went green. */
export function wentGreen(scope: FailureScope): { repoId: number; fingerprints: string[] } {
  return { repoId: scope.repoId, fingerprints: [...FAILING].map((conclusion) => failureFingerprint({ ...scope, conclusion })) };
}
