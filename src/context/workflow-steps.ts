import { parse } from "yaml";
import { jobRunDefault, runDefault, workflowText as str } from "../core/workflow-run-defaults.js";

export interface ApiStepRef {
  number: number;
  name: string;
  conclusion?: string | null;
}

export interface WorkflowStep {
  /** Index in the workflow job's `steps:` list. */
  index: number;
  name?: string;
  run?: string;
  uses?: string;
  shell?: string;
  workingDirectory?: string;
}

export interface WorkflowJobMatch {
  key: string;
  steps: WorkflowStep[];
}

type RawStep = { name?: unknown; run?: unknown; uses?: unknown; shell?: unknown; "working-directory"?: unknown };
type RawJob = { name?: unknown; steps?: unknown; defaults?: unknown };

/** Parses a workflow file; returns its jobs keyed by id, or null when it is not a readable workflow. */
export function parseWorkflow(text: string): Record<string, RawJob> | null {
  try {
    const doc = parse(text, { logLevel: "silent", maxAliasCount: 100 }) as { jobs?: unknown } | null;
    if (!doc || typeof doc !== "object" || !doc.jobs || typeof doc.jobs !== "object") return null;
    return withWorkflowDefaults(doc.jobs as Record<string, RawJob>, doc);
  } catch {
    return null;
  }
}

/**
 * The workflow's `defaults.run` under each job's own, key by key (GitHub uses the most specific setting).
 * Read from the job alone, a workflow-wide working-directory or shell was lost: the failing step's command
 * was then replayed from the repository root, or by bash instead of pwsh.
 */
function withWorkflowDefaults(jobs: Record<string, RawJob>, workflow: unknown): Record<string, RawJob> {
  const out: Record<string, RawJob> = {};
  for (const [key, job] of Object.entries(jobs)) {
    if (!job || typeof job !== "object") {
      out[key] = job;
      continue;
    }
    out[key] = { ...job, defaults: { run: { shell: jobRunDefault(workflow, job, "shell"), "working-directory": jobRunDefault(workflow, job, "working-directory") } } };
  }
  return out;
}

/**
 * The workflow job an API job name belongs to. GitHub names a job by its `name:` (expressions expanded)
 * or its id, and appends ` (a, b)` for matrix values; reusable workflows show as `caller / callee`.
 */
export function findWorkflowJob(jobs: Record<string, RawJob>, apiJobName: string): WorkflowJobMatch | undefined {
  const entries = Object.entries(jobs).filter(([, j]) => j && typeof j === "object");
  const label = (k: string, j: RawJob) => (typeof j.name === "string" ? j.name : k);
  const base = apiJobName.replace(/ \([^()]*\)$/, "");
  const first = apiJobName.split(" / ")[0]!;
  const tests: Array<(k: string, j: RawJob) => boolean> = [
    (k, j) => label(k, j) === apiJobName || k === apiJobName,
    (k, j) => label(k, j) === base || k === base || label(k, j) === first || k === first,
    (k, j) => label(k, j).includes("${{") && exprPattern(label(k, j)).test(apiJobName),
  ];
  for (const t of tests) {
    const hit = entries.find(([k, j]) => t(k, j));
    if (hit) return { key: hit[0], steps: stepsOf(hit[1]) };
  }
  if (entries.length === 1) return { key: entries[0]![0], steps: stepsOf(entries[0]![1]) };
  return undefined;
}

/** GitHub's display name for a step: its `name:`, else `Run <first line of run>`, else `Run <uses>`. */
export function stepDisplayName(s: WorkflowStep): string | undefined {
  if (s.name) return s.name;
  if (s.run) return `Run ${s.run.split("\n").find((l) => l.trim())?.trim() ?? ""}`;
  if (s.uses) return `Run ${s.uses}`;
  return undefined;
}

/**
 * The workflow step behind an API step: by display name first (expressions in names matched loosely),
 * then by position. API steps start with `Set up job` (and `Initialize containers` for container jobs,
 * `Build <image>` for Docker actions); post steps come after the job's own steps.
 */
export function findWorkflowStep(job: WorkflowJobMatch, apiStep: ApiStepRef, apiSteps: ApiStepRef[]): WorkflowStep | undefined {
  const byName = job.steps.filter((s) => {
    const n = stepDisplayName(s);
    return n !== undefined && (n === apiStep.name || (n.includes("${{") && exprPattern(n).test(apiStep.name)));
  });
  if (byName.length === 1) return byName[0];
  const preamble = apiSteps.filter((s) => s.number < apiStep.number && /^(Set up job|Initialize containers|Build .+|Pre .+)$/.test(s.name)).length;
  const idx = apiStep.number - 1 - preamble;
  if (byName.length > 1) return byName.find((s) => s.index === idx) ?? byName[0];
  return idx >= 0 && idx < job.steps.length ? job.steps[idx] : undefined;
}

function stepsOf(j: RawJob): WorkflowStep[] {
  if (!Array.isArray(j.steps)) return [];
  const shell = runDefault(j, "shell");
  const wd = runDefault(j, "working-directory");
  return (j.steps as RawStep[]).map((s, index) => ({
    index,
    ...(str(s?.name) !== undefined ? { name: str(s.name) } : {}),
    ...(str(s?.run) !== undefined ? { run: str(s.run) } : {}),
    ...(str(s?.uses) !== undefined ? { uses: str(s.uses) } : {}),
    ...((str(s?.shell) ?? shell) !== undefined ? { shell: str(s?.shell) ?? shell } : {}),
    ...((str(s?.["working-directory"]) ?? wd) !== undefined ? { workingDirectory: str(s?.["working-directory"]) ?? wd } : {}),
  }));
}

function exprPattern(label: string): RegExp {
  const parts = label.split(/\$\{\{[^}]*\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}( \\(.*\\))?$`);
}
