import { existsSync, mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../../core/errors.js";
import { freeBytes, mb } from "../../core/free-bytes.js";
import type { Job, JobState } from "../../core/job.js";
import type { Logger } from "../../core/ports/logger.js";
import { isFinal } from "../../core/job.js";
import type { Delivery, FingerprintCap, JobQuery, JobStore, StoreWarning, UnfinishedScope, UpdateOptions } from "../../core/ports/job-store.js";
import { AppendLog, type FileSync, type LogPosition } from "./append-log.js";
import { JobArchive } from "./job-archive.js";
import { DeferredDocuments } from "./deferred-documents.js";
import { JobDocuments } from "./job-documents.js";
import { decodeIntakeRecord, encodeIntakeRecord, journalFiles, journalLines } from "./intake-journal.js";
import { RecentDeliveries } from "./recent-deliveries.js";
import { FingerprintClears, type FingerprintClear } from "./fingerprint-clears.js";
import { KeyedSerial } from "../../core/keyed-serial.js";
import { JobIndex, toIndexEntry, type IndexEntry } from "./job-index.js";
import { fsyncPath } from "./fsync-path.js";
import { releaseDataDirLock, takeDataDirLock } from "./data-dir-lock.js";
import { WritesInFlight, type WriteInFlight } from "./writes-in-flight.js";

export interface LowdbStoreOptions {
  /** fdatasync the intake journal before acknowledging (default true; off only for throwaway benches). */
  fsync?: boolean;
  now?: () => number;
  retentionDays?: number;
  /**
   * Open without taking the single-writer lock: for the CLI to read while a server owns the directory.
   * Creates nothing: a directory with no store reads as an empty one (see `LowdbJobStore.exists`).
   */
  readOnly?: boolean;
  /** Flushes one file or folder to disk (default: open and fsync; tests observe the order). */
  syncPath?: (path: string) => Promise<void>;
  /** Makes the intake journal's batches durable (default: fdatasync; tests make it fail). */
  journalSync?: FileSync;
  /** Where writes behind intake that keep failing (a full disk) are said, once per outage. */
  logger?: Logger;
}

/**
 * The embedded store (`npm start` with no Redis). lowdb rewrites a whole document on every write, so no
 * document may grow with history:
 *  - each job is its own small lowdb document, `jobs/<id>.json` (a state change rewrites ~2 KB);
 *  - each delivery, with its raw payload, is appended to a daily journal `journal/<day>.ndjson` and
 *    fdatasync'ed (group commit) before the webhook is acknowledged; start-up replays the journal past the
 *    last checkpoint, so a job whose file was not written before a crash is recreated;
 *  - `compact()` moves final jobs older than the retention window to `archive/<month>.ndjson` and drops
 *    journal days past it, so the live set stays small;
 *  - `fingerprints.json` (when each failure last went green) grows by one short entry per branch whose
 *    failures went green, and is written only then, never on the webhook path of a failure.
 * lowdb is single-process: a lock file keeps a second writer out (use REDIS_URL for several processes).
 */
export class LowdbJobStore implements JobStore {
  readonly kind = "lowdb";
  readonly #dir: string;
  readonly #opts: Required<Omit<LowdbStoreOptions, "readOnly" | "journalSync" | "logger">> & { readOnly: boolean; logger?: Logger };
  readonly #index = new JobIndex();
  readonly #docs: JobDocuments;
  /** Read-modify-write of one job is serialised per job id. */
  readonly #serial = new KeyedSerial();
  readonly #archive: JobArchive;
  readonly #recent = new RecentDeliveries();
  readonly #journal: AppendLog;
  /** Jobs whose intake record is being appended: a duplicate arriving meanwhile is answered with them. */
  readonly #claimed = new Map<string, Job>();
  /** Jobs created at intake whose own document is not written yet, and the checkpoint. */
  #deferred!: DeferredDocuments;
  #clears!: FingerprintClears;
  #closed = false;
  readonly #writes: WritesInFlight;

  private constructor(dir: string, opts: LowdbStoreOptions) {
    this.#dir = dir;
    const now = opts.now ?? Date.now;
    this.#writes = new WritesInFlight(now);
    const track = this.#writes.track;
    const syncPath = opts.syncPath ?? fsyncPath;
    this.#opts = { fsync: opts.fsync ?? true, now, retentionDays: opts.retentionDays ?? 30, readOnly: opts.readOnly ?? false, syncPath: (p) => track("fsync", p, syncPath(p)), logger: opts.logger };
    this.#journal = new AppendLog(join(dir, "journal"), { fsync: this.#opts.fsync, now: this.#opts.now, create: !this.#opts.readOnly, syncPath: this.#opts.syncPath, sync: opts.journalSync, track });
    this.#archive = new JobArchive(join(dir, "archive"), this.#opts.syncPath);
    this.#docs = new JobDocuments(join(dir, "jobs"), this.#opts.syncPath, track);
  }

  static async open(dataDir: string, opts: LowdbStoreOptions = {}): Promise<LowdbJobStore> {
    // A reader must not leave an empty store behind: `jobs list` on a mistyped DATA_DIR would create one.
    if (!opts.readOnly) for (const sub of ["jobs", "journal", "archive"]) mkdirSync(join(dataDir, sub), { recursive: true });
    const store = new LowdbJobStore(dataDir, opts);
    if (!store.#opts.readOnly) takeDataDirLock(dataDir);
    try {
      await store.#load();
    } catch (err) {
      // A start that failed owns nothing: while this process lives on (the CLI printing why), others must get in.
      if (!store.#opts.readOnly) releaseDataDirLock(dataDir);
      throw err;
    }
    return store;
  }

  /** Whether `dataDir` holds a store (a server has opened it for writing at least once). */
  static exists(dataDir: string): boolean {
    return existsSync(join(dataDir, "jobs")) || existsSync(join(dataDir, "journal"));
  }

  async #load(): Promise<void> {
    this.#deferred = await DeferredDocuments.open(this.#dir, this.#docs, this.#serial, this.#opts.fsync, { now: this.#opts.now, logger: this.#opts.logger, track: this.#writes.track });
    this.#clears = await FingerprintClears.open(this.#dir);
    // Before any job is put in the index, so that jobs from before a clear are not counted.
    for (const c of this.#clears.all()) this.#index.clearFingerprint(c.repoId, c.fingerprint, c.at);

    const archived = this.#archive.load();
    // Archived, then a crash before its document was deleted: the archive holds it, and compaction never looks
    // at an archived job again, so the owner removes it here, once the archive is durable (the crash may have
    // come before compaction's sync).
    const leftBehind: string[] = [];
    const replaced = (id: string) => {
      if (!this.#archive.has(id)) return false;
      leftBehind.push(id);
      return true;
    };
    const unreadable: string[] = [];
    for (const job of this.#docs.loadAll(!this.#opts.readOnly, replaced, (f) => unreadable.push(f))) this.#index.put(toIndexEntry(job));
    if (leftBehind.length && !this.#opts.readOnly) {
      const ids = new Set(leftBehind);
      if (this.#opts.fsync) await this.#archive.syncHolding(archived.filter((e) => ids.has(e.id)));
      for (const id of leftBehind) await this.#docs.remove(id);
    }
    if (unreadable.length) {
      this.#opts.logger?.warn(
        { files: unreadable },
        `${unreadable.length} job document(s) in ${join(this.#dir, "jobs")} cannot be read (not JSON: torn by a power cut or a disk error); their jobs are left out (a job still in the journal past the checkpoint comes back from it). Restore the files from a backup, or delete them to forget the jobs; each is left as it is`,
      );
    }
    for (const e of archived) if (!this.#index.byId.has(e.id)) this.#index.put(e);
    // A reader replays too (in memory only): the owner writes job documents lazily, so recent jobs may
    // exist only in the journal.
    await this.#replayJournal();
    this.#recent.load(this.#journal.dir);
  }

  /**
   * Recreates jobs that reached the journal but not their own file (a crash before they were written).
   */
  async #replayJournal(): Promise<void> {
    const cp = this.#deferred.checkpoint;
    const files = journalFiles(this.#journal.dir).filter((f) => !cp || f >= cp.file);
    let last: LogPosition | null = cp;
    for (const file of files) {
      const start = cp && file === cp.file ? cp.offset : 0;
      for await (const { line, offset } of journalLines(join(this.#journal.dir, file), start)) {
        const rec = decodeIntakeRecord(line);
        if (rec?.job && !this.#index.has(rec.job.key)) {
          this.#deferred.replayed(rec.job.id, JSON.stringify(rec.job), { file, offset });
          this.#index.put(toIndexEntry(rec.job));
        }
        if (line.length) last = { file, offset };
      }
    }
    if (this.#opts.readOnly || !last) return;
    await this.#deferred.replayEnded(last);
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new AppError("store_closed", "The job store is closed.", { retryable: true });
    if (!existsSync(join(this.#dir, "jobs"))) throw new AppError("store_unavailable", `DATA_DIR ${this.#dir} is gone.`, { retryable: true });
    const problem = this.#deferred.problem();
    if (problem) {
      // Full, or refusing writes with room to spare (EIO, EROFS, a quota): the room left tells which.
      const free = await freeBytes(this.#dir).catch(() => undefined);
      const room = free === undefined ? "" : `; ${mb(free)} free on the disk of ${this.#dir}`;
      throw new AppError("store_unavailable", `${problem.message}${room}`, { retryable: true, cause: problem.cause });
    }
  }

  /** Job documents that one file in the way keeps from being written while the others are (not a ping() failure). */
  warnings(): StoreWarning[] {
    return this.#closed ? [] : this.#deferred.warnings();
  }

  async recordIntake(delivery: Delivery, rawPayload: string | Buffer, job?: Job, cap?: FingerprintCap) {
    this.#assertWritable();
    let created = false;
    let capped = false;
    let stored: Job | undefined;
    let record = delivery;
    if (job) {
      const existing = this.#index.idForKey(job.key);
      if (existing) {
        record = { ...delivery, outcome: "duplicate", jobId: existing, reason: delivery.reason ?? "a job for this run exists" };
        stored = await this.getJob(existing);
      } else if (cap && this.#index.countFingerprint(job.repo.id, job.fingerprint) >= cap.max) {
        record = cap.delivery;
        capped = true;
      } else {
        // Claim the key synchronously so a concurrent delivery of the same run sees it.
        this.#index.put(toIndexEntry(job));
        this.#claimed.set(job.id, job);
        record = { ...delivery, jobId: job.id };
        created = true;
        stored = job;
      }
    }
    const jobJson = created ? JSON.stringify(job) : undefined;
    this.#deferred.begin();
    let pos: LogPosition;
    try {
      const appended = this.#journal.append(encodeIntakeRecord(record, jobJson, rawPayload));
      // The new job is visible from its claim above; an update made before its line is committed would be
      // overwritten by the intake-time copy set aside below, so updates of it wait for the line.
      if (created && job) void this.#serial.run(job.id, () => appended.then(() => undefined, () => undefined));
      pos = await appended;
    } catch (err) {
      this.#deferred.abort();
      // Nothing was recorded: give the key back, or the redelivery GitHub is asked for would be taken for
      // a duplicate of a job that does not exist.
      if (created && job) {
        this.#index.remove(job.id);
        this.#claimed.delete(job.id);
      }
      throw err;
    }
    // The journal line is the durable record; the job's own document is written later (deferred-documents.ts).
    if (created && job && jobJson) {
      this.#deferred.hold(job.id, jobJson, pos);
      this.#claimed.delete(job.id);
    } else {
      this.#deferred.settled(pos);
    }
    this.#recent.push(record);
    // A created job is handed back as given: the store kept only its JSON. Duplicates come from getJob.
    return capped ? { created, capped } : { job: stored, created };
  }

  async getJob(id: string): Promise<Job | undefined> {
    const waiting = this.#deferred.waiting(id);
    if (waiting) return waiting;
    const claimed = this.#claimed.get(id);
    if (claimed) return structuredClone(claimed);
    const entry = this.#archive.has(id) ? this.#index.byId.get(id) : undefined;
    if (entry) return this.#archive.read(id, entry);
    return this.#docs.read(id);
  }

  async findJobByKey(key: string) {
    const id = this.#index.idForKey(key);
    return id ? this.getJob(id) : undefined;
  }

  /** `_opts.fence` is not checked: only this process writes the store, so no other worker can hold the job. */
  async updateJob(id: string, mutate: (job: Job) => void, _opts?: UpdateOptions): Promise<Job> {
    this.#assertWritable();
    return this.#serial.run(id, async () => {
      const current = await this.getJob(id);
      if (!current) throw new AppError("job_not_found", `No job with id ${id}.`);
      if (this.#archive.has(id)) throw new AppError("job_archived", `Job ${id} is archived (older than the retention window) and read-only.`);
      mutate(current);
      await this.#deferred.write(current);
      this.#index.put(toIndexEntry(current));
      return structuredClone(current);
    });
  }

  async listJobs(q: JobQuery = {}) {
    const out: Job[] = [];
    for (const e of this.#index.query(q)) {
      const job = await this.getJob(e.id);
      if (job) out.push(job);
    }
    return out;
  }

  async listJobIdsWithPendingFeedback() {
    // An archived job is read-only: its feedback can no longer be marked sent (compaction leaves such jobs be).
    return this.#index.withPendingFeedback().filter((id) => !this.#archive.has(id));
  }

  async listUnfinishedJobIds() {
    return this.#index.unfinished().map((e) => e.id);
  }

  async listUnfinishedJobs(scope: UnfinishedScope) {
    const out: Job[] = [];
    for (const e of this.#index.unfinishedOf(scope)) {
      const job = await this.getJob(e.id);
      if (job) out.push(job);
    }
    return out;
  }

  async listDeliveries(q: { limit?: number } = {}) {
    return this.#recent.list(q.limit ?? 50);
  }

  async getDeliveryPayload(id: string): Promise<string | undefined> {
    const needle = Buffer.from(JSON.stringify(id));
    for (const file of journalFiles(this.#journal.dir).reverse()) {
      for await (const { line } of journalLines(join(this.#journal.dir, file))) {
        if (!line.includes(needle)) continue;
        const rec = decodeIntakeRecord(line);
        if (rec?.delivery.id === id) return rec.payload();
      }
    }
    return undefined;
  }

  async countByFingerprint(repoId: number, fingerprint: string) {
    return this.#index.countFingerprint(repoId, fingerprint);
  }

  async clearFingerprints(repoId: number, fingerprints: string[], at: string) {
    this.#assertWritable();
    // Most passing runs follow passing runs: nothing to clear, and no state write on the webhook path.
    const counted = fingerprints.filter((fp) => this.#index.countFingerprint(repoId, fp) > 0);
    if (!counted.length) return;
    // Written before the count is reset: a write the disk refuses fails the webhook (503), and its
    // redelivery must still find something to clear, or it is acknowledged with the reset never written.
    await this.#clears.record(repoId, counted, at);
    for (const fp of counted) this.#index.clearFingerprint(repoId, fp, at);
  }

  async countByState(): Promise<Record<JobState, number>> {
    return this.#index.countByState();
  }

  /** When each failure last went green (for `store migrate`: Redis applies the same clears). */
  fingerprintClears(): FingerprintClear[] {
    return this.#clears.all();
  }

  /**
   * Retention: final jobs not touched for `retentionDays` move to `archive/<month>.ndjson` (still
   * findable by id and key, read-only), and journal days older than the window are deleted.
   */
  async compact(): Promise<{ archivedJobs: number; removedJournalFiles: number }> {
    this.#assertWritable();
    const cutoff = this.#opts.now() - this.#opts.retentionDays * 86_400_000;
    // Feedback still waiting keeps a job live: archived, it could never be marked sent.
    const old = (e: IndexEntry | undefined): e is IndexEntry => !!e && isFinal(e.state) && !e.pendingFeedback && !this.#archive.has(e.id) && Date.parse(e.updatedAt) < cutoff;
    const archived: string[] = [];
    let stopped: unknown;
    for (const first of [...this.#index.byId.values()]) {
      if (!old(first)) continue;
      try {
        // Under the job's lock, judged again: an operator retry may have reopened it since the scan. Once
        // archived it is read-only, so its document can go later.
        await this.#serial.run(first.id, async () => {
          const e = this.#index.byId.get(first.id);
          const job = old(e) ? await this.getJob(e.id) : undefined;
          if (!e || !job) return;
          await this.#archive.append(job, e);
          archived.push(e.id);
        });
      } catch (err) {
        // A full disk: what is archived already counts as archived (never looked at again), so it is made
        // durable and its documents removed below, not left unsynced until some later start deletes them.
        stopped = err;
        break;
      }
    }
    // The archive is on disk before the documents go: a power cut between the two leaves a document
    // behind (archived, and removed again by the next compaction), never no copy at all.
    if (archived.length && this.#opts.fsync) await this.#archive.sync();
    for (const id of archived) await this.#docs.remove(id);
    if (stopped) throw stopped;
    const cutoffDay = new Date(cutoff).toISOString().slice(0, 10);
    const cp = this.#deferred.checkpoint;
    let removedJournalFiles = 0;
    for (const f of journalFiles(this.#journal.dir)) {
      // Only days the checkpoint has passed: before the first checkpoint a day may still hold the only
      // copy of a job whose document was never written (a crash right after intake, then a long stop).
      if (cp && f < cp.file && f.slice(0, 10) < cutoffDay) {
        unlinkSync(join(this.#journal.dir, f));
        removedJournalFiles++;
      }
    }
    return { archivedJobs: archived.length, removedJournalFiles };
  }

  writesInFlight(): WriteInFlight[] {
    return this.#writes.list();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#deferred.stop(!this.#opts.readOnly);
    await this.#serial.idle();
    await this.#deferred.appended();
    await this.#journal.close();
    if (!this.#opts.readOnly) {
      // A checkpoint only spares the next start some replay: failing it (a full disk) must not fail the stop,
      // which would skip what comes after it (the lock, the other closers, the last log lines).
      await this.#deferred.writeCheckpoint().catch((err) => {
        this.#opts.logger?.warn({ err }, `the journal checkpoint ${join(this.#dir, "state.json")} could not be written at stop; nothing is lost: the next start replays the journal from the previous one`);
      });
      releaseDataDirLock(this.#dir);
    }
  }

  #assertWritable(): void {
    if (this.#closed) throw new AppError("store_closed", "The job store is closed.", { retryable: true });
    if (this.#opts.readOnly) throw new AppError("store_read_only", "This store was opened read-only; go through the running server's admin API to change jobs.");
  }
}
