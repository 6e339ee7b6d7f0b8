import { open, type FileHandle } from "node:fs/promises";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * An append-only NDJSON log, one file per UTC day, with group commit: lines appended while a write is in
 * flight are written together and made durable with one fdatasync. This is what lets the webhook be
 * acknowledged only after its delivery is on disk without paying one sync per request.
 */
export class AppendLog {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #now: () => number;
  #pending: Array<{ line: string; resolve: (pos: LogPosition) => void; reject: (e: unknown) => void }> = [];
  #flushing: Promise<void> | undefined;
  #handle: { day: string; fh: FileHandle; size: number } | undefined;

  constructor(dir: string, opts: { fsync?: boolean; now?: () => number } = {}) {
    this.#dir = dir;
    this.#fsync = opts.fsync ?? true;
    this.#now = opts.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
  }

  get dir(): string {
    return this.#dir;
  }

  append(record: unknown): Promise<LogPosition> {
    const line = JSON.stringify(record) + "\n";
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
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
          const h = await this.#fileFor(new Date(this.#now()).toISOString().slice(0, 10));
          const buf = Buffer.from(batch.map((b) => b.line).join(""), "utf8");
          const start = h.size;
          await h.fh.write(buf, 0, buf.length, null);
          if (this.#fsync) await h.fh.datasync();
          h.size += buf.length;
          let offset = start;
          for (const b of batch) {
            b.resolve({ file: `${h.day}.ndjson`, offset });
            offset += Buffer.byteLength(b.line);
          }
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #fileFor(day: string) {
    if (this.#handle?.day === day) return this.#handle;
    await this.#handle?.fh.close();
    const fh = await open(join(this.#dir, `${day}.ndjson`), "a");
    const { size } = await fh.stat();
    this.#handle = { day, fh, size };
    return this.#handle;
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#handle?.fh.close();
    this.#handle = undefined;
  }
}

export interface LogPosition {
  file: string;
  offset: number;
}
