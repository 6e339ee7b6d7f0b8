import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { AppError } from "../../core/errors.js";

export interface FingerprintClear {
  repoId: number;
  fingerprint: string;
  at: string;
}

/**
 * The lowdb store's `fingerprints.json`: `<repoId>:<fingerprint>` → when that failure last went green (the
 * fix-loop count starts again from there). Its own document, written only when a clear happens: state.json
 * is rewritten at every checkpoint, every second under load, and this grows with every branch that failed
 * and went green.
 */
export class FingerprintClears {
  readonly #doc: Low<Record<string, string>>;

  private constructor(doc: Low<Record<string, string>>) {
    this.#doc = doc;
  }

  static async open(dir: string): Promise<FingerprintClears> {
    const file = join(dir, "fingerprints.json");
    const doc = new Low<Record<string, string>>(new JSONFile(file), {});
    try {
      await doc.read();
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      // Not started without it: the clears would be forgotten, and failures that went green long ago counted
      // again against the fix-loop cap. The operator chooses.
      throw new AppError(
        "store_corrupt",
        `${file} is not valid JSON (${err.message}): a write cut short by a crash or a disk error. Stop here and restore it from a backup, or delete it to start (failures that went green before are then counted again towards the fix-loop cap).`,
        { cause: err },
      );
    }
    doc.data ??= {};
    return new FingerprintClears(doc);
  }

  all(): FingerprintClear[] {
    return Object.entries(this.#doc.data).map(([key, at]) => {
      const sep = key.indexOf(":");
      return { repoId: Number(key.slice(0, sep)), fingerprint: key.slice(sep + 1), at };
    });
  }

  async record(repoId: number, fingerprints: string[], at: string): Promise<void> {
    for (const fp of fingerprints) this.#doc.data[`${repoId}:${fp}`] = at;
    await this.#doc.write(); // lowdb serialises concurrent writes of one document
  }
}
