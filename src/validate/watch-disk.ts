import { statSync } from "node:fs";
import { freeBytes as statfsFreeBytes } from "../core/free-bytes.js";
import { watchFloor } from "./watch-floor.js";

export interface DiskFloor {
  /** Directories on the filesystems the command can write to (the checkout, the temp root of HOME/TMPDIR). */
  paths: string[];
  /** Below this many free bytes on any of them, the command is stopped. */
  minFreeBytes: number;
  /** How often free space is looked at while the command runs. */
  intervalMs?: number;
  /** Free bytes on the filesystem holding a directory (statfs; replaced in tests). */
  freeBytes?: (dir: string) => Promise<number>;
}

/** Where free space fell below the floor, and how much was left. */
export interface DiskLow {
  path: string;
  freeBytes: number;
  minFreeBytes: number;
}

/**
 * One directory per filesystem: the checkout and the temp root usually share one, and statfs'ing it twice
 * tells nothing more. Once per command, two stats: sync keeps the watch's only waiting in `freeBytes`.
 */
function onePerDevice(paths: string[]): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (const p of paths) {
    let dev: number | undefined;
    try {
      dev = statSync(p).dev;
    } catch {
      // Not there (yet): watched by path, statfs says whether it can be.
    }
    if (dev !== undefined && seen.has(dev)) continue;
    if (dev !== undefined) seen.add(dev);
    out.push(p);
  }
  return out;
}

/**
 * Looks at free space now and then every `intervalMs`, and calls `onLow` once when a filesystem falls below
 * the floor. A wall-clock limit and an output cap do not stop a test that writes without bound: it fills the
 * disk the host's Redis, logs and other jobs need. Returns the function that stops watching.
 */
export function watchDisk(floor: DiskFloor, onLow: (low: DiskLow) => void): () => void {
  const free = floor.freeBytes ?? statfsFreeBytes;
  const dirs = onePerDevice(floor.paths);
  const look = async (): Promise<DiskLow | undefined> => {
    for (const path of dirs) {
      // A directory gone (removed by the command) or unreadable says nothing about the disk: the next one may.
      const bytes = await free(path).catch(() => undefined);
      if (bytes !== undefined && bytes < floor.minFreeBytes) return { path, freeBytes: bytes, minFreeBytes: floor.minFreeBytes };
    }
    return undefined;
  };
  return watchFloor(look, floor.intervalMs, onLow);
}
