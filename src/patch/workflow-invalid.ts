import { parse as parseYaml } from "yaml";
import { workflowText } from "../core/workflow-run-defaults.js";
import { triggersOf } from "../core/workflow-triggers.js";
import { quote } from "./greenwash.js";
import type { Hunk, Refusal } from "./types.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** What is wrong with a file GitHub reads, and the line it is on when the YAML says. */
interface Problem {
  what: string;
  line?: number;
}

/** The YAML of `text`, or where and why it does not parse (one document, as GitHub reads it). */
function parsed(text: string): { doc: unknown } | { problem: Problem } {
  try {
    return { doc: parseYaml(text) };
  } catch (err) {
    const e = err as { message?: string; linePos?: Array<{ line: number }> };
    const why = String(e.message ?? err).split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    const line = e.linePos?.[0]?.line;
    const lines = text.replace(/\n$/, "").split("\n");
    const source = line === undefined ? "" : (lines[line - 1] ?? "").trim();
    // An unclosed `[` or quote is only known where the text ends.
    const at = line === undefined ? "" : line > lines.length ? "at the end of the file: " : `line ${line}${source ? ` ${quote(source)}` : ""}: `;
    return { problem: { what: `unparseable (${at}${why})`, ...(line !== undefined ? { line } : {}) } };
  }
}

const stepName = (s: Obj, i: number, job?: string) => {
  const name = workflowText(s.name) ?? workflowText(s.id);
  return `step ${i + 1}${name ? ` (${quote(name)})` : ""}${job === undefined ? "" : ` of the job ${quote(job)}`}`;
};

/**
 * A step list GitHub refuses: not a list, or a step that is not a mapping or does nothing (neither `run` nor
 * `uses`). A composite action's `run` step also needs its `shell` (GitHub: "Required property is missing").
 */
function stepsProblem(steps: unknown, where: string, job: string | undefined, composite: boolean): string | undefined {
  if (!Array.isArray(steps)) return `with the steps of ${where} not a list`;
  for (const [i, s] of steps.entries()) {
    if (!isObj(s)) return `with ${stepName({}, i, job)} not a mapping`;
    if (!("run" in s) && !("uses" in s)) return `with ${stepName(s, i, job)} having neither run nor uses`;
    if (composite && "run" in s && !("shell" in s)) return `with ${stepName(s, i, job)} running a command without the shell a composite action's run step needs`;
  }
  return undefined;
}

/** What keeps GitHub from running a workflow file: YAML that does not parse, no `on:`, no `jobs:`, a job or step that runs nothing. */
export function workflowProblem(text: string): Problem | undefined {
  const p = parsed(text);
  if ("problem" in p) return p.problem;
  const doc = p.doc;
  if (!isObj(doc)) return { what: "without a mapping at its top (name, on, jobs)" };
  const on = triggersOf(doc.on);
  if (!on || Object.keys(on).length === 0) return { what: "without an on: trigger" };
  if (!isObj(doc.jobs) || Object.keys(doc.jobs).length === 0) return { what: "without a jobs: mapping" };
  for (const [key, job] of Object.entries(doc.jobs)) {
    if (!isObj(job)) return { what: `with the job ${quote(key)} not a mapping` };
    if (!("runs-on" in job) && !("uses" in job)) return { what: `with the job ${quote(key)} having neither runs-on nor uses` };
    if ("steps" in job) {
      const what = stepsProblem(job.steps, `the job ${quote(key)}`, key, false);
      if (what) return { what };
    }
  }
  return undefined;
}

/** What keeps GitHub from running a local action: YAML that does not parse, no `runs.using`, or what that kind of action needs missing. */
export function actionProblem(text: string): Problem | undefined {
  const p = parsed(text);
  if ("problem" in p) return p.problem;
  const doc = p.doc;
  if (!isObj(doc)) return { what: "without a mapping at its top (name, inputs, runs)" };
  const runs = doc.runs;
  const using = isObj(runs) ? workflowText(runs.using) : undefined;
  if (!isObj(runs) || using === undefined) return { what: "without runs.using" };
  if (using === "composite") {
    const what = stepsProblem(runs.steps, "runs", undefined, true);
    return what ? { what } : undefined;
  }
  if (/^node\d+$/.test(using) && workflowText(runs.main) === undefined) return { what: `without the runs.main a ${using} action starts` };
  if (using === "docker" && workflowText(runs.image) === undefined) return { what: "without the runs.image a docker action runs" };
  return undefined;
}

/** The first line of the new side a hunk header covers, and how many: `@@ -1,4 +1,5 @@`. */
function newRange(h: Hunk): [number, number] | undefined {
  const m = /\+(\d+)(?:,(\d+))?/.exec(h.header);
  return m ? [Number(m[1]), m[2] === undefined ? 1 : Number(m[2])] : undefined;
}

/**
 * A workflow or local action the patch changes and leaves one GitHub cannot run: it fails every run of the
 * workflow (or job using the action) before a test starts, which is no green CI. A file that was broken before
 * and the patch repairs passes (that may be the fix); one broken before and still broken is refused too, since
 * the patch changes it without making it run. Not an action.yml: ACTION_FILE matches one anywhere, and one that
 * never ran is often no action at all (a template, a linter's test fixture), which no job fails on. `kind` says
 * which of the two the file is to GitHub.
 */
export function invalidWorkflow(file: string, kind: "workflow" | "action", before: string | null, after: string | null, hunks: Hunk[]): Refusal | undefined {
  if (after === null || after === before) return undefined;
  const check = kind === "workflow" ? workflowProblem : actionProblem;
  const problem = check(after);
  if (!problem) return undefined;
  const already = before !== null && check(before) !== undefined;
  if (already && kind === "action") return undefined;
  const hunk = (problem.line === undefined ? undefined : hunks.find((h) => {
    const r = newRange(h);
    return r !== undefined && problem.line! >= r[0] && problem.line! < r[0] + Math.max(r[1], 1);
  })) ?? hunks[0];
  const fails = kind === "workflow" ? "GitHub would fail every run of it" : "GitHub would fail every job that uses it";
  const was = already ? `; it did not run before the patch either: repair it, or leave it as it was` : "";
  return { rule: "workflow_invalid", file, ...(hunk ? { hunk: hunk.header } : {}), reason: `the patch leaves ${file} ${problem.what}; ${fails}${was}` };
}
