/** Shapes of the log analyser's public result. Kept in one file so callers import types without the analyser. */

export type LogFormat = "github-raw" | "gh-run-view" | "plain";
export type LogStatus = "failed" | "passed" | "unknown";
export type Classification = "test" | "compile" | "lint" | "dependency" | "infra" | "flaky-suspect" | "unknown";
export type ErrorKind =
  | "actions-error"
  | "exit-code"
  | "test-failure"
  | "compile"
  | "lint"
  | "dependency"
  | "infra"
  | "exception"
  | "stack-trace"
  | "build-failure"
  | "error";

/** One step of the job as returned by the GitHub API (`jobs[].steps[]`), camel-cased. */
export interface ApiStep {
  number: number;
  name: string;
  conclusion?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
}

export interface LogStep {
  name: string;
  startLine: number;
  endLine: number;
  exitCode: number | null;
  failed: boolean;
}

export interface LogError {
  line: number;
  text: string;
  kind: ErrorKind;
}

export interface FailedTest {
  name: string;
  file?: string;
  line?: number;
  /**
   * go: the import path of the test's package, from the package's `FAIL <pkg>` line after its report. go
   * prints only the base name of `file`, which is in that package's directory.
   */
  package?: string;
}

export interface SourceLocation {
  path: string;
  line: number;
  column?: number;
}

export interface Excerpt {
  startLine: number;
  endLine: number;
  reason: string;
  text: string;
}

export interface LogAnalysis {
  format: LogFormat;
  lines: number;
  status: LogStatus;
  steps: LogStep[];
  failingStep: LogStep | null;
  errors: LogError[];
  failedTests: FailedTest[];
  locations: SourceLocation[];
  excerpts: Excerpt[];
  excerptTokens: number;
  classification: Classification;
}

export interface AnalyzeOptions {
  /** Token budget for all excerpts together (default 4000). */
  budgetTokens?: number;
  /** Steps from the GitHub API, used to name the sections of the log. */
  steps?: ApiStep[];
  /**
   * Values registered with `::add-mask::`: those of other logs the caller read (masked in this one too), and
   * this log's are added, for the caller to mask in what it read beside it (annotations, the run's other logs).
   * Secrets: kept in memory only, never stored.
   */
  masked?: Set<string>;
}
