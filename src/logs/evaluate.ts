import { createHash } from "node:crypto";
import { openLogFile } from "./open-log-file.js";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { analyzeLog } from "./analyze-log.js";
import { countTokens } from "./count-tokens.js";
import { detectFormat, parseLine } from "./line-format.js";
import { normalizeTestName, sameTest } from "./test-names.js";
import type { LogAnalysis } from "./types.js";

/** One row of a `ci-logs/manifest.jsonl`-style manifest (only the fields the evaluation reads). */
export interface ManifestCase {
  id: string;
  log: string;
  expected?: { status?: string } | null;
  failed_tests?: string[] | null;
  error_spans?: { kind: string; start: number; end: number }[] | null;
  /** A passing run of the same job (CiDiff cases): one more negative for the status check. */
  passing_log?: string | null;
  /** Which source the case is totalled under; without it, told from a ci-logs id (else "other"). */
  group?: CaseGroup;
}

const GROUPS = ["bugswarm", "cidiff", "terraform", "other"] as const;
export type CaseGroup = (typeof GROUPS)[number];

export interface CaseResult {
  id: string;
  group: CaseGroup;
  expectedStatus: string | null;
  status: string;
  errorLines: number;
  errorHits: number;
  baselineErrorHits: number;
  /** The most labelled lines an excerpt of the budget can hold: the cheapest first, each at its own tokens. */
  ceilingErrorHits: number;
  testsLabelled: number;
  testsFound: number;
  testsMatchedLabels: number;
  testsMatchedFound: number;
  baselineTestsMatched: number;
  tokens: number;
  baselineTokens: number;
  baselineSaysFailing: boolean;
  /** Status we report for the case's passing run, when it has one. */
  passingLogStatus?: string;
  baselinePassingLogSaysFailing?: boolean;
  duplicateOf?: string;
}

export interface GroupTotals {
  cases: number;
  errorLineRecall: number | null;
  baselineErrorLineRecall: number | null;
  meanCaseErrorLineRecall: number | null;
  baselineMeanCaseErrorLineRecall: number | null;
  /** Per-case recall no excerpt of the budget can pass without repeat markers (`ceilingErrorHits`). */
  ceilingMeanCaseErrorLineRecall: number | null;
  testRecall: number | null;
  testPrecision: number | null;
  baselineTestRecall: number | null;
  okCases: number;
  passingAsFailing: number | null;
  baselinePassingAsFailing: number | null;
  /** The same check over the passing runs that come with CiDiff cases. */
  passingRuns: number;
  passingRunsAsFailing: number | null;
  baselinePassingRunsAsFailing: number | null;
  meanTokens: number;
  baselineMeanTokens: number;
}

/** The ci-logs sources, told apart by id prefix; any other manifest's cases are "other". */
export function groupOf(id: string): CaseGroup {
  if (id.startsWith("cidiff-terraform")) return "terraform";
  if (id.startsWith("cidiff")) return "cidiff";
  return id.startsWith("bugswarm") ? "bugswarm" : "other";
}

/** Parses a manifest; each bad line is reported with its number so the file can be fixed. */
export function parseManifest(text: string): ManifestCase[] {
  const out: ManifestCase[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`manifest line ${i + 1} is not valid JSON; each line must be one JSON object`);
    }
    const r = row as ManifestCase;
    if (typeof r?.id !== "string" || typeof r?.log !== "string") throw new Error(`manifest line ${i + 1} needs string fields "id" and "log"`);
    if (r.group !== undefined && !GROUPS.includes(r.group)) throw new Error(`manifest line ${i + 1}: "group" must be one of ${GROUPS.join(", ")}`);
    out.push(r);
  });
  return out;
}

export async function evaluateCase(c: ManifestCase, baseDir: string, budgetTokens: number): Promise<{ result: CaseResult; hash: string; analysis: LogAnalysis }> {
  const path = resolve(baseDir, c.log);
  const bytes = await readFile(path);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const analysis = await analyzeLog(openLogFile(path), { budgetTokens });
  const shown = shownLines(bytes.toString("utf8"));
  const baseline = tailBaseline(shown, budgetTokens);

  const inExcerpt = new Set<number>();
  for (const e of analysis.excerpts) for (let l = e.startLine; l <= e.endLine; l++) inExcerpt.add(l);
  const errorLines = new Set<number>();
  for (const s of c.error_spans ?? []) if (s.kind === "error") for (let l = s.start; l <= s.end; l++) errorLines.add(l);
  let errorHits = 0;
  let baselineErrorHits = 0;
  for (const l of errorLines) {
    if (inExcerpt.has(l)) errorHits++;
    if (l >= baseline.firstLine) baselineErrorHits++;
  }

  const labels = uniqueNames(c.failed_tests ?? []);
  // A file that failed as a whole (jest's suite that failed to run, pytest's collection error) is listed by
  // some labels (BugSwarm's pytest cases) and not by others (its jest cases count only tests that ran): it
  // counts as found where a label names it, and is no wrong name where none does.
  const wholeFiles = new Set(analysis.failedTests.filter((t) => t.file !== undefined && t.name === t.file).map((t) => normalizeTestName(t.name)));
  const found = uniqueNames(analysis.failedTests.map((t) => t.name)).filter((f) => !wholeFiles.has(f) || labels.some((l) => sameTest(l, f)));
  const testsMatchedLabels = labels.filter((l) => found.some((f) => sameTest(l, f))).length;
  const testsMatchedFound = found.filter((f) => labels.some((l) => sameTest(l, f))).length;
  const tailLower = baseline.text.toLowerCase();
  const baselineTestsMatched = labels.filter((l) => tailLower.includes(lastPart(l))).length;

  let passing: { passingLogStatus: string; baselinePassingLogSaysFailing: boolean } | undefined;
  if (c.passing_log) {
    const p = resolve(baseDir, c.passing_log);
    const a = await analyzeLog(openLogFile(p), { budgetTokens });
    const tail = tailBaseline(shownLines(await readFile(p, "utf8")), budgetTokens);
    passing = { passingLogStatus: a.status, baselinePassingLogSaysFailing: /error|fail/i.test(tail.text) };
  }

  return {
    hash,
    analysis,
    result: {
      ...passing,
      id: c.id,
      group: c.group ?? groupOf(c.id),
      expectedStatus: c.expected?.status ?? (c.error_spans ? "broken" : null),
      status: analysis.status,
      errorLines: errorLines.size,
      errorHits,
      baselineErrorHits,
      ceilingErrorHits: labelCeiling(shown, errorLines, budgetTokens),
      testsLabelled: c.failed_tests == null ? -1 : labels.length,
      testsFound: found.length,
      testsMatchedLabels,
      testsMatchedFound,
      baselineTestsMatched,
      tokens: analysis.excerptTokens,
      baselineTokens: baseline.tokens,
      baselineSaysFailing: /error|fail/i.test(baseline.text),
    },
  };
}

/** A log's lines as an excerpt shows them (timestamps and colours gone), each with what it costs there. */
interface ShownLines {
  count: number;
  text: (i: number) => string;
  /** Its tokens plus the newline. */
  cost: (i: number) => number;
}

function shownLines(log: string): ShownLines {
  const raw = log.split("\n");
  if (raw.at(-1) === "") raw.pop();
  const format = detectFormat(raw.slice(0, 20));
  const text = (i: number) => parseLine((raw[i] ?? "").replace(/\r$/, ""), format).text;
  // The tail and the labelled lines overlap near the end: each line is counted once.
  const costs = new Map<number, number>();
  const cost = (i: number) => {
    let c = costs.get(i);
    if (c === undefined) costs.set(i, (c = countTokens(text(i)) + 1));
    return c;
  };
  return { count: raw.length, text, cost };
}

/** The naive baseline: as many last lines of the log as fit the budget. */
export function tailBaseline(lines: ShownLines, budgetTokens: number): { firstLine: number; text: string; tokens: number } {
  const kept: string[] = [];
  let tokens = 0;
  let first = lines.count + 1;
  for (let i = lines.count - 1; i >= 0; i--) {
    const c = lines.cost(i);
    if (tokens + c > budgetTokens) break;
    tokens += c;
    kept.push(lines.text(i));
    first = i + 1;
  }
  return { firstLine: first, text: kept.reverse().join("\n"), tokens };
}

/**
 * How many of the labelled lines (1-based) one excerpt of `budgetTokens` can hold at most: the cheapest lines
 * first, each at what it costs in an excerpt. Where labels are longer than the budget (a thousand lines of
 * stack traces) this is below 1, and only repeat markers pass it.
 */
export function labelCeiling(lines: ShownLines, labelled: Set<number>, budgetTokens: number): number {
  const costs = [...labelled].map((l) => lines.cost(l - 1)).sort((a, b) => a - b);
  let spent = 0;
  let n = 0;
  for (const c of costs) {
    if (spent + c > budgetTokens) break;
    spent += c;
    n++;
  }
  return n;
}

export function totals(rows: CaseResult[]): GroupTotals {
  const counted = rows.filter((r) => !r.duplicateOf);
  const withE = counted.filter((r) => r.errorLines > 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const mean = (xs: number[]) => (xs.length === 0 ? null : sum(xs) / xs.length);
  const withTests = counted.filter((r) => r.testsLabelled >= 0 && r.expectedStatus !== "ok");
  const ok = counted.filter((r) => r.expectedStatus === "ok");
  const runs = counted.filter((r) => r.passingLogStatus !== undefined);
  return {
    cases: counted.length,
    errorLineRecall: ratio(sum(withE.map((r) => r.errorHits)), sum(withE.map((r) => r.errorLines))),
    baselineErrorLineRecall: ratio(sum(withE.map((r) => r.baselineErrorHits)), sum(withE.map((r) => r.errorLines))),
    meanCaseErrorLineRecall: mean(withE.map((r) => r.errorHits / r.errorLines)),
    baselineMeanCaseErrorLineRecall: mean(withE.map((r) => r.baselineErrorHits / r.errorLines)),
    ceilingMeanCaseErrorLineRecall: mean(withE.map((r) => r.ceilingErrorHits / r.errorLines)),
    testRecall: ratio(sum(withTests.map((r) => r.testsMatchedLabels)), sum(withTests.map((r) => r.testsLabelled))),
    testPrecision: ratio(sum(withTests.map((r) => r.testsMatchedFound)), sum(withTests.map((r) => r.testsFound))),
    baselineTestRecall: ratio(sum(withTests.map((r) => r.baselineTestsMatched)), sum(withTests.map((r) => r.testsLabelled))),
    okCases: ok.length,
    passingAsFailing: ok.length === 0 ? null : ok.filter((r) => r.status === "failed").length / ok.length,
    baselinePassingAsFailing: ok.length === 0 ? null : ok.filter((r) => r.baselineSaysFailing).length / ok.length,
    passingRuns: runs.length,
    passingRunsAsFailing: runs.length === 0 ? null : runs.filter((r) => r.passingLogStatus === "failed").length / runs.length,
    baselinePassingRunsAsFailing: runs.length === 0 ? null : runs.filter((r) => r.baselinePassingLogSaysFailing).length / runs.length,
    meanTokens: mean(counted.map((r) => r.tokens)) ?? 0,
    baselineMeanTokens: mean(counted.map((r) => r.baselineTokens)) ?? 0,
  };
}

export async function evaluateManifest(manifestPath: string, budgetTokens: number, onCase?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const cases = parseManifest(await readFile(manifestPath, "utf8"));
  const baseDir = dirname(manifestPath);
  const byHash = new Map<string, string>();
  const rows: CaseResult[] = [];
  for (const c of cases) {
    const { result, hash } = await evaluateCase(c, baseDir, budgetTokens);
    // Byte-identical logs are one case: count the first, list the rest as duplicates.
    const dup = byHash.get(hash);
    if (dup) result.duplicateOf = dup;
    else byHash.set(hash, c.id);
    rows.push(result);
    onCase?.(result);
  }
  return rows;
}

function uniqueNames(names: string[]): string[] {
  return [...new Set(names.map(normalizeTestName))];
}

function lastPart(normalised: string): string {
  const parts = normalised.split(/[. ]/).filter(Boolean);
  return parts.at(-1) ?? normalised;
}
