import { open, type FileHandle } from "node:fs/promises";
import { mkdirSync, writeSync } from "node:fs";
import { join } from "node:path";

interface Pending {
  chunks: Buffer[];
  resolve: (pos: LogPosition) => void;
  reject: (e: unknown) => void;
}

/** Syncs allowed in flight at once (libuv's default thread pool has four threads). */
const MAX_SYNCS = 3;

/**
 * An append-only log, one file per UTC day, with group commit: lines appended while a write is in flight
 * are written together and made durable with one fdatasync. This is what lets the webhook be acknowledged
 * only after its delivery is on disk without paying one sync per request.
 *
 * Writes are made one after another (so offsets are known), but the next batch is written while the
 * previous one's fdatasync is still running: a request then waits for its own sync, not for the one
 * before it too. A batch resolves only when a sync issued after its write has completed.
 */
export class AppendLog {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #now: () => number;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #handle: { day: string; fh: FileHandle; size: number } | undefined;
  readonly #syncs = new Set<Promise<void>>();

  constructor(dir: string, opts: { fsync?: boolean; now?: () => number } = {}) {
    this.#dir = dir;
    this.#fsync = opts.fsync ?? true;
    this.#now = opts.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
  }

  get dir(): string {
    return this.#dir;
  }

  /** Appends one line, given as the chunks that make it up (ending with `\n`); resolves once durable. */
  append(chunks: Buffer[]): Promise<LogPosition> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ chunks, resolve, reject });
      this.#flushing ??= this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    // Let the other requests of this event-loop turn join the batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.#pending.length) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#writeBatch(batch);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
        if (this.#syncs.size >= MAX_SYNCS) await Promise.race(this.#syncs);
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    const h = await this.#fileFor(new Date(this.#now()).toISOString().slice(0, 10));
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
    const buf = Buffer.concat(chunks, offset - h.size);
    // A write into the page cache takes microseconds: done here, it saves a thread-pool round trip per
    // batch. Only the fdatasync, which waits for the disk, goes to the pool.
    for (let done = 0; done < buf.length; ) done += writeSync(h.fh.fd, buf, done, buf.length - done);
    h.size = offset;
    const sync = (this.#fsync ? h.fh.datasync() : Promise.resolve()).then(
      () => batch.forEach((b, i) => b.resolve(positions[i]!)),
      (err) => batch.forEach((b) => b.reject(err)),
    );
    this.#syncs.add(sync);
    void sync.finally(() => this.#syncs.delete(sync));
  }

  async #fileFor(day: string) {
    if (this.#handle?.day === day) return this.#handle;
    await Promise.all(this.#syncs);
    await this.#handle?.fh.close();
    const fh = await open(join(this.#dir, `${day}.ndjson`), "a");
    const { size } = await fh.stat();
    this.#handle = { day, fh, size };
    return this.#handle;
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await Promise.all(this.#syncs);
    await this.#handle?.fh.close();
    this.#handle = undefined;
  }
}

export interface LogPosition {
  file: string;
  offset: number;
}
