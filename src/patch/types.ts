import type { RepoConfig } from "../config/repo-config.js";

/** One line of a hunk, without its diff prefix and without a trailing `\r`. */
export interface HunkLine {
  kind: " " | "+" | "-";
  text: string;
  /** A `\ No newline at end of file` marker followed this line. */
  noEol?: boolean;
}

export interface Hunk {
  /** The `@@ … @@` header as the model wrote it (shown in refusals). */
  header: string;
  /** 1-based line where the old side starts; 0 for an empty old side. Only a hint: the applier searches around it. */
  oldStart: number;
  lines: HunkLine[];
}

export type FileStatus = "added" | "modified" | "deleted" | "renamed";

export interface FilePatch {
  status: FileStatus;
  /** Path before the change (equals `path` unless renamed); null for added files. */
  oldPath: string | null;
  /** Path after the change; for deleted files the path being deleted. */
  path: string;
  oldMode?: string;
  newMode?: string;
  binary: boolean;
  hunks: Hunk[];
}

export type RuleId =
  | "no_diff"
  | "malformed_diff"
  | "path_outside_repo"
  | "git_dir"
  | "bot_config"
  | "symlink"
  | "submodule"
  | "binary"
  | "target_missing"
  | "target_exists"
  | "hunk_failed"
  | "too_many_files"
  | "too_many_lines"
  | "too_large"
  | "secret"
  | "redacted_text"
  | "workflow_invalid"
  | "workflow_edits"
  | "delete_tests"
  | "skip_tests"
  | "weaken_assertions"
  | "continue_on_error"
  | "or_true"
  | "lower_thresholds"
  | "read_secrets"
  | "hidden_text";

export type AllowKey = keyof RepoConfig["allow"];

export interface Refusal {
  rule: RuleId;
  file?: string;
  hunk?: string;
  reason: string;
}

export interface ChangedFile {
  path: string;
  status: FileStatus;
  from?: string;
  additions: number;
  deletions: number;
}

/** A rule that would have refused the patch but the repository's `allow.*` config let it through. */
export interface Override {
  rule: AllowKey;
  file: string;
  reason: string;
}

/** What an allowed patch changes, and which repo-config overrides let it. */
export interface AppliedPatch {
  ok: true;
  files: ChangedFile[];
  /** Rule ids (= `allow.*` keys) that were overridden by repo config; the PR body names them. */
  overrides: string[];
  overrideDetails: Override[];
  additions: number;
  deletions: number;
}

export type ApplyResult = AppliedPatch | { ok: false; refusal: Refusal };

/** Git tree modes, as the GitHub git-trees API wants them. */
export type FileMode = "100644" | "100755";

export interface PlannedChange {
  path: string;
  status: FileStatus;
  from?: string;
  /** New full content (UTF-8 text); null when the file is deleted. */
  content: string | null;
  mode: FileMode;
}

export type PlanResult = (AppliedPatch & { changes: PlannedChange[] }) | { ok: false; refusal: Refusal };

export interface PatchOptions {
  config: RepoConfig;
  dryRun?: boolean;
}

/** What a path held before the patch: needed to write, to roll back and to diff. */
export interface Original {
  data: Buffer | null;
  /** Permission bits on disk (0 when absent). */
  perm: number;
}

/** A path as planned so far: the patch's hunks are applied in memory before anything is written. */
export interface VFile {
  content: string | null;
  mode: FileMode;
}

/** How a whole-file check reports a finding; `needle` is text of the change that picks the hunk it names. */
export type Add = (rule: AllowKey, reason: string, needle?: string) => void;
