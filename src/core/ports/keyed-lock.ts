/**
 * Mutual exclusion per key, across every process that shares the adapter's backing (one process for the
 * in-memory lock, a fleet for Redis). What the pipeline serialises with it: the decisions one repository's
 * jobs take from each other's records (the open sibling fix PR, MAX_OPEN_FIX_PRS_PER_REPO), which must not
 * be taken by two jobs at the same moment, however many run at once.
 */
export interface KeyedLock {
  /**
   * Takes the lock on `key`, waiting up to `waitMs` for its holder to release it. Undefined when it is
   * still held by then (or `signal` aborted the wait): the caller tries again later, it does not go on.
   * `ttlMs`: how long this hold outlives a holder that stopped renewing it (a killed worker), where the
   * adapter's holds expire at all; the adapter's own by default.
   */
  acquire(key: string, opts: { waitMs: number; signal?: AbortSignal; ttlMs?: number }): Promise<LockHold | undefined>;
  /** Lets go of what this adapter holds (timers, its own connection); holds not released are left to expire. */
  close(): Promise<void>;
}

export interface LockHold {
  readonly key: string;
  /**
   * Ends the hold: only this hold's, by its token, so a hold that expired and whose key another caller
   * took since releases nothing of theirs. Calling it again does nothing.
   */
  release(): Promise<void>;
}
