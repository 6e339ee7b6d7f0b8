import type { JobRepo } from "../job.js";

export interface RunJob {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  runAttempt?: number;
  checkRunId?: number;
  htmlUrl?: string;
  steps: Array<{ number: number; name: string; status: string; conclusion: string | null; startedAt?: string; completedAt?: string }>;
}

export interface Annotation {
  path: string;
  startLine: number;
  endLine: number;
  level: string;
  title?: string;
  message: string;
}

/**
 * GitHub, scoped to one installation. The read side serves the failure context (issue 3); the write side
 * (branch, verified commit, PR, comments) is added by issue 6.
 */
export interface GitHubClient {
  /** `.github/ci-bot.yml` as parsed YAML (org `.github` repo included), or null when there is none. */
  getRepoConfig(repo: JobRepo): Promise<unknown | null>;
  installationToken(): Promise<string>;
  listRunJobs(repo: JobRepo, runId: number, attempt: number): Promise<RunJob[]>;
  /** Streams the plain-text job log (follows the 302 without forwarding credentials). */
  downloadJobLog(repo: JobRepo, jobId: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  listAnnotations(repo: JobRepo, checkRunId: number): Promise<Annotation[]>;
  getFileContent(repo: JobRepo, path: string, ref: string): Promise<string | null>;
  getCommitDiff(repo: JobRepo, sha: string, maxBytes: number): Promise<string | null>;
}

export interface GitHubPort {
  forInstallation(installationId: number): Promise<GitHubClient>;
}
