import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";

/** The environment variable every validation command and its descendants carry (see killMarked). */
export const RUN_MARKER_ENV = "T0_CI_BOT_RUN";

/** /proc/<pid>/environ files read at once by killMarked. */
const READERS = 8;

export function newRunMarker(): string {
  return randomUUID();
}

export interface KillMarkedOptions {
  /** How many scans at most (default 3). */
  passes?: number;
  /** Where the processes are listed (default /proc); a test's directory of `<pid>/environ` files. */
  proc?: string;
  /** Sends SIGKILL to a pid; throws when it is gone or not ours. */
  kill?: (pid: number) => void;
}

/**
 * Kills (SIGKILL) every process whose environment holds `RUN_MARKER_ENV=<marker>`; returns how many.
 *
 * A command run without bubblewrap is killed by its process group, and a daemon that left the group
 * (setsid, a double fork: `redis-server --daemonize yes`, `pg_ctl start`) outlives it on the host, holding
 * ports and files for the next job. It still carries the environment it was started with: the marker finds
 * it. Linux only (/proc); elsewhere, or for processes of other users, nothing is found. Processes forked
 * while the scan runs are caught by the next pass, so it scans until one finds nothing new (at most `passes`).
 */
export async function killMarked(marker: string, opts: KillMarkedOptions = {}): Promise<number> {
  const { passes = 3, proc = "/proc", kill = (pid) => process.kill(pid, "SIGKILL") } = opts;
  const needle = Buffer.from(`${RUN_MARKER_ENV}=${marker}\0`);
  // A SIGKILLed process keeps its /proc environ until the kernel has run its exit, later on a busy host: the
  // next pass saw it again, counted it once per pass and kept scanning for nothing.
  const sent = new Set<string>();
  for (let pass = 0; pass < passes; pass++) {
    let pids: string[];
    try {
      pids = (await readdir(proc)).filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid && !sent.has(d));
    } catch {
      return sent.size;
    }
    let found = 0;
    // A few files at a time: all of /proc at once opened one descriptor per process, so a busy host hit
    // EMFILE, the daemon went unseen and the app's own sockets and store writes failed meanwhile.
    let next = 0;
    const reader = async () => {
      while (next < pids.length) {
        const pid = pids[next++]!;
        const environ = await readFile(`${proc}/${pid}/environ`).catch(() => undefined);
        const at = environ?.indexOf(needle) ?? -1;
        // A whole variable: the first one, or one after a NUL (not the tail of another's value).
        if (at < 0 || (at > 0 && environ![at - 1] !== 0)) continue;
        try {
          kill(Number(pid));
          sent.add(pid);
          found++;
        } catch {
          // Gone already, or not ours to kill.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READERS, pids.length) }, reader));
    if (!found) break;
  }
  return sent.size;
}
