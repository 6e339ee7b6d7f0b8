import { FAILING } from "../core/conclusions.js";
import type { CommitRun } from "../core/ports/github-port.js";
import { workflowFileOf } from "../core/workflow-file.js";

/** What CI says of a commit, over all its runs in scope, each at its latest attempt. */
export type CommitCiVerdict =
  | { state: "green"; decidedBy: CommitRun }
  | { state: "red"; decidedBy: CommitRun }
  | { state: "pending"; waitingOn: CommitRun[] }
  /** Every run in scope ended without a verdict (cancelled, skipped…), or there is none. */
  | { state: "none" };

/**
 * The verdict on a commit: red as soon as one run in scope fails, undecided while one is queued or running,
 * green once all have ended and those that are a verdict (core/conclusions.ts) passed. `heard` is the run
 * whose webhook woke us: GitHub's list can lag it, and it decides when it is one of those that count.
 * `workflow`: only that workflow's runs are in scope (the one the fix is for, when the job knows it).
 */
export function commitCiVerdict(runs: readonly CommitRun[], opts: { workflow?: string; heard?: CommitRun } = {}): CommitCiVerdict {
  const latest = new Map<number, CommitRun>();
  for (const r of opts.heard ? [...runs, opts.heard] : runs) {
    const seen = latest.get(r.id);
    // A re-run replaces its earlier attempt; the same attempt read twice is the one that has ended.
    if (!seen || r.attempt > seen.attempt || (r.attempt === seen.attempt && seen.status !== "completed" && r.status === "completed")) latest.set(r.id, r);
  }
  const scope = opts.workflow === undefined ? undefined : workflowFileOf(opts.workflow);
  const inScope = [...latest.values()].filter((r) => scope === undefined || workflowFileOf(r.workflow) === scope);
  const heard = opts.heard && latest.get(opts.heard.id);
  const pick = (of: CommitRun[]) => (heard && of.includes(heard) ? heard : of[0]!);
  const failing = inScope.filter((r) => r.status === "completed" && !!r.conclusion && FAILING.has(r.conclusion));
  if (failing.length) return { state: "red", decidedBy: pick(failing) };
  const waitingOn = inScope.filter((r) => r.status !== "completed");
  if (waitingOn.length) return { state: "pending", waitingOn };
  const passed = inScope.filter((r) => r.conclusion === "success");
  return passed.length ? { state: "green", decidedBy: pick(passed) } : { state: "none" };
}
