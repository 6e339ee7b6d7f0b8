import { open, type FileHandle } from "node:fs/promises";
import { existsSync, mkdirSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fsyncPath } from "./fsync-path.js";
import type { TrackWrite } from "./writes-in-flight.js";

interface Pending {
  chunks: Buffer[];
  resolve: (pos: LogPosition) => void;
  reject: (e: unknown) => void;
}

/** How a batch is made durable: fdatasync in libuv's thread pool. Replaceable for tests. */
export type FileSync = (fh: FileHandle) => Promise<void>;

export const FDATASYNC: FileSync = (fh) => fh.datasync();

/**
 * Under load, a batch is cut once this many lines wait, or GATHER_MS after the gathering began. The sync
 * runs in the thread pool, never on the event loop: there, a disk that stops answering froze the whole
 * process (no request, no timer, no SIGTERM handler ran), and every sync stalled every request for its
 * length (0.2-0.3 ms here). In the pool each sync costs a thread and a loop wake-up, and a batch cut as soon
 * as the last sync ended held one or two lines; gathering makes it hold about five. Measured at c=10 on a
 * 2-CPU VM (bench/intake.ts, 50,000 jobs, runs alternating with the sync on the event loop): ratio to bare
 * Probot 0.62 and 0.77 against 0.61-0.71 before, within this machine's noise; cut at once in the pool (a
 * noisier run) 0.34-0.47 against 0.50-0.73. A webhook waits at most 1 ms more for its 202; GitHub allows 10 s.
 */
const GATHER_LINES = 5;
const GATHER_MS = 1;

/**
 * An append-only log, one file per UTC day, with group commit: lines appended while a write and its
 * fdatasync are in flight are written together and made durable with one fdatasync. This is what lets
 * the webhook be acknowledged only after its delivery is on disk without paying one sync per request.
 * Syncs are not overlapped on purpose: on a busy machine each sync costs CPU, and waiting for the one
 * in flight makes the next batch bigger (measured: ~10% more deliveries per second than up to three
 * overlapping syncs). A lone line (no other arrived while the last batch was committed) is not held back.
 */
export class AppendLog {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #now: () => number;
  readonly #syncPath: (path: string) => Promise<void>;
  readonly #sync: FileSync;
  /** Lines came together in the last commit: the next batch gathers (see GATHER_LINES). */
  #busy = false;
  /** Cuts the batch being gathered now. */
  #cut: (() => void) | undefined;
  readonly #track: TrackWrite;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #handle: { day: string; fh: FileHandle; size: number } | undefined;
  /** The newest day written: the clock stepping back must not send a line into an older day's file. */
  #lastDay: string;
  /** A day's file was created and its folder entry is not flushed yet. */
  #folderUnsynced = false;

  /** `create: false` (a read-only store) leaves a missing folder missing; such a log is never appended to. */
  /** `sync` is for tests. `track` is told of each batch's fdatasync while it runs. */
  constructor(dir: string, opts: { fsync?: boolean; now?: () => number; create?: boolean; syncPath?: (path: string) => Promise<void>; sync?: FileSync; track?: TrackWrite } = {}) {
    this.#dir = dir;
    this.#fsync = opts.fsync ?? true;
    this.#now = opts.now ?? Date.now;
    this.#syncPath = opts.syncPath ?? fsyncPath;
    this.#sync = opts.sync ?? FDATASYNC;
    this.#track = opts.track ?? ((_op, _path, write) => write);
    if (opts.create ?? true) mkdirSync(dir, { recursive: true });
    // Replay starts at the checkpoint's file and skips the days before it, so a line appended to an older
    // day (an NTP step back over midnight, or a restart with the clock behind) would never be replayed.
    const files = existsSync(dir) ? readdirSync(dir) : [];
    this.#lastDay = files.filter((f) => DAY_FILE.test(f)).sort().at(-1)?.slice(0, 10) ?? "";
  }

  get dir(): string {
    return this.#dir;
  }

  /** Appends one line, given as the chunks that make it up (ending with `\n`); resolves once durable. */
  append(chunks: Buffer[]): Promise<LogPosition> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ chunks, resolve, reject });
      if (this.#pending.length >= GATHER_LINES) this.#cut?.();
      this.#flushing ??= this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    try {
      // Before every batch, not only the first, let the requests of this event-loop turn join it. A commit
      // ends in the poll phase; cut at once, the next batch would miss the requests whose sockets were ready
      // in that same phase. Measured at c=10 with fsync: one commit in three carried a single delivery
      // (3.97 per commit on average); yielding first, one in seven does (4.8 per commit), so ~18% fewer syncs.
      while ((await new Promise<void>((r) => setImmediate(r)), this.#pending.length)) {
        // Without fsync a batch costs a write into the page cache: nothing to share, nothing to wait for.
        if (this.#fsync && this.#busy && this.#pending.length < GATHER_LINES) await this.#gather();
        const batch = this.#pending;
        this.#pending = [];
        try {
          const positions = await this.#writeBatch(batch);
          batch.forEach((b, i) => b.resolve(positions[i]!));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
        this.#busy = batch.length > 1 || this.#pending.length > 0;
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  #gather(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#cut?.(), GATHER_MS);
      this.#cut = () => {
        clearTimeout(timer);
        this.#cut = undefined;
        resolve();
      };
    });
  }

  async #writeBatch(batch: Pending[]): Promise<LogPosition[]> {
    const today = new Date(this.#now()).toISOString().slice(0, 10);
    if (today > this.#lastDay) this.#lastDay = today;
    const h = await this.#fileFor(this.#lastDay);
    const positions: LogPosition[] = [];
    const chunks: Buffer[] = [];
    let offset = h.size;
    for (const b of batch) {
      positions.push({ file: `${h.day}.ndjson`, offset });
      for (const c of b.chunks) {
        chunks.push(c);
        offset += c.length;
      }
    }
    const start = h.size;
    const buf = Buffer.concat(chunks, offset - start);
    try {
      // A write into the page cache takes microseconds: done here, it saves a thread-pool round trip per batch.
      for (let done = 0; done < buf.length; ) done += writeSync(h.fh.fd, buf, done, buf.length - done);
      if (this.#fsync) await this.#track("fdatasync", join(this.#dir, `${h.day}.ndjson`), this.#sync(h.fh));
    } catch (err) {
      // The batch is refused (its webhooks get a 5xx), so none of it may come back at replay: a job GitHub's
      // redelivery would then find taken, a fix-loop count one too high. Cut the file back to before it;
      // if even that fails, reopening ends the torn line first.
      this.#handle = undefined;
      await h.fh.truncate(start).catch(() => undefined);
      await h.fh.close().catch(() => undefined);
      throw withPath(err, join(this.#dir, `${h.day}.ndjson`));
    }
    h.size = offset;
    return positions;
  }

  async #fileFor(day: string) {
    if (this.#handle?.day === day) return this.#handle;
    await this.#handle?.fh.close();
    const path = join(this.#dir, `${day}.ndjson`);
    if (!existsSync(path)) this.#folderUnsynced = true;
    const fh = await open(path, "a+");
    try {
      // A new day's file: its name in the folder must reach the disk too, before its first line is
      // acknowledged, or a power cut can take the whole file with the deliveries in it. Still owed after a
      // failed try: the file exists by then, and the next try would not know it is new.
      if (this.#folderUnsynced && this.#fsync) await this.#syncPath(this.#dir);
      this.#folderUnsynced = false;
      const size = await endTornLine(fh, (await fh.stat()).size);
      this.#handle = { day, fh, size };
      return this.#handle;
    } catch (err) {
      // Each batch tries again: on a disk failing for hours, a handle left open per try would run out of files.
      await fh.close().catch(() => undefined);
      throw withPath(err, path);
    }
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#handle?.fh.close();
    this.#handle = undefined;
  }
}

/**
 * A line torn by a crash or a failed write must not swallow the next record: ends it. `fh` is open for
 * appending and `size` bytes long; returns where the next line starts.
 */
export async function endTornLine(fh: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  if (last[0] === 0x0a) return size;
  await fh.write("\n");
  return size + 1;
}

/**
 * A write or sync through a file descriptor fails with no path in the error ("ENOSPC: no space left on
 * device, write"): the file is named, for the answer, /readyz and the log to say which disk is full.
 */
function withPath(err: unknown, path: string): unknown {
  if (err instanceof Error && !(err as NodeJS.ErrnoException).path) (err as NodeJS.ErrnoException).path = path;
  return err;
}

const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.ndjson$/;

export interface LogPosition {
  file: string;
  offset: number;
}
