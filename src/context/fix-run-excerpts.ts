import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContextExcerpt } from "../core/failure-context.js";
import { maskValuesDeep, redactDeep } from "../core/redact.js";
import { analyzeLog } from "../logs/analyze-log.js";
import type { FetchedLogs, JobMeta } from "./fetched-logs.js";
import { sameOutputOnce } from "./same-output-once.js";

/**
 * Log excerpts of the fix branch's failed run, for `previous_attempt.excerpts`: each failed job's log is
 * analysed within its share of `budgetTokens`, and every excerpt is redacted. A log the analyser cannot
 * read contributes nothing rather than stopping the repair. The same output of several jobs is kept once.
 */
export async function fixRunExcerpts(fetched: FetchedLogs, budgetTokens: number): Promise<ContextExcerpt[]> {
  const perJob = Math.max(100, Math.floor(budgetTokens / Math.max(1, fetched.jobs.length)));
  const out: ContextExcerpt[] = [];
  // A value one job's log registered with `::add-mask::` is masked in every job's excerpts.
  const masked = new Set<string>();
  for (const f of fetched.jobs) {
    const meta = JSON.parse(await readFile(join(fetched.logsDir, f.meta), "utf8")) as JobMeta;
    const analysis = await analyzeLog(createReadStream(join(fetched.logsDir, f.log.file)), { budgetTokens: perJob, steps: meta.steps, masked }).catch(() => null);
    for (const e of analysis?.excerpts ?? []) out.push({ job: f.name, startLine: e.startLine, endLine: e.endLine, reason: e.reason, text: e.text });
  }
  return redactDeep(sameOutputOnce(maskValuesDeep(out, [...masked])));
}
