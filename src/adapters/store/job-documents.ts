import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { AppError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { isFinal } from "../../core/job.js";
import type { TrackWrite } from "./writes-in-flight.js";

const LEFT_BEHIND_TMP = /^\..+\.json\.tmp$/;
const DOC_SYNCS_AT_ONCE = 2;

/**
 * The lowdb store's job documents, `jobs/<id>.json`: one small lowdb document per job, so a state change
 * rewrites ~2 KB. Documents of jobs still running stay cached; a final job's is read from disk when asked for.
 */
export class JobDocuments {
  readonly #dir: string;
  readonly #syncPath: (path: string) => Promise<void>;
  readonly #track: TrackWrite;
  readonly #docs = new Map<string, Low<Job>>();
  /** Documents written since the last `syncWritten()` that must reach the disk before the checkpoint passes them. */
  readonly #toSync = new Set<string>();

  constructor(dir: string, syncPath: (path: string) => Promise<void>, track: TrackWrite = (_op, _path, write) => write) {
    this.#dir = dir;
    this.#syncPath = syncPath;
    this.#track = track;
  }

  /**
   * Every document on disk, for start-up. `owner`: this process writes the store, so it removes what a crash
   * left behind: lowdb writes `.<id>.json.tmp` and renames it into place, and one left behind is a write that
   * was cut short, never acknowledged (the document still holds the state before it); `replaced(id)` names
   * documents another copy has replaced (archived jobs): they are not read, and left for the caller to
   * remove once that copy is durable. `unreadable` is told of each document that is not JSON (a rename that
   * reached the disk before the data, then a power cut), which is left in place.
   */
  *loadAll(owner: boolean, replaced: (id: string) => boolean, unreadable: (file: string) => void = () => undefined): Generator<Job> {
    for (const name of existsSync(this.#dir) ? readdirSync(this.#dir) : []) {
      if (LEFT_BEHIND_TMP.test(name) && owner) rmSync(join(this.#dir, name), { force: true });
      if (!name.endsWith(".json")) continue;
      if (replaced(name.slice(0, -".json".length))) continue;
      const job = readJson<Job>(join(this.#dir, name));
      if (job) yield job;
      else unreadable(join(this.#dir, name));
    }
  }

  /** The job as last written, or undefined when it has no document. */
  read(id: string): Job | undefined {
    const doc = this.#docs.get(id);
    if (doc?.data) return structuredClone(doc.data);
    return readJson<Job>(this.#file(id)) ?? undefined;
  }

  /** Writes the job's document; on failure, reads still give what the disk holds. `sync`: see `syncWritten`. */
  async write(job: Job, sync: boolean): Promise<void> {
    let doc = this.#docs.get(job.id);
    const cached = doc !== undefined;
    if (!doc) {
      doc = new Low<Job>(new JSONFile(this.#file(job.id)), job);
      this.#docs.set(job.id, doc);
    }
    const previous = doc.data;
    doc.data = job;
    try {
      await this.#track("write", this.#file(job.id), doc.write());
    } catch (err) {
      if (cached) doc.data = previous;
      else this.#docs.delete(job.id);
      throw err;
    }
    if (isFinal(job.state)) this.#docs.delete(job.id);
    if (sync) this.#toSync.add(job.id);
  }

  /**
   * Throws when a new file cannot be written in the folder at all. Its name is no job's, and one left behind
   * by a crash is removed at the next start (as a document's temporary file is).
   */
  async probe(): Promise<void> {
    const file = join(this.#dir, ".write-probe.json.tmp");
    await writeFile(file, "{}");
    await unlink(file);
  }

  async remove(id: string): Promise<void> {
    await unlink(this.#file(id)).catch(() => undefined);
  }

  /**
   * lowdb writes a document to a temporary file and renames it, without fsync. With STORE_FSYNC on, the
   * journal line is the only copy that survives a power cut until the job's document is on disk too: the
   * store's checkpoint must not pass the line before this has made the documents written with `sync` durable.
   */
  async syncWritten(): Promise<void> {
    if (this.#toSync.size === 0) return;
    const ids = [...this.#toSync];
    this.#toSync.clear();
    try {
      // Few at a time: nothing waits on the checkpoint, but every webhook's journal fdatasync waits for a
      // free thread in libuv's pool (4 by default), which 64 document syncs at once would all take.
      for (let i = 0; i < ids.length; i += DOC_SYNCS_AT_ONCE) {
        await Promise.all(ids.slice(i, i + DOC_SYNCS_AT_ONCE).map((id) => this.#syncPath(this.#file(id))));
      }
      await this.#syncPath(this.#dir); // the renames that put the documents in place
    } catch (err) {
      for (const id of ids) this.#toSync.add(id);
      throw err;
    }
  }

  /** Where the job's document is. */
  path(id: string): string {
    return this.#file(id);
  }

  #file(id: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new AppError("bad_job_id", `"${id}" is not a job id.`);
    return join(this.#dir, `${id}.json`);
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}
