/** One write or flush the store started and the disk has not answered yet. */
export interface WriteInFlight {
  /** "write", "fsync", "fdatasync". */
  op: string;
  path: string;
  /** When it started (ms, the store's clock). */
  since: number;
}

/** Runs alongside a write: `write` as given, recorded as in flight until it settles. */
export type TrackWrite = <T>(op: string, path: string, write: Promise<T>) => Promise<T>;

/**
 * The store's writes the disk has not answered yet. A dead disk (or a hung network mount) never answers a
 * write or an fsync, and a stop waiting for the store to close would wait for ever: what is listed here is
 * what that stop names when it gives up (see closeStoreWithin).
 */
export class WritesInFlight {
  readonly #now: () => number;
  readonly #pending = new Map<number, WriteInFlight>();
  #seq = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  readonly track: TrackWrite = (op, path, write) => {
    const id = ++this.#seq;
    this.#pending.set(id, { op, path, since: this.#now() });
    return write.finally(() => this.#pending.delete(id));
  };

  /** Oldest first. */
  list(): WriteInFlight[] {
    return [...this.#pending.values()];
  }
}
