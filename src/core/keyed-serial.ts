/**
 * Runs the functions given for one key one after the other (a job's read-modify-write must not interleave
 * with another update of the same job in this process); different keys run concurrently. A function that
 * fails does not stop the next one for its key.
 */
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.#tails.set(key, next);
    void next.finally(() => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    }).catch(() => undefined);
    return next;
  }

  /** Resolves once everything started so far has ended, whatever its outcome. */
  async idle(): Promise<void> {
    await Promise.all([...this.#tails.values()].map((p) => p.catch(() => undefined)));
  }
}
