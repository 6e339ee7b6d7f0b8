import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { Delivery } from "../../core/ports/job-store.js";
import { decodeIntakeRecord, journalFiles, splitLines } from "./intake-journal.js";

const RECENT_DELIVERIES = 1000;
const RECENT_TAIL_BYTES = 8 * 1024 * 1024;

/** The lowdb store's newest deliveries, for `deliveries list` and the redelivery pass. */
export class RecentDeliveries {
  readonly #list: Delivery[] = [];

  /**
   * Read from the end of the intake journal, without a gap: each redelivery pass takes every delivery newer
   * than the oldest one listed and missing from the list for one this store lost. So a file read only in part
   * (its last 8 MB) is as far back as the list goes: after a restart on a busy day `deliveries list` shows a
   * few hundred deliveries, not RECENT_DELIVERIES, until new ones arrive.
   */
  load(journalDir: string): void {
    for (const file of journalFiles(journalDir).reverse()) {
      const found: Delivery[] = [];
      const tail = readTail(join(journalDir, file), RECENT_TAIL_BYTES);
      const { lines, rest } = splitLines(tail.bytes);
      for (const line of [...lines, rest]) {
        const rec = decodeIntakeRecord(line);
        if (rec) found.push(rec.delivery);
      }
      this.#list.unshift(...found);
      if (this.#list.length >= RECENT_DELIVERIES || !tail.whole) break;
    }
    this.#list.splice(0, Math.max(0, this.#list.length - RECENT_DELIVERIES));
  }

  push(delivery: Delivery): void {
    this.#list.push(delivery);
    if (this.#list.length > RECENT_DELIVERIES * 2) this.#list.splice(0, RECENT_DELIVERIES);
  }

  /** The newest first, as copies. */
  list(limit: number): Delivery[] {
    return this.#list.slice(-limit).reverse().map((d) => ({ ...d }));
  }
}

/** The last `bytes` of a file, from its first whole line; `whole` when that is the whole file. */
function readTail(file: string, bytes: number): { bytes: Buffer; whole: boolean } {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return start > 0 ? { bytes: buf.subarray(buf.indexOf(0x0a) + 1), whole: false } : { bytes: buf, whole: true };
  } finally {
    closeSync(fd);
  }
}
