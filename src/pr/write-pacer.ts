import type { Clock } from "../core/ports/clock.js";

/** Same contract as the Redis pacer in src/adapters/queue/write-pacer.ts, so either can be injected. */
export interface WritePacer {
  acquire(installationId: number, signal?: AbortSignal): Promise<number>;
}

/**
 * Spaces one process's mutating GitHub requests of an installation at least `minIntervalMs` apart,
 * first come first served (GitHub: "pause at least one second between mutating requests").
 */
export function createInProcessWritePacer(clock: Pick<Clock, "now" | "sleep">, minIntervalMs = 1000): WritePacer {
  const nextFree = new Map<number, number>();
  return {
    async acquire(installationId, signal) {
      if (minIntervalMs <= 0) return 0;
      const now = clock.now();
      const slot = Math.max(now, nextFree.get(installationId) ?? 0);
      nextFree.set(installationId, slot + minIntervalMs);
      const wait = slot - now;
      if (wait > 0) await clock.sleep(wait, signal);
      return wait;
    },
  };
}
