import type { Job, JobState } from "../../core/job.js";
import type { UnfinishedScope } from "../../core/ports/job-store.js";
import { JOB_STATES, hasPendingFeedback } from "../../core/job.js";

/** The few fields of a job that lookups, listing and counting need, kept in memory by the file-backed store. */
export interface IndexEntry {
  id: string;
  key: string;
  state: JobState;
  repoId: number;
  repo: string;
  /** Absent from entries archived before it was kept: those jobs are final, and never looked up by it. */
  installationId?: number;
  fingerprint: string;
  createdAt: string;
  updatedAt: string;
  /** Set while a feedback item waits to be sent: the outbox resends from this, whatever the job's age. */
  pendingFeedback?: true;
}

export const toIndexEntry = (job: Job): IndexEntry => ({
  id: job.id,
  key: job.key,
  state: job.state,
  repoId: job.repo.id,
  repo: job.repo.fullName,
  installationId: job.installationId,
  fingerprint: job.fingerprint,
  createdAt: job.createdAt,
  updatedAt: job.updatedAt,
  ...(hasPendingFeedback(job) ? { pendingFeedback: true as const } : {}),
});

/**
 * In-memory index over every stored job: key → id for idempotent intake, fingerprint counts for the
 * fix-loop guard, and per-state counts for metrics. Shared by the memory and lowdb stores.
 */
export class JobIndex {
  readonly byId = new Map<string, IndexEntry>();
  readonly #byKey = new Map<string, string>();
  readonly #fingerprints = new Map<string, number>();
  /** When each fingerprint was last cleared (ISO): only jobs created after it count. */
  readonly #clearedAt = new Map<string, string>();

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  idForKey(key: string): string | undefined {
    return this.#byKey.get(key);
  }

  put(entry: IndexEntry): void {
    const prev = this.byId.get(entry.id);
    if (!prev && this.#counts(entry)) {
      const fp = `${entry.repoId}:${entry.fingerprint}`;
      this.#fingerprints.set(fp, (this.#fingerprints.get(fp) ?? 0) + 1);
    }
    this.byId.set(entry.id, entry);
    this.#byKey.set(entry.key, entry.id);
  }

  /** Takes back a claim whose record could not be written (the job was never stored). */
  remove(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.byId.delete(id);
    if (this.#byKey.get(e.key) === id) this.#byKey.delete(e.key);
    if (!this.#counts(e)) return;
    const fp = `${e.repoId}:${e.fingerprint}`;
    const n = (this.#fingerprints.get(fp) ?? 1) - 1;
    if (n > 0) this.#fingerprints.set(fp, n);
    else this.#fingerprints.delete(fp);
  }

  /** Counts the fingerprint from zero: jobs created up to `at` no longer count (also those put later, on load). */
  clearFingerprint(repoId: number, fingerprint: string, at: string): void {
    const fp = `${repoId}:${fingerprint}`;
    const prev = this.#clearedAt.get(fp);
    if (prev && prev >= at) return;
    this.#clearedAt.set(fp, at);
    let n = 0;
    for (const e of this.byId.values()) if (e.repoId === repoId && e.fingerprint === fingerprint && e.createdAt > at) n++;
    if (n > 0) this.#fingerprints.set(fp, n);
    else this.#fingerprints.delete(fp);
  }

  #counts(e: IndexEntry): boolean {
    const at = this.#clearedAt.get(`${e.repoId}:${e.fingerprint}`);
    return at === undefined || e.createdAt > at;
  }

  countFingerprint(repoId: number, fingerprint: string): number {
    return this.#fingerprints.get(`${repoId}:${fingerprint}`) ?? 0;
  }

  countByState(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const e of this.byId.values()) counts[e.state]++;
    return counts;
  }

  /** Newest first, filtered. */
  query(q: { state?: JobState; repo?: string; repoId?: number; limit?: number }): IndexEntry[] {
    const out: IndexEntry[] = [];
    const limit = q.limit ?? 50;
    const all = [...this.byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    for (const e of all) {
      if (q.state && e.state !== q.state) continue;
      if (q.repo && e.repo.toLowerCase() !== q.repo.toLowerCase()) continue;
      if (q.repoId !== undefined && e.repoId !== q.repoId) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  withPendingFeedback(): string[] {
    const out: string[] = [];
    for (const e of this.byId.values()) if (e.pendingFeedback) out.push(e.id);
    return out;
  }

  unfinishedOf(scope: UnfinishedScope): IndexEntry[] {
    const repos = scope.repoIds && new Set(scope.repoIds);
    return this.unfinished().filter((e) => e.installationId === scope.installationId && (!repos || repos.has(e.repoId)));
  }

  unfinished(): IndexEntry[] {
    return [...this.byId.values()]
      .filter((e) => e.state !== "completed" && e.state !== "failed")
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }
}
