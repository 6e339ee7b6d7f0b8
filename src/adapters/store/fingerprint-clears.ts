import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";

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
    const doc = new Low<Record<string, string>>(new JSONFile(join(dir, "fingerprints.json")), {});
    await doc.read();
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
