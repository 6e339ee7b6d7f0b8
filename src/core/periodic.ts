import type { JobStore } from "./ports/job-store.js";

/**
 * Runs `run` now (`first`: true) and then every `everyMs` (the timer does not keep the process alive).
 * Returns a function that stops it.
 */
export function runNowAndEvery(everyMs: number, run: (first: boolean) => unknown): () => void {
  void run(true);
  const t = setInterval(() => void run(false), everyMs);
  t.unref();
  return () => clearInterval(t);
}

/**
 * Whether this process takes the pass named `name` for `ms`: a store shared by a fleet (Redis) lets one
 * process have it; a store of one process (lowdb, memory) has no lease, and its process always does.
 */
export async function takesLease(store: JobStore, name: string, ms: number): Promise<boolean> {
  return !store.tryLease || (await store.tryLease(name, ms));
}
