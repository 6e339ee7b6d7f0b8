/**
 * errno codes that mean the disk (or its file system) refuses writes, whatever the file: nothing written there
 * gets through until someone frees space or fixes the disk. Other codes (EISDIR, EACCES, ENAMETOOLONG, ...)
 * can be about one path only.
 */
export const STORAGE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EIO: "the disk reported an I/O error",
  EROFS: "the file system is read-only",
};

/** The errno code of a storage failure anywhere in the error's cause chain, if it is one, and the file it names. */
export function storageError(err: unknown): { code: string; path?: string } | undefined {
  for (let e = err as { code?: unknown; path?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code in STORAGE_ERRORS) return { code: e.code, ...(typeof e.path === "string" ? { path: e.path } : {}) };
  }
  return undefined;
}
