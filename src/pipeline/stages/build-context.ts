import { openLogFile } from "../../logs/open-log-file.js";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildFailureContext, type AnalysedJob } from "../../context/build-failure-context.js";
import type { FetchedLogs, JobMeta } from "../../context/fetched-logs.js";
import { permanent } from "../../core/errors.js";
import { addMaskValues, maskKeyBodies, maskValuesDeep, valueMasker } from "../../core/redact.js";
import type { FailureContext } from "../../core/failure-context.js";
import { analyzeLog } from "../../logs/analyze-log.js";
import { countTokens } from "../../logs/count-tokens.js";
import { clip } from "../../logs/evidence.js";
import type { LogAnalysis } from "../../logs/types.js";
import type { Stage } from "../stage.js";
import { ensureWorkspace } from "./clone-repo.js";
import { closedFixNote, closedFixOf } from "./closed-fix-of.js";
import { passedSinceNote } from "./passed-since-note.js";
import { answeredBy, openSiblingFix } from "./open-sibling-fix.js";
import { fetchLogsStage } from "./fetch-logs.js";
import { removeRawLogs } from "../../adapters/workspace/remove-raw-logs.js";

/** Cap on the head commit's diff before it is weighed against the token budget. */
const DIFF_MAX_BYTES = 64 * 1024;

/** What this stage stores on the job: the context itself (bounded by CONTEXT_BUDGET_TOKENS) and a summary. */
export interface BuildContextResult {
  context: FailureContext;
  /** A copy on disk beside the logs, for people debugging a job. */
  contextPath: string;
  summary: { classification: string; tokens: number; budget: number; dropped: string[]; excerpts: number; failedTests: number; locations: number; snippets: number };
}

/**
 * Log analysis of every fetched job → one `FailureContext` within CONTEXT_BUDGET_TOKENS (priority order:
 * CONTEXT_PRIORITY in src/context/build-failure-context.ts), redacted. Half the budget goes to log
 * excerpts, shared by the failed jobs; the rest is filled by the other parts in order.
 */
export const buildContextStage: Stage = {
  name: "build-context",
  state: "analysis",
  sideEffects: false,
  async run(job, deps, ctx) {
    const ws = await ensureWorkspace(job, deps, ctx);
    let fetched = job.results["fetch-logs"] as FetchedLogs | undefined;
    if (!fetched?.jobs) throw permanent("missing_fetch_logs", `Job ${job.id} has no fetch-logs result; retry it from fetch-logs.`);
    if (!(await logsPresent(fetched))) {
      // The logs went with a removed workspace (operator retry): fetch them again, cheaply.
      fetched = (await fetchLogsStage.run(job, deps, ctx)).result as FetchedLogs;
    }
    const budget = deps.config.CONTEXT_BUDGET_TOKENS;
    const perJob = Math.max(200, Math.floor(budget / 2 / Math.max(1, fetched.jobs.length)));
    const jobs: AnalysedJob[] = [];
    // What each log registered with `::add-mask::`, masked in every job's analysis and annotations (an error
    // line becomes an annotation the API hands over unmasked; another job may print the same value).
    const masked = new Set<string>();
    for (const f of fetched.jobs) {
      const meta = JSON.parse(await readFile(join(fetched.logsDir, f.meta), "utf8")) as JobMeta;
      const logPath = join(fetched.logsDir, f.log.file);
      const analysis = await analyzeLog(openLogFile(logPath), { budgetTokens: perJob, steps: meta.steps, masked }).catch(async (err: unknown) => {
        // A log the analyser chokes on still has a useful tail; the job goes on with that.
        ctx.log.warn({ err, ghJob: f.id }, "log analysis failed; using the log tail");
        return tailAnalysis(await readFile(logPath, "utf8"), perJob, String((err as Error)?.message ?? err), masked);
      });
      jobs.push({ fetched: f, analysis, annotations: meta.annotations });
    }
    if (masked.size) for (const j of jobs) Object.assign(j, maskValuesDeep({ analysis: j.analysis, annotations: j.annotations }, [...masked]));
    const gh = await deps.github.forInstallation(job.installationId);
    const headCommitDiff = await gh.getCommitDiff(job.repo, job.run.headSha, DIFF_MAX_BYTES);
    const context = await buildFailureContext({ job, dir: ws.dir, jobs, headCommitDiff, budgetTokens: budget, countTokens });
    const contextPath = join(fetched.logsDir, "context.json");
    await writeFile(contextPath, JSON.stringify(context, null, 1));
    // The context is redacted and no later stage reads the raw logs: they go now, not when the job ends days
    // later. A run of this stage again (a crash before its result was stored, a retry) fetches them again.
    await removeRawLogs(fetched.logsDir);
    const summary = {
      classification: context.classification, tokens: context.budget.used, budget, dropped: context.budget.dropped,
      excerpts: context.excerpts.length, failedTests: context.failed_tests.length, locations: context.locations.length, snippets: context.snippets.length,
    };
    ctx.log.info(summary, "failure context built");
    const result: BuildContextResult = { context, contextPath, summary };
    // Failures people or an open fix PR already answered: checked again where the PR would open, and here
    // too, which spares them the re-run, the model call and validation.
    const passed = passedSinceNote(job);
    if (passed) return { result, finish: passed };
    const closed = await closedFixOf(job, deps, context);
    if (closed) return { result, finish: closedFixNote(closed) };
    const sibling = await openSiblingFix(job, deps, context);
    if (sibling?.answers) return { result, finish: answeredBy(job, sibling).note };
    return { result };
  },
};

/**
 * The last lines of a log that fit `budget` tokens, as a minimal analysis. The analyser failed on this
 * log, so nothing about it is assumed: each line is cut like evidence (a progress bar of megabytes would
 * take the tokenizer minutes) and counted once, not the whole tail again for every line added.
 */
export function tailAnalysis(text: string, budget: number, why: string, masked = new Set<string>()): LogAnalysis {
  const lines = text.split("\n");
  // Before the tail is cut: one that starts inside a key the job printed has no BEGIN line for the
  // context's redaction to see.
  maskKeyBodies(lines);
  // And the values the job registered with `::add-mask::`, which the tail may show without the line that registered them.
  for (const v of addMaskValues(text)) masked.add(v);
  // Only the lines the tail takes: a job can register thousands of values, and the log be 100 MB.
  const mask = masked.size ? valueMasker(masked) : (l: string) => l;
  const tail: string[] = [];
  let tokens = 0;
  for (let i = lines.length - 1; i >= 0 && tail.length < 200; i--) {
    const line = clip(mask(lines[i]!));
    const cost = countTokens(line) + (tail.length ? 1 : 0);
    if (tokens + cost > budget) break;
    tail.unshift(line);
    tokens += cost;
  }
  // Counted line by line, a newline can merge with its neighbours: the whole is counted once more.
  let excerpt = tail.join("\n");
  let excerptTokens = countTokens(excerpt);
  while (excerptTokens > budget && tail.length) {
    tail.shift();
    excerpt = tail.join("\n");
    excerptTokens = countTokens(excerpt);
  }
  const start = lines.length - tail.length;
  return {
    format: "plain", lines: lines.length, status: "unknown", steps: [], failingStep: null, errors: [], failedTests: [], locations: [],
    excerpts: excerpt ? [{ startLine: start + 1, endLine: lines.length, reason: `log tail (analyser failed: ${why.slice(0, 120)})`, text: excerpt }] : [],
    excerptTokens, classification: "unknown",
  };
}

async function logsPresent(f: FetchedLogs): Promise<boolean> {
  for (const j of f.jobs) {
    const ok = await stat(join(f.logsDir, j.log.file)).then(() => true, () => false);
    if (!ok) return false;
  }
  return true;
}
