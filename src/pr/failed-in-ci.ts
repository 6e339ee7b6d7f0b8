import type { FailureContext } from "../core/failure-context.js";

/** What the failed run's log showed: the tests it named as failed, and the log lines around the error. */
export interface FailedInCi {
  tests: Array<{ name: string; file?: string }>;
  /** The failure context's first excerpt that is not the failing step's command line. */
  log?: { job: string; startLine: number; endLine: number; text: string };
}

/** Tests named one by one in the body; the others are counted. */
export const TESTS_SHOWN = 10;

/**
 * Read off the failure context the model was given (already redacted): the reviewer sees the same evidence
 * without opening the run. The command excerpt is skipped, "What failed" names the command already.
 */
export function failedInCiOf(context: FailureContext | undefined): FailedInCi | undefined {
  if (!context) return undefined;
  const tests = context.failed_tests.map(({ name, file }) => (file && !name.includes(file) ? { name, file } : { name }));
  const excerpt = context.excerpts.find((e) => e.reason !== "failing step command" && e.text.trim());
  if (!tests.length && !excerpt) return undefined;
  return { tests, ...(excerpt ? { log: { job: excerpt.job, startLine: excerpt.startLine, endLine: excerpt.endLine, text: excerpt.text } } : {}) };
}

/** The lines of an excerpt shown, at most `max`: its end, where a runner prints the error and its summary. */
export function shownLogLines(text: string, max: number): { lines: string[]; cut: number } {
  const lines = text.split("\n");
  const cut = Math.max(0, lines.length - max);
  return { lines: lines.slice(cut), cut };
}
