import { existsSync, readFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Job } from "../../core/job.js";
import { endTornLine } from "./append-log.js";
import type { IndexEntry } from "./job-index.js";

/** Where a job's line starts in its month file. */
interface ArchivedAt {
  file: string;
  offset: number;
}

/**
 * The lowdb store's archive: final jobs past the retention window, one JSON line each in
 * `archive/<YYYY-MM>.ndjson`, and `archive/index.ndjson` with their index entries (and, since the offsets
 * were added, where each line starts, so reading one job is one read, not a scan of the month).
 *
 * Appends end a line torn by a crash first (a record appended onto it would be lost with it), and a torn
 * line is skipped when read. `sync()` makes what was appended durable: the store calls it before it
 * deletes the jobs' own documents, so a power cut cannot take both copies.
 */
export class JobArchive {
  readonly #dir: string;
  readonly #syncPath: (path: string) => Promise<void>;
  readonly #at = new Map<string, ArchivedAt | undefined>();
  readonly #touched = new Set<string>();
  /** A file was created since the last sync: the folder's entries must be flushed too. */
  #created = false;

  /** `syncPath` flushes one file to disk (the store's, so tests can watch the order). */
  constructor(dir: string, syncPath: (path: string) => Promise<void>) {
    this.#dir = dir;
    this.#syncPath = syncPath;
  }

  /** Reads the index: every archived job's entry, oldest first. */
  load(): IndexEntry[] {
    const file = join(this.#dir, "index.ndjson");
    if (!existsSync(file)) return [];
    const entries: IndexEntry[] = [];
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const rec = parseLine<IndexEntry & { archivedAt?: ArchivedAt }>(line);
      if (!rec?.id) continue; // empty, or torn by a crash mid-append
      const { archivedAt, ...entry } = rec;
      this.#at.set(entry.id, archivedAt);
      entries.push(entry);
    }
    return entries;
  }

  has(id: string): boolean {
    return this.#at.has(id);
  }

  /** Appends the job, then its index entry (not durable until `sync()`). */
  async append(job: Job, entry: IndexEntry): Promise<void> {
    const file = monthFile(entry);
    const offset = await this.#appendLine(file, JSON.stringify(job));
    const archivedAt = { file, offset };
    await this.#appendLine("index.ndjson", JSON.stringify({ ...entry, archivedAt }));
    this.#at.set(entry.id, archivedAt);
  }

  /** fsyncs every file appended to since the last call, and the folder when a file was created in it. */
  async sync(): Promise<void> {
    for (const name of [...this.#touched]) {
      await this.#syncPath(join(this.#dir, name));
      this.#touched.delete(name);
    }
    if (this.#created) {
      await this.#syncPath(this.#dir);
      this.#created = false;
    }
  }

  /**
   * fsyncs the files holding these archived jobs, and the folder: for a start that finds their documents left
   * behind by a crash, which may have come before the `sync()` that had to precede their removal.
   */
  async syncHolding(entries: IndexEntry[]): Promise<void> {
    const names = new Set(["index.ndjson", ...entries.map((e) => this.#at.get(e.id)?.file ?? monthFile(e))]);
    for (const name of names) await this.#syncPath(join(this.#dir, name));
    await this.#syncPath(this.#dir);
  }

  async read(id: string, entry: IndexEntry): Promise<Job | undefined> {
    if (!this.#at.has(id)) return undefined;
    const at = this.#at.get(id);
    if (at) {
      const job = parseLine<Job>(await readLineAt(join(this.#dir, at.file), at.offset));
      if (job?.id === id) return job;
    }
    // Archived before the index kept offsets: look through the month.
    const file = join(this.#dir, monthFile(entry));
    if (!existsSync(file)) return undefined;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.includes(id)) continue;
      const job = parseLine<Job>(line);
      if (job?.id === id) return job;
    }
    return undefined;
  }

  async #appendLine(name: string, line: string): Promise<number> {
    const path = join(this.#dir, name);
    if (!existsSync(path)) this.#created = true;
    const fh = await open(path, "a+");
    try {
      const offset = await endTornLine(fh, (await fh.stat()).size);
      // Not fh.write: it writes once, and a disk filling up mid-line takes part of it without an error; the
      // job would count as archived, its document be deleted, and only the torn line be left.
      await fh.appendFile(`${line}\n`);
      this.#touched.add(name);
      return offset;
    } finally {
      await fh.close();
    }
  }
}

const monthFile = (entry: IndexEntry) => `${entry.updatedAt.slice(0, 7)}.ndjson`;

function parseLine<T>(line: string): T | undefined {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/** The line that starts at `offset` (read in growing chunks: archived jobs are a few KB). */
async function readLineAt(path: string, offset: number): Promise<string> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch {
    return "";
  }
  try {
    const chunks: Buffer[] = [];
    for (let pos = offset, size = 16 * 1024; ; size *= 2) {
      const buf = Buffer.alloc(size);
      const { bytesRead } = await fh.read(buf, 0, size, pos);
      const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
      if (nl >= 0 || bytesRead === 0) {
        chunks.push(buf.subarray(0, nl >= 0 ? nl : bytesRead));
        return Buffer.concat(chunks).toString("utf8");
      }
      chunks.push(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
