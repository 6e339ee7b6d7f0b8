import type { Clock } from "../../core/ports/clock.js";
import type { JobQueue, QueueHandler, QueueItem, QueueStats } from "../../core/ports/job-queue.js";
import type { Logger } from "../../core/ports/logger.js";

export interface InProcessQueueOptions {
  concurrency: number;
  perRepo: number;
  clock: Clock;
  logger: Logger;
}

/**
 * The embedded queue: bounded concurrency, round-robin across installations (one busy organisation
 * cannot starve the others) and a per-repository limit. Nothing here is durable on purpose: the job
 * store is, and start-up re-enqueues every unfinished job.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = "in-process";
  readonly #opts: InProcessQueueOptions;
  readonly #waiting = new Map<number, QueueItem[]>();
  /** Installations in round-robin order; the head is served next. */
  #rr: number[] = [];
  readonly #queued = new Set<string>();
  readonly #delayed = new Map<string, { cancel(): void }>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #activeByRepo = new Map<string, number>();
  /** Jobs enqueued again while running: run once more when the current run ends. */
  readonly #again = new Map<string, { item: QueueItem; delayMs?: number }>();
  #handler: QueueHandler | undefined;
  #stopped = false;

  constructor(opts: InProcessQueueOptions) {
    this.#opts = opts;
  }

  async ping(): Promise<void> {}

  async enqueue(item: QueueItem, opts: { delayMs?: number } = {}): Promise<void> {
    if (this.#active.has(item.jobId)) {
      // The runner re-queues a job (with its backoff) from inside its own run: honour it once this run ends.
      this.#again.set(item.jobId, { item, delayMs: opts.delayMs });
      return;
    }
    if (this.#queued.has(item.jobId)) {
      // An explicit immediate enqueue overrides a pending backoff (e.g. an operator retry).
      if (!opts.delayMs && this.#delayed.has(item.jobId)) {
        this.#delayed.get(item.jobId)!.cancel();
        this.#delayed.delete(item.jobId);
        this.#push(item);
      }
      return;
    }
    this.#queued.add(item.jobId);
    if (opts.delayMs && opts.delayMs > 0) {
      this.#delayed.set(item.jobId, this.#opts.clock.setTimeout(() => {
        this.#delayed.delete(item.jobId);
        this.#push(item);
      }, opts.delayMs));
      return;
    }
    this.#push(item);
  }

  async start(handler: QueueHandler): Promise<void> {
    this.#handler = handler;
    this.#stopped = false;
    this.#pump();
  }

  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    this.#stopped = true;
    for (const t of this.#delayed.values()) t.cancel();
    const running = Promise.allSettled([...this.#active.values()]);
    const drainMs = opts.drainMs ?? 30_000;
    await Promise.race([running, new Promise<void>((r) => this.#opts.clock.setTimeout(r, drainMs))]);
  }

  async stats(): Promise<QueueStats> {
    let waiting = 0;
    for (const list of this.#waiting.values()) waiting += list.length;
    return { waiting, active: this.#active.size, delayed: this.#delayed.size };
  }

  #push(item: QueueItem): void {
    const list = this.#waiting.get(item.installationId);
    if (list) list.push(item);
    else {
      this.#waiting.set(item.installationId, [item]);
      this.#rr.push(item.installationId);
    }
    this.#pump();
  }

  #pump(): void {
    if (!this.#handler || this.#stopped) return;
    while (this.#active.size < this.#opts.concurrency) {
      const item = this.#next();
      if (!item) return;
      this.#run(item);
    }
  }

  /** Next item in round-robin order whose repository is under its concurrency limit. */
  #next(): QueueItem | undefined {
    for (let turn = 0; turn < this.#rr.length; turn++) {
      const inst = this.#rr.shift()!;
      const list = this.#waiting.get(inst)!;
      const idx = list.findIndex((i) => (this.#activeByRepo.get(repoKey(i)) ?? 0) < this.#opts.perRepo);
      if (idx < 0) {
        this.#rr.push(inst);
        continue;
      }
      const [item] = list.splice(idx, 1);
      if (list.length) this.#rr.push(inst);
      else this.#waiting.delete(inst);
      return item;
    }
    return undefined;
  }

  #run(item: QueueItem): void {
    this.#queued.delete(item.jobId);
    const repo = repoKey(item);
    this.#activeByRepo.set(repo, (this.#activeByRepo.get(repo) ?? 0) + 1);
    const p = (async () => {
      // First yield: a handler that throws before returning its promise would otherwise run the cleanup
      // below before the job is marked active, and the slot marked after it would never be freed.
      await Promise.resolve();
      try {
        await this.#handler!(item);
      } catch (err) {
        this.#opts.logger.error({ err, jobId: item.jobId }, "queue handler failed");
      } finally {
        this.#active.delete(item.jobId);
        const n = (this.#activeByRepo.get(repo) ?? 1) - 1;
        if (n > 0) this.#activeByRepo.set(repo, n);
        else this.#activeByRepo.delete(repo);
        const again = this.#again.get(item.jobId);
        if (again) {
          this.#again.delete(item.jobId);
          if (!this.#stopped) void this.enqueue(again.item, { delayMs: again.delayMs });
        }
        this.#pump();
      }
    })();
    this.#active.set(item.jobId, p);
  }
}

/** GitHub repository names are case-insensitive (the shared queue's semaphore lower-cases them too). */
const repoKey = (item: QueueItem) => item.repo.toLowerCase();
