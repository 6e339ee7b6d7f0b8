import { parse } from "yaml";
import { displayName } from "../core/step-display-name.js";
import { jobRunDefault, workflowText } from "../core/workflow-run-defaults.js";

export interface WorkflowRunStep {
  name?: string;
  run: string;
  /** `working-directory` of the step, or the job's/workflow's `defaults.run.working-directory`. */
  workingDirectory?: string;
  /** `shell` of the step, or the job's/workflow's `defaults.run.shell`. */
  shell?: string;
}

export interface WorkflowSteps {
  /** The failing step, when it is a `run:` step. */
  failing?: WorkflowRunStep;
  /** `run:` steps before it in the same job, in order (`uses:` steps are not commands and are left out). */
  earlier: WorkflowRunStep[];
  /** Why nothing was found, for the job record. */
  problem?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** `${{ matrix.x }}` in a name matches anything, so "test (${{ matrix.node }})" matches "test (20)". */
function namePattern(name: string): RegExp {
  const parts = name.split(/\$\{\{[^}]*\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`);
}

function jobMatches(key: string, job: Obj, shown: string): boolean {
  const base = str(job.name) ?? key;
  if (shown === key || shown === base || namePattern(base).test(shown)) return true;
  // Matrix jobs are shown as "<name> (<values>)" when the name has no expression.
  return shown.startsWith(`${base} (`) && shown.endsWith(")");
}

/**
 * Finds the failing step of a job in a workflow file, and the `run:` steps before it. `jobName` and
 * `stepName` are the names the Actions API reports (matrix values included).
 */
export function workflowSteps(yamlText: string, jobName: string | undefined, stepName: string | undefined): WorkflowSteps {
  let doc: unknown;
  try {
    doc = parse(yamlText);
  } catch (err) {
    return { earlier: [], problem: `workflow file is not valid YAML: ${(err as Error).message.split("\n")[0]}` };
  }
  if (!isObj(doc) || !isObj(doc.jobs)) return { earlier: [], problem: "workflow file has no jobs" };
  const jobs = Object.entries(doc.jobs).filter((e): e is [string, Obj] => isObj(e[1]));
  const candidates = jobName ? jobs.filter(([k, j]) => jobMatches(k, j, jobName)) : jobs.length === 1 ? jobs : [];
  if (candidates.length !== 1) {
    return { earlier: [], problem: candidates.length ? `job "${jobName}" matches several jobs in the workflow` : `job "${jobName ?? "?"}" not found in the workflow` };
  }
  const job = candidates[0]![1];
  const jobDir = jobRunDefault(doc, job, "working-directory");
  const jobShell = jobRunDefault(doc, job, "shell");
  const steps = Array.isArray(job.steps) ? job.steps.filter(isObj) : [];
  const idx = stepName ? steps.findIndex((s) => displayName(s) === stepName.trim()) : -1;
  if (idx < 0) return { earlier: [], problem: `step "${stepName ?? "?"}" not found in job "${jobName ?? candidates[0]![0]}"` };
  const toRun = (s: Obj): WorkflowRunStep | undefined => {
    const run = str(s.run);
    if (!run) return undefined;
    const dir = workflowText(s["working-directory"]) ?? jobDir;
    const shell = workflowText(s.shell) ?? jobShell;
    return { ...(str(s.name) ? { name: str(s.name) } : {}), run: run.trim(), ...(dir ? { workingDirectory: dir } : {}), ...(shell ? { shell } : {}) };
  };
  const failing = toRun(steps[idx]!);
  const earlier = steps.slice(0, idx).map(toRun).filter((s): s is WorkflowRunStep => !!s);
  return { ...(failing ? { failing } : { problem: `step "${stepName}" is not a run: step` }), earlier };
}
