import { analyzeLog } from "../logs/analyze-log.js";
import { redact } from "../core/redact.js";
import type { CommandResult } from "./validate-workspace.js";

/** More names than a maintainer reads on one line; the command's output tail is kept beside them anyway. */
const MAX_NAMES = 20;

/**
 * The tests the last failing validation command names as failed (the log analyser's test extractors, read
 * over the stored tail of its output), for a person comparing a job's patch tries: "which tests were still
 * red with this patch" reads faster than the tail. Empty when the tail names none (a build or lint error,
 * a runner the extractors do not know, the list cut off with the tail's head). Redacted: names are output.
 */
export async function failingTestsOf(runs: readonly CommandResult[]): Promise<string[]> {
  const run = [...runs].reverse().find((r) => r.phase === "validate" && r.exitCode !== 0);
  if (!run?.outputTail.trim()) return [];
  const analysis = await analyzeLog(run.outputTail);
  return [...new Set(analysis.failedTests.map((t) => redact(t.name)))].slice(0, MAX_NAMES);
}
