/** A checkout of the failing commit, private to one job. Owned by issue 3 (adapters/workspace). */
export interface Workspace {
  jobId: string;
  dir: string;
}

export interface CloneRequest {
  jobId: string;
  /** https clone URL of the repository (no credentials in it). */
  url: string;
  ref: string;
  sha: string;
  /** Installation token; used for auth only, never written to disk. */
  token: string;
  signal?: AbortSignal;
}

export interface WorkspacePort {
  clone(req: CloneRequest): Promise<Workspace>;
  get(jobId: string): Promise<Workspace | undefined>;
  remove(jobId: string): Promise<void>;
  /**
   * Removes workspaces left behind by a previous process (called at start-up), but those of `keepJobIds`;
   * of those, the jobs in `rawLogsDone` (past build-context) lose their raw logs, kept by an older version
   * or a process that died before it removed them.
   */
  sweep(keepJobIds: ReadonlySet<string>, rawLogsDone?: ReadonlySet<string>): Promise<number>;
}
