import { LRUCache } from "lru-cache";
import type { GitObject } from "./git-objects.js";

/** git writes no delta chain deeper than 4095 (pack.depth's maximum): a longer one is a loop in a crafted pack. */
export const MAX_CHAIN = 4096;

/**
 * Resolved objects kept so that deltas sharing a base do not inflate and rebuild it again (git's delta
 * base cache): a byte budget, least recently used out first, and no object over a quarter of it.
 */
export function objectCache<K extends {}>(maxBytes: number): LRUCache<K, GitObject> {
  // lru-cache wants positive whole sizes: +1 gives an empty blob one, and a budget of 0 keeps (next to) nothing.
  return new LRUCache<K, GitObject>({
    maxSize: Math.max(1, Math.floor(maxBytes)),
    maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
    sizeCalculation: (o) => o.data.length + 1,
  });
}
