import { existsSync, linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../../core/errors.js";

/** lowdb is single-process: the one server writing a DATA_DIR holds `owner.pid` there. */
const lockFile = (dir: string) => join(dir, "owner.pid");

/**
 * Takes the lock or throws `store_locked`. The lock file appears atomically (hard-linked into place, or
 * created with O_EXCL where links are not supported), so of two servers started at the same moment exactly
 * one gets it (a check for the file, then a write, let both through). A lock left by a process that is gone
 * is taken over; two processes doing that at the same instant is the one race left (the OS gives Node no flock).
 */
export function takeDataDirLock(dir: string): void {
  const lock = lockFile(dir);
  const locked = (pid: number | string) =>
    new AppError(
      "store_locked",
      `DATA_DIR ${dir} is owned by another t0-ci-bot process (pid ${pid}). Stop it, use its admin API, or set REDIS_URL to run several processes.`,
    );
  // Written aside, then linked into place: link() fails if the lock exists, and a lock never exists
  // without its pid (a reader of a file created empty and written next would take it for stale).
  const mine = `${lock}.${process.pid}`;
  try {
    writeLockFile(dir, lock, () => writeFileSync(mine, String(process.pid)));
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, lock);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A file system without hard links: O_EXCL alone still keeps two starts from both winning.
        if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") return writeLockFile(dir, lock, () => writeFileSync(lock, String(process.pid), { flag: "wx" }));
        if (code !== "EEXIST") throw err;
      }
      let pid: number;
      try {
        pid = Number(readFileSync(lock, "utf8"));
      } catch {
        continue; // its owner removed it meanwhile
      }
      if (pid && pid !== process.pid && isAlive(pid)) throw locked(pid);
      if (attempt >= 2) throw locked("unknown: the lock file keeps coming back");
      rmSync(lock, { force: true }); // stale (its process is gone) or ours (a store of this process closed without a stop)
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * The write fails through a file descriptor ("ENOSPC: no space left on device, write"), naming no file: said
 * here with the file and what to do. The start stops; once there is room, the next one gets in.
 */
function writeLockFile(dir: string, lock: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw err;
    throw new AppError(
      "store_unavailable",
      `DATA_DIR ${dir}: cannot write its lock file ${lock} (${(err as Error).message}); free space on its disk (or make DATA_DIR writable by this user) and start again.`,
      { retryable: true, cause: err },
    );
  }
}

/** Gives the lock back, if this process holds it. */
export function releaseDataDirLock(dir: string): void {
  const lock = lockFile(dir);
  if (existsSync(lock) && readFileSync(lock, "utf8") === String(process.pid)) unlinkSync(lock);
}

/** The pid of a live process other than this one that holds the lock, if any. */
export function dataDirOwner(dir: string): number | undefined {
  const lock = lockFile(dir);
  if (!existsSync(lock)) return undefined;
  const pid = Number(readFileSync(lock, "utf8"));
  // Our own pid in it is a stale lock whose pid came round again (in a container the CLI is often pid 1).
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
