import { addMaskValues, maskValuesDeep, valueMasker } from "../core/redact.js";
import { BuildEpisodes } from "./build-episodes.js";
import { classify, FLAKY_HINT, type CategoryHit } from "./classify.js";
import { ErrorExtractor } from "./error-extractors.js";
import { EvidenceStore } from "./evidence.js";
import { selectExcerpts } from "./excerpts.js";
import { detectFormat, newLineParts, parseLineInto, timestampOf } from "./line-format.js";
import { detach, readLineBatches } from "./line-reader.js";
import { isFlaky } from "./playwright-extractor.js";
import { mayCarrySignal, reportsPassing } from "./prefilter.js";
import { stronger } from "./signal.js";
import { publicStep, StepTracker } from "./steps.js";
import { dedupeTests } from "./test-names.js";
import { FAILED_COUNT, TestExtractor } from "./test-extractors.js";
import type { AnalyzeOptions, FailedTest, LogAnalysis, LogError, LogFormat, LogStatus, SourceLocation } from "./types.js";

export type { AnalyzeOptions, ApiStep, LogAnalysis } from "./types.js";

const DETECT_LINES = 20;
const TAIL_LINES = 25;
// Lines further up the failing step's output, taken only with budget that no evidence wanted: when the
// error is a block the rules do not know (a tool's own report), the failure point's lead-up still holds it.
const LONG_TAIL_LINES = 150;
const MAX_ERRORS = 2_000;
const MAX_TESTS = 500;
const MAX_LOCATIONS = 500;
const MAX_HITS = 5_000;
/**
 * The extractors read only this much of a line. Their rules were written for lines of normal length, and many
 * backtrack in proportion to the line's length at each position: on the 1 MB line the reader allows (a
 * minified bundle, a progress bar with no `\r`, a test name padded with spaces) one line took minutes. An
 * excerpt shows at most 600 characters of a line (evidence.ts), so what lies further on is never shown anyway.
 */
export const MAX_SCAN_CHARS = 2_000;
/** Evidence of a build the job went on past (build-episodes.ts) counts this much. */
const SURVIVED_WEIGHT = 0.5;
// Jenkins' and GitLab's own verdict on the job, printed as its last line.
const JOB_PASSED = /^(?:Finished: SUCCESS|Job succeeded)$/;
const MAYBE_SUCCESS = /pass|Passed!|SUCCESS|ok|OK|succeeded/;
const SUCCESS = /\bBUILD SUCCESS(?:FUL)?\b|^Finished: SUCCESS|\bAll tests passed\b|^OK(?: \(|$)|^ok\s|\b\d+ passed\b|\bJob succeeded\b|\bTests:\s+\d+ passed, \d+ total|\b\d+ passing\b|^Test run summary: Passed!|Test run with \d+ tests? passed after/;

/**
 * Reads a CI job log once, as a stream, and reports where and why it failed: steps, failing step, error
 * lines, failing tests, source locations, a classification and excerpts that fit a token budget.
 * Memory stays bounded: only candidate lines and a ring of recent lines are kept.
 */
export async function analyzeLog(source: string | AsyncIterable<string | Uint8Array>, opts: AnalyzeOptions = {}): Promise<LogAnalysis> {
  const budget = opts.budgetTokens ?? 4000;
  const evidence = new EvidenceStore();
  const steps = new StepTracker();
  const episodes = new BuildEpisodes();
  const tests = new TestExtractor();
  const errorsX = new ErrorExtractor();
  const errors: (LogError & { score: number })[] = [];
  const failedTests: FailedTest[] = [];
  // go tests whose package's result line is still to come: it names their package, which places their file.
  const awaitingPackage: FailedTest[] = [];
  const locations: (SourceLocation & { score: number; at: number })[] = [];
  const locationKeys = new Set<string>();
  const hits: CategoryHit[] = [];
  const seenText = new Map<string, number>();
  const pending: string[] = [];
  const parts = newLineParts();
  let format: LogFormat = "plain";
  let lineNo = 0;
  let actionsErrors = 0;
  let flakyHints = 0;
  let lastStrongLine = 0;
  let lastTestFailure = 0;
  let lastSuccessLine = 0;
  let jobPassedLine = 0;
  let postStart = 0;
  // Values the job registered with `::add-mask::`: the runner masks them only after the command, and each line
  // is redacted on its own, so a use on another line (an earlier step's output) is masked here, log-wide.
  const registered = opts.masked ?? new Set<string>();

  const handle = (raw: string) => {
    lineNo++;
    const text = parseLineInto(raw, format, parts);
    if (text.includes("::add-mask::")) for (const v of addMaskValues(text)) registered.add(v);
    const scan = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
    episodes.see(lineNo, text);
    const header = format === "plain" ? false : steps.see(lineNo, text, parts.tsTo > 0 && steps.wantsTimestamp(text, parts.stepColumn) ? timestampOf(parts) : undefined, parts.stepColumn);
    // A step header (the `Run` line, the echoed script, env) is not output: it stays out of the evidence.
    if (header) {
      evidence.push(lineNo, text, 0, "");
      return;
    }
    if (text.startsWith("##[error]")) actionsErrors++;
    if (postStart === 0 && (text === "Post job cleanup." || text.startsWith("Cleaning up orphan processes"))) postStart = lineNo;
    // Success summaries only decide the status of plain logs; Actions logs have their own markers.
    // "1 failed, 96 passed" is a failure summary, whatever its passed count says.
    if (format === "plain" && MAYBE_SUCCESS.test(scan) && SUCCESS.test(scan) && !FAILED_COUNT.test(scan)) {
      lastSuccessLine = lineNo;
      if (JOB_PASSED.test(text)) jobPassedLine = lineNo;
    }
    let sig = null;
    // A passing test's title may say "error" or "undefined"; it is not evidence of anything.
    if (mayCarrySignal(scan) && !reportsPassing(scan)) sig = stronger(tests.inspect(scan), errorsX.inspect(scan));
    else sig = tests.track(scan);
    if (!sig) {
      evidence.push(lineNo, text, 0, "");
      return;
    }
    // The same message repeated (retries, summaries, one warning at 150 positions) is worth less each time;
    // numbers are masked so that line and column do not make a repeat look new.
    let score = sig.score;
    if (score >= 5) {
      // A failing test's name is its own: table tests named by their inputs are not one test repeated.
      const key = detach(text.trim().slice(0, 200).replace(/\d+/g, "0")) + (sig.test ? `\0${sig.test.name}` : "");
      const seen = seenText.get(key) ?? 0;
      if (seen > 0) score *= seen === 1 ? 0.6 : 0.3;
      if (seenText.size < 50_000 || seen > 0) seenText.set(key, seen + 1);
    }
    evidence.push(lineNo, text, score, sig.reason);
    if (sig.failure && sig.score >= 8) lastStrongLine = lineNo;
    if (sig.score >= 6 && sig.kind !== "stack-trace") {
      errors.push({ line: lineNo, text: detach(text.trim().slice(0, 500)), kind: sig.kind, score });
      if (errors.length > MAX_ERRORS) pruneBy(errors, (e) => e.score);
    }
    // A failing test whose own message talks about timeouts, races or refused connections may pass on retry.
    if (sig.category === "test" && sig.score >= 9) lastTestFailure = lineNo;
    if (lastTestFailure > 0 && lineNo - lastTestFailure <= 15 && FLAKY_HINT.test(scan)) flakyHints++;
    const last = failedTests.at(-1);
    if (sig.test && last && last.file === undefined && sig.test.file !== undefined && last.name === detach(sig.test.name)) {
      // A test named bare and then its file on the next line of its own (go's log line under `--- FAIL`): one
      // entry, so a run of such tests is not cut at half the cap.
      last.file = detach(sig.test.file);
      if (sig.test.line !== undefined) last.line = sig.test.line;
      if (sig.awaitsPackage && awaitingPackage.at(-1) !== last) awaitingPackage.push(last);
    } else if (sig.test && failedTests.length < MAX_TESTS) {
      const t = sig.test;
      const test: FailedTest = { name: detach(t.name) };
      if (t.file !== undefined) test.file = detach(t.file);
      // The line makes the test a location of its own for the repair context (RSpec's `rspec ./x_spec.rb:12`).
      if (t.line !== undefined) test.line = t.line;
      failedTests.push(test);
      if (sig.awaitsPackage) awaitingPackage.push(test);
    }
    if (sig.goPackage !== undefined) {
      const pkg = detach(sig.goPackage);
      for (const t of awaitingPackage) t.package = pkg;
      awaitingPackage.length = 0;
    }
    if (sig.location && locations.length < MAX_LOCATIONS) {
      const key = `${sig.location.path}:${sig.location.line}`;
      if (!locationKeys.has(key)) {
        locationKeys.add(key);
        locations.push({ ...sig.location, path: detach(sig.location.path), score, at: lineNo });
      }
    }
    if (sig.category && hits.length < MAX_HITS) hits.push({ line: lineNo, category: sig.category, score: sig.score });
    if (sig.kind === "exit-code") {
      const step = steps.stepAt(lineNo) ?? steps.steps.at(-1);
      // The long tail stops at the step's header: its settings are not output, and before it another step ran.
      raiseTail(evidence, 5, 0.12, "failing step tail", Math.max(step ? step.startLine : 0, steps.lastHeaderLine));
      if (step) evidence.raise(step.startLine, step.firstText, 5.5, "failing step command");
      // The script right under this step's Run line, below the errors: the model can do without it, not without the error.
      if (step) for (const [i, c] of steps.commandOf(step).entries()) evidence.raise(c.line, c.text, 4.4 - i * 0.05, "failing step command");
    }
  };

  // The format is decided on the first DETECT_LINES lines (or all of a shorter log), which are then read in it.
  const detectThenHandle = () => {
    format = detectFormat(pending);
    for (const p of pending.splice(0)) handle(p);
  };
  for await (const batch of readLineBatches(source)) {
    for (const raw of batch) {
      if (lineNo === 0 && pending.length < DETECT_LINES) {
        pending.push(raw);
        if (pending.length === DETECT_LINES) detectThenHandle();
        continue;
      }
      handle(raw);
    }
  }
  if (pending.length > 0) detectThenHandle();
  steps.finish(lineNo);
  if (opts.steps?.length) steps.applyApiSteps(opts.steps);

  // Some failures (e.g. Docker actions) leave no `##[error]`: a strong error right before the job wound
  // down still means the last step failed.
  const endOfWork = postStart || lineNo;
  const failedAtEnd = lastStrongLine > 0 && endOfWork - lastStrongLine <= 15;
  const jobPassed = jobPassedLine > 0 && lineNo - jobPassedLine <= 5 && jobPassedLine > lastStrongLine;
  const status = decideStatus(format, actionsErrors, failedTests.length, steps.ended, failedAtEnd, lastStrongLine, lastSuccessLine, jobPassed);
  if (status === "failed" && failedAtEnd && actionsErrors === 0) {
    const st = steps.stepAt(lastStrongLine);
    if (st) st.failed = true;
  }
  const failing = status === "failed" ? steps.failingStep() : null;
  if (status !== "passed" && format === "plain" && lineNo > 0) {
    // No step markers: the end of the log is the best guess for where it stopped.
    const last = evidence.current();
    if (last && last.text !== "") evidence.raise(last.line, last.text, 4, "end of log");
    raiseTail(evidence, 3.9, 0.1, "end of log", 0);
  }
  const kept = evidence.lines();
  // Only a failure has a build that ended the job, for the others to rank below.
  if (status === "failed") for (const k of kept) if (episodes.survived(k.line)) k.score *= SURVIVED_WEIGHT;
  if (status === "failed" && steps.steps.length > 0) {
    for (const k of kept) {
      const st = steps.stepAt(k.line);
      if (failing && st === failing) continue;
      // Evidence outside the failing step ranks below all of it: earlier steps passed, post steps clean up.
      if (!st || st.post || !st.failed) k.score *= st?.post ? 0.2 : 0.35;
    }
  }
  // Before excerpts are chosen: a repeat marker must not quote part of one (as excerpts.ts redacts first).
  if (registered.size) {
    const mask = valueMasker(registered);
    for (const k of kept) k.text = mask(k.text);
  }
  const { excerpts, tokens } = selectExcerpts(kept, budget);
  const inFailing = (line: number) => (failing ? failing.startLine <= line && line <= failing.endLine : true);

  return maskValuesDeep<LogAnalysis>({
    format,
    lines: lineNo,
    status,
    steps: steps.steps.map(publicStep),
    failingStep: failing ? publicStep(failing) : null,
    errors: topByScore(errors, 50, (e) => e.score + (inFailing(e.line) ? 5 : 0)).map(({ line, text, kind }) => ({ line, text, kind })),
    // A test that passed on a retry (flaky) printed its failures like a failing one; the run's summary tells.
    failedTests: dedupeTests(failedTests.filter((t) => !isFlaky(t, tests.passedOnRetry()))),
    locations: topByScore(locations, 50, (l) => l.score + (inFailing(l.at) ? 5 : 0)).map(({ path, line, column }) =>
      column === undefined ? { path, line } : { path, line, column },
    ),
    excerpts,
    excerptTokens: tokens,
    classification: classify(status, hits, inFailing, flakyHints),
  }, [...registered]);
}

function decideStatus(
  format: LogFormat,
  actionsErrors: number,
  tests: number,
  ended: boolean,
  failedAtEnd: boolean,
  lastStrongLine: number,
  lastSuccessLine: number,
  /** A plain log ended in the CI system's own verdict of success (`Finished: SUCCESS`). */
  jobPassed: boolean,
): LogStatus {
  // That verdict outranks anything the job printed: a tool's test fixtures may report failing tests in a job that passed.
  if (jobPassed) return "passed";
  if (format !== "plain") {
    if (actionsErrors > 0 || failedAtEnd) return "failed";
    if (ended) return "passed";
  }
  // Without Actions markers: failing tests, or strong failure evidence not followed by a success summary.
  if (tests > 0 || failedAtEnd || (lastStrongLine > 0 && lastStrongLine > lastSuccessLine)) return "failed";
  return lastSuccessLine > 0 ? "passed" : "unknown";
}

/**
 * Raises the lines before the current one: the nearest TAIL_LINES at `near` falling by `step` a line, then
 * up to LONG_TAIL_LINES at scores below any evidence's, so they only fill budget left over. The long part
 * stops at `fromLine`.
 */
function raiseTail(evidence: EvidenceStore, near: number, step: number, reason: string, fromLine: number): void {
  for (const [i, r] of evidence.tail(LONG_TAIL_LINES).entries()) {
    if (i < TAIL_LINES) evidence.raise(r.line, r.text, near - i * step, reason);
    else if (r.line <= fromLine) break;
    // A passing test's line never explains a failure, however close to it.
    else if (!reportsPassing(r.text)) evidence.raise(r.line, r.text, 1.9 - (i - TAIL_LINES) * 0.005, reason);
  }
}

function pruneBy<T>(items: T[], score: (t: T) => number): void {
  const keep = [...items].sort((a, b) => score(b) - score(a)).slice(0, Math.floor(items.length / 2));
  const set = new Set(keep);
  const filtered = items.filter((i) => set.has(i));
  items.length = 0;
  items.push(...filtered);
}

function topByScore<T extends { line?: number; at?: number }>(items: T[], n: number, score: (t: T) => number): T[] {
  const ranked = [...items].sort((a, b) => score(b) - score(a)).slice(0, n);
  const pos = (t: T) => t.at ?? t.line ?? 0;
  return ranked.sort((a, b) => pos(a) - pos(b));
}
