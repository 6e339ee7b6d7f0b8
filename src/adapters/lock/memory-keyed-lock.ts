import type { Clock } from "../../core/ports/clock.js";
import type { KeyedLock, LockHold } from "../../core/ports/keyed-lock.js";

interface Entry {
  token: number;
  /** Callers waiting for the key, first come first served; each is handed the lock with its new token. */
  waiters: Array<(token: number) => void>;
}

/**
 * The lock of a deployment whose jobs all run in this process (the embedded store owns DATA_DIR alone):
 * a map of held keys. Nothing expires: a holder that dies takes the process, and the map, with it.
 */
export class MemoryKeyedLock implements KeyedLock {
  readonly #clock: Pick<Clock, "setTimeout">;
  readonly #held = new Map<string, Entry>();
  #seq = 0;

  constructor(opts: { clock: Pick<Clock, "setTimeout"> }) {
    this.#clock = opts.clock;
  }

  async acquire(key: string, opts: { waitMs: number; signal?: AbortSignal }): Promise<LockHold | undefined> {
    if (opts.signal?.aborted) return undefined;
    const entry = this.#held.get(key);
    if (!entry) {
      const token = ++this.#seq;
      this.#held.set(key, { token, waiters: [] });
      return this.#hold(key, token);
    }
    if (opts.waitMs <= 0) return undefined;
    return new Promise<LockHold | undefined>((resolve) => {
      const give = (token: number) => {
        done();
        resolve(this.#hold(key, token));
      };
      const giveUp = () => {
        done();
        const i = entry.waiters.indexOf(give);
        if (i >= 0) entry.waiters.splice(i, 1);
        resolve(undefined);
      };
      const timer = this.#clock.setTimeout(giveUp, opts.waitMs);
      const done = () => {
        timer.cancel();
        opts.signal?.removeEventListener("abort", giveUp);
      };
      opts.signal?.addEventListener("abort", giveUp, { once: true });
      entry.waiters.push(give);
    });
  }

  async close(): Promise<void> {}

  #hold(key: string, token: number): LockHold {
    return { key, release: async () => this.#release(key, token) };
  }

  #release(key: string, token: number): void {
    const entry = this.#held.get(key);
    if (entry?.token !== token) return;
    const next = entry.waiters.shift();
    if (!next) return void this.#held.delete(key);
    entry.token = ++this.#seq;
    next(entry.token);
  }
}
