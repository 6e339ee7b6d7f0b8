import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * The process a workspace belongs to. WORKSPACE_ROOT may be shared by several processes (a fleet on one
 * host, or two deployments left on the default under the temp dir), and each one's start-up sweep must
 * only remove what no live process uses. `start` tells a process from a later one given the same pid.
 */
export interface Owner {
  pid: number;
  host: string;
  /** When the process started, in the kernel's clock ticks since boot (Linux); null where unknown. */
  start: string | null;
}

/** When `pid` started, from /proc/<pid>/stat (field 22); null without /proc or when it is gone. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2, the command name in parentheses, may itself hold spaces and ")": count from the last one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export const thisProcess = (): Owner => ({ pid: process.pid, host: hostname(), start: processStart(process.pid) });

export function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (Number.isInteger(o.pid) && o.pid! > 0 && typeof o.host === "string" && (o.start === null || typeof o.start === "string")) {
      return { pid: o.pid!, host: o.host, start: o.start };
    }
  } catch {
    // Not written by us (it is renamed into place whole): no owner.
  }
  return undefined;
}

/** Whether the owner may still be running. Another host's processes cannot be seen from here, so they may. */
export function ownerAlive(o: Owner): boolean {
  if (o.host !== hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStart(o.pid);
  return o.start === null || start === null || start === o.start;
}
