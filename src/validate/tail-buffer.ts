/**
 * Keeps only the last `capacity` bytes of a stream, so a command that prints gigabytes costs a fixed
 * amount of memory. The tail is what explains a failure (the summary and the last error come last).
 */
export class TailBuffer {
  readonly capacity: number;
  #buf: Buffer;
  /** Next write position in the ring. */
  #pos = 0;
  #filled = false;
  #total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`TailBuffer capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#buf = Buffer.alloc(capacity);
  }

  /** Bytes seen in total, kept or not. */
  get totalBytes(): number {
    return this.#total;
  }

  get truncated(): boolean {
    return this.#total > this.capacity;
  }

  write(chunk: Uint8Array): void {
    this.#total += chunk.length;
    let data = chunk;
    // Only the last `capacity` bytes of a big chunk can survive; skip the rest without copying it.
    if (data.length >= this.capacity) {
      data = data.subarray(data.length - this.capacity);
      this.#buf.set(data, 0);
      this.#pos = 0;
      this.#filled = true;
      return;
    }
    const first = Math.min(data.length, this.capacity - this.#pos);
    this.#buf.set(data.subarray(0, first), this.#pos);
    const rest = data.length - first;
    if (rest > 0) this.#buf.set(data.subarray(first), 0);
    const end = this.#pos + data.length;
    if (end >= this.capacity) this.#filled = true;
    this.#pos = end % this.capacity;
  }

  /** The kept bytes in order. */
  bytes(): Buffer {
    if (!this.#filled) return Buffer.from(this.#buf.subarray(0, this.#pos));
    return Buffer.concat([this.#buf.subarray(this.#pos), this.#buf.subarray(0, this.#pos)]);
  }

  /**
   * The last `maxBytes` kept bytes as text. A cut through a multi-byte character at the start is
   * dropped rather than shown as a replacement character.
   */
  text(maxBytes = this.capacity): string {
    let b = this.bytes();
    if (b.length > maxBytes) b = b.subarray(b.length - maxBytes);
    let start = 0;
    while (start < b.length && start < 4 && (b[start]! & 0xc0) === 0x80) start++;
    return b.subarray(start).toString("utf8");
  }
}
