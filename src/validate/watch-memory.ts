import { memAvailable } from "./mem-available.js";
import { watchFloor } from "./watch-floor.js";

export interface MemoryFloor {
  /** Below this many bytes of available memory on the host, the command is stopped. */
  minAvailableBytes: number;
  /** How often available memory is looked at while the command runs. */
  intervalMs?: number;
  /** The host's available memory, undefined when it cannot be read (MemAvailable; replaced in tests). */
  availableBytes?: () => Promise<number | undefined>;
}

/** How much memory was available when it fell below the floor. */
export interface MemoryLow {
  availableBytes: number;
  minAvailableBytes: number;
}

/**
 * Looks at the host's available memory now and then every `intervalMs`, and calls `onLow` once when it falls
 * below the floor. A test that leaks or allocates without bound otherwise takes the host's memory, and the
 * kernel's OOM killer may pick this app, Redis or another job's process instead of it. A limit on the
 * command itself would do better but is not at hand: RLIMIT_AS breaks JVMs and Go, cgroups need privileges.
 * A reading that cannot be taken skips that look. Returns the function that stops watching.
 */
export function watchMemory(floor: MemoryFloor, onLow: (low: MemoryLow) => void): () => void {
  const available = floor.availableBytes ?? (() => memAvailable());
  const look = async (): Promise<MemoryLow | undefined> => {
    const bytes = await available();
    return bytes !== undefined && bytes < floor.minAvailableBytes ? { availableBytes: bytes, minAvailableBytes: floor.minAvailableBytes } : undefined;
  };
  return watchFloor(look, floor.intervalMs, onLow);
}
