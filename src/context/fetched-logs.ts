import type { Annotation, RunJob } from "../core/ports/github-port.js";

/**
 * Workflow files are a few KB; a head commit can hold one of any size, and all of it would be held and
 * YAML-parsed once per failed job. 1 MiB is far above any real workflow.
 */
export const WORKFLOW_MAX_BYTES = 1024 * 1024;

/**
 * What `fetch-logs` leaves for `build-context`: small enough for the job record. The logs themselves,
 * the API steps and the annotations are files in `logsDir` (beside the checkout), removed by build-context
 * once it has written the redacted context (see removeRawLogs); the workflow file stays for validation.
 */
export interface FetchedLogs {
  logsDir: string;
  /** `note` says why a workflow file that exists was not used (e.g. over WORKFLOW_MAX_BYTES). */
  workflow: { path?: string; file?: string; found: boolean; note?: string };
  jobs: FetchedJob[];
  /** Failed jobs beyond the per-run cap, by name (not downloaded). */
  skippedJobs: string[];
}

export interface FetchedJob {
  id: number;
  name: string;
  conclusion: string | null;
  htmlUrl?: string;
  checkRunId?: number;
  /** Kept log (file name inside logsDir) and what was cut from it. */
  log: { file: string; totalBytes: number; keptBytes: number; truncated: boolean };
  /** `{ steps, annotations }` as JSON (file name inside logsDir). */
  meta: string;
  annotations: number;
  failingStep?: FailingStep;
}

export interface FailingStep {
  number: number;
  name: string;
  /** The step's full `run:` script from the workflow file at head_sha, when it is a run step. */
  command?: string;
  uses?: string;
  shell?: string;
  workingDirectory?: string;
  /** The header the log shows for it (`##[group]Run <first line>`), and its 1-based line in the kept log. */
  logHeader?: string;
  logLine?: number;
  /**
   * How many tests its part of the log says ran (stepTestsRan), when it prints a summary; "cut" when the kept
   * log lost lines of that part. Read here: build-context removes the raw logs, and validation compares it.
   */
  testsRan?: number | "cut";
}

export interface JobMeta {
  steps: RunJob["steps"];
  annotations: Annotation[];
}
