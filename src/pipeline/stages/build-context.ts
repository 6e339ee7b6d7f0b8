import { createReadStream } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildFailureContext, type AnalysedJob } from "../../context/build-failure-context.js";
import type { FetchedLogs, JobMeta } from "../../context/fetched-logs.js";
import { permanent } from "../../core/errors.js";
import type { FailureContext } from "../../core/failure-context.js";
import { analyzeLog } from "../../logs/analyze-log.js";
import { countTokens } from "../../logs/count-tokens.js";
import type { Stage } from "../stage.js";
import { ensureWorkspace } from "./clone-repo.js";
import { fetchLogsStage } from "./fetch-logs.js";

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
    for (const f of fetched.jobs) {
      const meta = JSON.parse(await readFile(join(fetched.logsDir, f.meta), "utf8")) as JobMeta;
      const analysis = await analyzeLog(createReadStream(join(fetched.logsDir, f.log.file)), { budgetTokens: perJob, steps: meta.steps });
      jobs.push({ fetched: f, analysis, annotations: meta.annotations });
    }
    const gh = await deps.github.forInstallation(job.installationId);
    const headCommitDiff = await gh.getCommitDiff(job.repo, job.run.headSha, DIFF_MAX_BYTES);
    const context = await buildFailureContext({ job, dir: ws.dir, jobs, headCommitDiff, budgetTokens: budget, countTokens });
    const contextPath = join(fetched.logsDir, "context.json");
    await writeFile(contextPath, JSON.stringify(context, null, 1));
    const summary = {
      classification: context.classification, tokens: context.budget.used, budget, dropped: context.budget.dropped,
      excerpts: context.excerpts.length, failedTests: context.failed_tests.length, locations: context.locations.length, snippets: context.snippets.length,
    };
    ctx.log.info(summary, "failure context built");
    const result: BuildContextResult = { context, contextPath, summary };
    return { result };
  },
};

async function logsPresent(f: FetchedLogs): Promise<boolean> {
  for (const j of f.jobs) {
    const ok = await stat(join(f.logsDir, j.log.file)).then(() => true, () => false);
    if (!ok) return false;
  }
  return true;
}
