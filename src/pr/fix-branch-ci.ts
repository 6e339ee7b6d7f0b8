import { parse } from "yaml";
import { matchesFilter } from "../core/github-filter.js";
import { triggersOf } from "../core/workflow-triggers.js";

/**
 * Whether the failing workflow will run on the fix: on the push of the fix branch, or on the fix PR.
 * "unknown" where GitHub's answer depends on what we cannot see (a push's path filter on a new branch, a
 * workflow that does not parse). Only a sure "no" is told to people: the PR then says that its only
 * evidence is the local validation, and why CI stays silent, instead of leaving a draft that waits for a
 * run that never comes.
 */
export interface FixBranchCi {
  runs: "yes" | "no" | "unknown";
  /** For "no": the workflow's triggers, as people would read them in its `on:`. */
  triggers?: string;
  /** The workflow can be started by hand (`workflow_dispatch`). */
  dispatch: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): string[] | undefined => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);
type Verdict = FixBranchCi["runs"];

/** PR activity the fix makes: opening it, and each repair pushed onto it. */
const FIX_PR_ACTIVITY = ["opened", "synchronize", "reopened"];

export function fixBranchCi(workflowYaml: string, fix: { branch: string; baseBranch: string; files: readonly string[] }): FixBranchCi {
  let doc: unknown;
  try {
    doc = parse(workflowYaml);
  } catch {
    return { runs: "unknown", dispatch: false };
  }
  const on = isObj(doc) ? triggersOf(doc.on) : undefined;
  if (!on) return { runs: "unknown", dispatch: false };
  const dispatch = "workflow_dispatch" in on;
  const verdicts: Verdict[] = [];
  try {
    if ("push" in on) verdicts.push(onPush(isObj(on.push) ? on.push : {}, fix));
    if ("pull_request" in on) verdicts.push(onPullRequest(isObj(on.pull_request) ? on.pull_request : {}, fix));
  } catch {
    return { runs: "unknown", dispatch }; // a filter pattern too wild to judge (see filterPatternRegExp)
  }
  // pull_request_target runs the base branch's workflow on the base branch's commit: not CI of the fix.
  const runs: Verdict = verdicts.includes("yes") ? "yes" : verdicts.includes("unknown") ? "unknown" : "no";
  return runs === "no" ? { runs, triggers: describe(on), dispatch } : { runs, dispatch };
}

function onPush(f: Obj, fix: { branch: string; files: readonly string[] }): Verdict {
  const branches = list(f.branches);
  const ignored = list(f["branches-ignore"]);
  // A push filter that names only tags leaves branch pushes out (workflow syntax: "If you define only
  // tags/tags-ignore or only branches/branches-ignore, the workflow won't run for events affecting the
  // undefined Git ref").
  if (!branches && !ignored && (f.tags !== undefined || f["tags-ignore"] !== undefined)) return "no";
  if (branches && !matchesFilter(fix.branch, branches)) return "no";
  if (ignored && matchesFilter(fix.branch, ignored)) return "no";
  // The first push creates the branch, and which diff GitHub filters paths on then is not ours to see.
  return pathsAllow(f, fix.files) ? "yes" : "unknown";
}

function onPullRequest(f: Obj, fix: { baseBranch: string; files: readonly string[] }): Verdict {
  const types = list(f.types);
  if (types && !types.some((t) => FIX_PR_ACTIVITY.includes(t))) return "no";
  const branches = list(f.branches);
  const ignored = list(f["branches-ignore"]);
  if (branches && !matchesFilter(fix.baseBranch, branches)) return "no";
  if (ignored && matchesFilter(fix.baseBranch, ignored)) return "no";
  // A PR's paths are its own diff against the base: the fix's files, known exactly.
  return pathsAllow(f, fix.files) ? "yes" : "no";
}

function pathsAllow(f: Obj, files: readonly string[]): boolean {
  const paths = list(f.paths);
  const ignored = list(f["paths-ignore"]);
  if (paths && !files.some((p) => matchesFilter(p, paths))) return false;
  if (ignored && files.every((p) => matchesFilter(p, ignored))) return false;
  return true;
}

/** "push (branches: main), pull_request (branches: release/**), workflow_dispatch" */
function describe(on: Obj): string {
  return Object.entries(on)
    .map(([event, f]) => {
      if (!isObj(f)) return event;
      const filters = ["branches", "branches-ignore", "tags", "paths", "paths-ignore", "types"]
        .map((k) => (list(f[k]) ? `${k}: ${list(f[k])!.join(", ")}` : undefined))
        .filter(Boolean);
      return filters.length ? `${event} (${filters.join("; ")})` : event;
    })
    .join(", ");
}
