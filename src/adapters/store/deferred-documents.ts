import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import type { Job } from "../../core/job.js";
import type { StoreWarning } from "../../core/ports/job-store.js";
import type { Logger } from "../../core/ports/logger.js";
import { storageError } from "../../core/storage-error.js";
import type { LogPosition } from "./append-log.js";
import type { JobDocuments } from "./job-documents.js";
import type { KeyedSerial } from "../../core/keyed-serial.js";
import type { TrackWrite } from "./writes-in-flight.js";

interface StateDoc {
  version: 1;
  /** Journal position up to which every created job is known to have its own file. */
  checkpoint: LogPosition | null;
}

/** What is written behind intake, and what a failure to write it means for the operator. */
const BACKGROUND = {
  documents: {
    what: (dir: string) => `job documents in ${join(dir, "jobs")}`,
    back: "are written again",
    meaning: "nothing is lost: the jobs are in the intake journal, and their documents are written as soon as the disk takes them (free space on DATA_DIR's disk, or fix it)",
  },
  checkpoint: {
    what: (dir: string) => `the journal checkpoint ${join(dir, "state.json")}`,
    back: "is written again",
    meaning: "nothing is lost: a start replays more of the journal until it is written again (free space on DATA_DIR's disk, or fix it)",
  },
} as const;
type Background = keyof typeof BACKGROUND;

const MATERIALISE_IDLE_MS = 200;
/** A checkpoint that could not be written is tried again this much later, so that its failure clears by itself. */
const CHECKPOINT_MS = 1000;
const MATERIALISE_BATCH = 500;
/**
 * A document that keeps failing on its own (see #unwritable) is tried again after a pause that doubles from
 * MATERIALISE_IDLE_MS up to this: a path blocked for days is then not written (and a probe file made) five
 * times a second, and the same few never fill every batch ahead of the documents that can be written.
 */
const UNWRITABLE_RETRY_MAX_MS = 60_000;
/**
 * Under a sustained burst, documents are written anyway once this many wait. Replay reads their journal
 * lines without parsing the bodies (see intake-journal.ts): 50,000 take about a second, and about 70 MB
 * of memory while they wait.
 */
const MATERIALISE_MAX_WAITING = 50_000;

/**
 * The lowdb store's jobs whose own document is written after their intake, and `state.json`'s checkpoint.
 * Intake pays one group-committed journal append and no per-job file write: a new job's journal line is its
 * durable copy until its document is written, on its first update or in an idle-time batch. The checkpoint
 * (where start-up replay of the journal begins) never passes a line whose job has no durable document yet,
 * so replay recreates it after a crash.
 */
export class DeferredDocuments {
  readonly #docs: JobDocuments;
  readonly #serial: KeyedSerial;
  readonly #fsync: boolean;
  readonly #state: Low<StateDoc>;
  /** Held as JSON, one string per job: cheap for the GC to skip over, and a read is a parse, not a clone. */
  readonly #unwritten = new Map<string, { json: string; pos: LogPosition }>();
  /** Intakes appended or being appended whose line the checkpoint may not pass yet. */
  #inflight = 0;
  #lastPos: LogPosition | null = null;
  #lastIntakeAt = 0;
  #materialiseTimer: NodeJS.Timeout | undefined;
  /** The timer waits longer than the idle pause, for a document that failed on its own to be due again. */
  #materialiseSleeping = false;
  #materialising: Promise<void> | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #dir: string;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #track: TrackWrite;
  /** Background writes failing (retried meanwhile), since when and why; each clears once its write succeeds. */
  readonly #failing = new Map<Background, { since: number; err: unknown }>();
  /**
   * Documents that cannot be written for a reason of their own (something in the way at their path) while
   * the folder takes others, by job id: retried with the rest, said in warnings(), not a readiness failure.
   */
  readonly #unwritable = new Map<string, { since: number; err: unknown; tries: number; nextAt: number }>();

  private constructor(state: Low<StateDoc>, docs: JobDocuments, serial: KeyedSerial, fsync: boolean, opts: { dir: string; now: () => number; logger?: Logger; track?: TrackWrite }) {
    this.#state = state;
    this.#docs = docs;
    this.#serial = serial;
    this.#fsync = fsync;
    this.#dir = opts.dir;
    this.#now = opts.now;
    this.#logger = opts.logger;
    this.#track = opts.track ?? ((_op, _path, write) => write);
  }

  /** `docs` and `serial` are the store's: documents are written through its per-job lock. */
  static async open(dir: string, docs: JobDocuments, serial: KeyedSerial, fsync: boolean, opts: { now?: () => number; logger?: Logger; track?: TrackWrite } = {}): Promise<DeferredDocuments> {
    const state = new Low<StateDoc>(new JSONFile(join(dir, "state.json")), { version: 1, checkpoint: null });
    try {
      await state.read();
    } catch (err) {
      // Torn (written without fsync, then a power cut): no checkpoint is safe, replay then reads the whole
      // journal and recreates only the jobs that have no document.
      if (!(err instanceof SyntaxError)) throw err;
    }
    state.data ??= { version: 1, checkpoint: null };
    return new DeferredDocuments(state, docs, serial, fsync, { dir, now: opts.now ?? Date.now, logger: opts.logger, track: opts.track });
  }

  /**
   * Why the store is not healthy, when a write behind intake keeps failing: the webhook path only sees the
   * journal, so with no webhook coming in a full disk would otherwise go unnoticed.
   */
  problem(): { message: string; cause: unknown } | undefined {
    if (this.#failing.size === 0) return undefined;
    const said = [...this.#failing].map(([kind, f]) => `${BACKGROUND[kind].what(this.#dir)} cannot be written since ${new Date(f.since).toISOString()} (${(f.err as Error)?.message ?? String(f.err)}); ${BACKGROUND[kind].meaning}`);
    return { message: said.join("; "), cause: this.#failing.values().next().value?.err };
  }

  /** Documents that keep failing while others are written (see #materialise). */
  warnings(): StoreWarning[] {
    if (this.#unwritable.size === 0) return [];
    const shown = [...this.#unwritable].slice(0, 3).map(([id, f]) => `${this.#docs.path(id)} (${message(f.err)}) since ${new Date(f.since).toISOString()}`);
    const more = this.#unwritable.size > shown.length ? ` and ${this.#unwritable.size - shown.length} more` : "";
    return [
      {
        code: "job_documents_unwritable",
        count: this.#unwritable.size,
        message: `${this.#unwritable.size} job document(s) cannot be written while others are: ${shown.join("; ")}${more}; nothing is lost (each job is in the intake journal, which the checkpoint does not pass, and in memory); remove or move what is in the way at each path, or fix its permissions, and it is written by itself`,
      },
    ];
  }

  #cannotWrite(id: string, err: unknown): void {
    const known = this.#unwritable.get(id);
    if (known) {
      known.err = err;
      known.tries++;
      known.nextAt = this.#now() + retryPause(known.tries);
      return;
    }
    this.#unwritable.set(id, { since: this.#now(), err, tries: 1, nextAt: this.#now() + retryPause(1) });
    const file = this.#docs.path(id);
    // Once per document: the retries would fill the log.
    this.#logger?.warn(
      { err, file, jobId: id },
      `${file} cannot be written (${message(err)}) while other job documents are; retrying in the background; nothing is lost: the job is in the intake journal, which the checkpoint does not pass, and \`t0-ci-bot jobs show ${id}\` still reads it; remove or move what is in the way at ${file} (a directory, a file the app may not replace), or fix its permissions, and it is written by itself`,
    );
  }

  #failed(kind: Background, err: unknown): void {
    const known = this.#failing.get(kind);
    if (known) return void (known.err = err);
    this.#failing.set(kind, { since: this.#now(), err });
    // Once per outage: the retries (every 200 ms for documents) would fill the log.
    this.#logger?.warn({ err }, `${BACKGROUND[kind].what(this.#dir)} cannot be written; retrying in the background; ${BACKGROUND[kind].meaning}`);
  }

  #succeeded(kind: Background): void {
    const f = this.#failing.get(kind);
    if (!f) return;
    this.#failing.delete(kind);
    this.#logger?.info({ failingSince: new Date(f.since).toISOString() }, `${BACKGROUND[kind].what(this.#dir)} ${BACKGROUND[kind].back}`);
  }

  get checkpoint(): LogPosition | null {
    return this.#state.data.checkpoint;
  }

  /** The job as created, while its document waits. */
  waiting(id: string): Job | undefined {
    const json = this.#unwritten.get(id)?.json;
    return json === undefined ? undefined : (JSON.parse(json) as Job);
  }

  /** An intake's line is being appended: the checkpoint waits for it. */
  begin(): void {
    this.#inflight++;
  }

  /** Its append failed: nothing was recorded. */
  abort(): void {
    this.#inflight--;
  }

  /** Its line is durable and holds a new job, whose document is written later. */
  hold(id: string, json: string, pos: LogPosition): void {
    this.#unwritten.set(id, { json, pos });
    this.#lastIntakeAt = performance.now();
    this.#scheduleMaterialise();
    this.#scheduleCheckpoint();
  }

  /** Its line is durable, and the job it holds (if any) has its document: the checkpoint may pass it. */
  settled(pos: LogPosition): void {
    this.#inflight--;
    if (!this.#lastPos || before(this.#lastPos, pos)) this.#lastPos = pos;
    this.#scheduleCheckpoint();
  }

  /** Start-up replay found a job only in the journal (a crash before its document was written). */
  replayed(id: string, json: string, pos: LogPosition): void {
    this.#unwritten.set(id, { json, pos });
  }

  /**
   * Replay read up to `last`. Jobs it found are held as written-later jobs, as at intake: start-up does not
   * wait for up to 50,000 document writes (measured: 11 s). Each settles, and lets the checkpoint move to the
   * end of the journal, once written.
   */
  async replayEnded(last: LogPosition): Promise<void> {
    if (this.#unwritten.size === 0) {
      this.#state.data.checkpoint = last;
      await this.#writeState();
      return;
    }
    this.#inflight += this.#unwritten.size;
    this.#lastPos = last;
    this.#scheduleMaterialise();
  }

  /** Writes the job's document (under the caller's per-job lock); a job that was waiting settles. */
  async write(job: Job): Promise<void> {
    const unwritten = this.#unwritten.get(job.id);
    // A job that existed only in the journal: its document must be on disk before the checkpoint passes its line.
    await this.#docs.write(job, unwritten !== undefined && this.#fsync);
    const was = this.#unwritable.get(job.id);
    if (was) {
      this.#unwritable.delete(job.id);
      this.#logger?.info({ failingSince: new Date(was.since).toISOString(), jobId: job.id }, `${this.#docs.path(job.id)} is written again`);
    }
    if (unwritten && this.#unwritten.get(job.id) === unwritten) {
      this.#unwritten.delete(job.id);
      this.settled(unwritten.pos);
      // The one that failed may have been written by its job's own update: no batch would come to say so.
      if (this.#unwritten.size === 0) this.#succeeded("documents");
    }
  }

  /** Stops the timers and, when `write`, writes every waiting document. */
  async stop(write: boolean): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#checkpointTimer);
    clearTimeout(this.#materialiseTimer);
    this.#materialiseTimer = undefined;
    await this.#materialising;
    if (write) await this.#materialise(Infinity, true).catch(() => undefined);
  }

  /** Resolves once every intake begun has settled or is waiting for its document. */
  async appended(): Promise<void> {
    // A document that could not be written stays behind the checkpoint; replay recreates it.
    while (this.#inflight > this.#unwritten.size) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * One checkpoint at a time: a second one started while the first still waits for its documents' fsync
   * would find nothing left to sync and write a checkpoint past documents that are not on disk yet.
   */
  writeCheckpoint(): Promise<void> {
    // The per-job lock, under a key no job id can have (ids are UUIDs).
    return this.#serial.run("\0checkpoint", () => this.#checkpointNow());
  }

  #scheduleMaterialise(): void {
    // A timer set to sleep until a failing document is due again does not hold back a new job's document.
    if (this.#materialiseSleeping && this.#untilUnwritableDue() === 0) {
      clearTimeout(this.#materialiseTimer);
      this.#materialiseTimer = undefined;
    }
    if (this.#materialiseTimer || this.#materialising || this.#stopped) return;
    // Over the limit, batches follow each other without the pause, or a steady stream faster than one batch
    // per pause would outgrow it.
    const delay = this.#unwritten.size >= MATERIALISE_MAX_WAITING ? 0 : Math.max(MATERIALISE_IDLE_MS, this.#untilUnwritableDue());
    this.#materialiseSleeping = delay > MATERIALISE_IDLE_MS;
    this.#materialiseTimer = setTimeout(() => {
      this.#materialiseTimer = undefined;
      this.#materialiseSleeping = false;
      // Write documents when intake goes quiet, or anyway once many are waiting (bounds memory and replay).
      const busy = performance.now() - this.#lastIntakeAt < MATERIALISE_IDLE_MS && this.#unwritten.size < MATERIALISE_MAX_WAITING;
      if (busy) return this.#scheduleMaterialise();
      this.#materialising = this.#materialise(MATERIALISE_BATCH)
        .then(
          () => this.#succeeded("documents"),
          (err) => this.#failed("documents", err),
        )
        .finally(() => {
          this.#materialising = undefined;
          if (this.#unwritten.size) this.#scheduleMaterialise();
        });
    }, delay);
    this.#materialiseTimer.unref();
  }

  /**
   * How long until the first document that failed on its own is due again, when every waiting document is
   * one of those (else 0): with nothing else to write, the timer sleeps until then.
   */
  #untilUnwritableDue(): number {
    if (this.#unwritable.size === 0 || this.#unwritable.size < this.#unwritten.size) return 0;
    let first = Infinity;
    for (const [id, f] of this.#unwritable) if (this.#unwritten.has(id)) first = Math.min(first, f.nextAt);
    return first === Infinity ? 0 : Math.min(UNWRITABLE_RETRY_MAX_MS, first - this.#now());
  }

  /** `retryAll`: at stop, every waiting document is tried, whatever its pause. */
  async #materialise(limit: number, retryAll = false): Promise<void> {
    const batch: Array<[string, string]> = [];
    const now = this.#now();
    for (const [id, { json }] of this.#unwritten) {
      if (batch.length >= limit) break;
      if (!retryAll && (this.#unwritable.get(id)?.nextAt ?? 0) > now) continue;
      batch.push([id, json]);
    }
    const failed: Array<[string, unknown]> = [];
    let written = 0;
    for (const [id, json] of batch) {
      // Through the per-job lock so a concurrent updateJob's newer state is never overwritten.
      await this.#serial.run(id, async () => {
        if (this.#unwritten.get(id)?.json !== json) return;
        await this.write(JSON.parse(json) as Job);
        written++;
      }).catch((err) => void failed.push([id, err])); // one document that cannot be written must not hold up the rest
    }
    if (failed.length === 0) return;
    // Which failures make the store unready (it throws), and which are one file's (a warning): readiness
    // takes the only web pod out of service, so one path with a directory or a read-only file in the way
    // must not do it for ever. A code that no file causes by itself (a full, quota'd, read-only or failing
    // disk) is the disk's. Any other (EISDIR, EACCES, ENAMETOOLONG, ...) is a file's when the folder takes
    // another write: one of the batch, or else a probe file, so that one job failing on its own, with no
    // other to compare with, is not read as the disk (and a folder the app may not write in is).
    const disk = failed.find(([, err]) => storageError(err));
    if (disk) throw disk[1];
    if (written === 0) await this.#docs.probe();
    for (const [id, err] of failed) this.#cannotWrite(id, err);
  }

  #scheduleCheckpoint(): void {
    // The store's close writes the last checkpoint itself; a timer left behind would write into a removed DATA_DIR.
    if (this.#checkpointTimer || this.#stopped) return;
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      void this.writeCheckpoint().then(
        () => this.#succeeded("checkpoint"),
        (err) => {
          this.#failed("checkpoint", err);
          this.#scheduleCheckpoint();
        },
      );
    }, CHECKPOINT_MS);
    this.#checkpointTimer.unref();
  }

  async #checkpointNow(): Promise<void> {
    // Between two tasks of the event loop an intake is either settled, waiting for its document (the
    // oldest waiting line is the first in #unwritten), or still being appended (its line comes after
    // every other). Replay starts at the checkpoint's line, so the checkpoint may stand at the oldest
    // waiting line, or else at the last settled one: under a steady stream of deliveries it still moves.
    const pos = this.#unwritten.values().next().value?.pos ?? this.#lastPos;
    if (!pos) return;
    await this.#docs.syncWritten();
    this.#state.data.checkpoint = pos;
    await this.#writeState();
  }

  #writeState(): Promise<void> {
    return this.#track("write", join(this.#dir, "state.json"), this.#state.write());
  }
}

/** The pause before a document that failed on its own `tries` times is tried again. */
function retryPause(tries: number): number {
  return Math.min(UNWRITABLE_RETRY_MAX_MS, MATERIALISE_IDLE_MS * 2 ** Math.min(tries, 20));
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function before(a: LogPosition, b: LogPosition): boolean {
  return a.file < b.file || (a.file === b.file && a.offset < b.offset);
}
