/**
 * What the model is shown about a failure. Built by the `build-context` stage, sent as the input of the
 * TensorZero function `fix_ci_failure` (its input schema in tensorzero/config must accept exactly this),
 * and read by validation (the failing step's command). Every string in it has been redacted.
 */
export type FailureClass = "test" | "compile" | "lint" | "dependency" | "infra" | "flaky-suspect" | "unknown";

export interface ContextExcerpt {
  job: string;
  startLine: number;
  endLine: number;
  reason: string;
  text: string;
}

export interface FailureContext {
  repo: { full_name: string; default_branch?: string };
  run: { id: number; attempt: number; workflow?: string; workflow_path?: string; head_sha: string; head_branch: string; url?: string };
  failing_jobs: Array<{
    name: string;
    id?: number;
    failing_step?: string;
    command?: string;
    exit_code?: number;
    log_truncated?: boolean;
  }>;
  classification: FailureClass;
  excerpts: ContextExcerpt[];
  failed_tests: Array<{ name: string; file?: string; line?: number }>;
  locations: Array<{ path: string; line: number; column?: number; message?: string }>;
  annotations?: Array<{ path: string; line: number; level: string; message: string }>;
  head_commit_diff?: string;
  languages: string[];
  manifests: Array<{ path: string; excerpt?: string }>;
  test_config?: Array<{ path: string; excerpt?: string }>;
  snippets: Array<{ path: string; startLine: number; endLine: number; text: string }>;
  /** Previous attempt in the same episode (second repair after CI failed on the fix branch). */
  previous_attempt?: { patch: string; outcome: string; excerpts?: ContextExcerpt[] };
  budget: { tokens: number; used: number; dropped: string[] };
}
