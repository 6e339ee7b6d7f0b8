import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { killMarked, newRunMarker, RUN_MARKER_ENV } from "./kill-marked.js";
import { TailBuffer } from "./tail-buffer.js";
import { bwrapArgs, type BwrapSpec } from "./sandbox.js";
import { watchDisk, type DiskFloor, type DiskLow } from "./watch-disk.js";
import { watchMemory, type MemoryFloor, type MemoryLow } from "./watch-memory.js";

export type SandboxSpec = { kind: "none" } | ({ kind: "bwrap"; bwrapPath?: string } & Omit<BwrapSpec, "cwd" | "env">);

export interface RunCommandOptions {
  /** A shell command line, run the way GitHub Actions runs `run:` (bash -eo pipefail). */
  command: string;
  cwd: string;
  /** The complete environment: nothing else from the parent is passed. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Memory bound on the captured output (stdout and stderr interleaved); only the tail is kept. */
  maxOutputBytes: number;
  sandbox: SandboxSpec;
  signal?: AbortSignal;
  /** How long to wait for output pipes after the process exits (a daemonised grandchild may hold them). */
  drainMs?: number;
  /** Stop the command when free space where it writes falls below this floor (no watch when absent). */
  diskFloor?: DiskFloor;
  /** Stop the command when the host's available memory falls below this floor (no watch when absent). */
  memoryFloor?: MemoryFloor;
}

export interface CommandRun {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the command was killed because free disk space fell below the floor. */
  diskLow?: DiskLow;
  /** Set when the command was killed because the host's available memory fell below the floor. */
  memoryLow?: MemoryLow;
  durationMs: number;
  output: TailBuffer;
  /** Set when the command could not be started at all. */
  spawnError?: string;
}

/**
 * Closes every descriptor but 0-2, then starts the command's shell in its place. Node marks its own
 * descriptors close-on-exec, but not one it was started with (a supervisor's socket, a file a start script
 * left open), and bwrap passes them on: the command could read or write them, inside the sandbox too.
 */
const CLOSE_INHERITED = 'for f in /proc/self/fd/*; do n=${f##*/}; case $n in 0|1|2|*[!0-9]*) ;; *) eval "exec $n<&-" ;; esac; done';
const BASH = ["/bin/bash", "--noprofile", "--norc"];
/** The shell's argv for one command (dash, the fallback, cannot name a descriptor above 9 to close it). */
const shellArgv = (command: string): string[] =>
  existsSync("/bin/bash")
    ? [...BASH, "-c", `${CLOSE_INHERITED}; exec ${BASH.join(" ")} -eo pipefail -c "$0"`, command]
    : ["/bin/sh", "-ec", command];

/**
 * Runs one command in its own process group with a wall-clock limit and, when given, a disk and a memory
 * floor. On timeout, abort, or free disk or available memory below its floor the whole group is killed
 * (SIGKILL to -pid), so `npm test` cannot leave a watcher or a server behind; under bwrap, --die-with-parent
 * and the PID namespace take the rest down with it, and without it the processes that carry the run's
 * marker (killMarked) do.
 */
export function runCommand(opts: RunCommandOptions): Promise<CommandRun> {
  const output = new TailBuffer(opts.maxOutputBytes);
  const started = performance.now();
  const shell = shellArgv(opts.command);
  const [file, args] =
    opts.sandbox.kind === "bwrap"
      ? [opts.sandbox.bwrapPath ?? "bwrap", [...bwrapArgs({ ...opts.sandbox, cwd: opts.cwd, env: opts.env }), "--", ...shell]]
      : [shell[0]!, shell.slice(1)];

  return new Promise<CommandRun>((resolve) => {
    let timedOut = false;
    let aborted = false;
    let diskLow: DiskLow | undefined;
    let memoryLow: MemoryLow | undefined;
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    // Unsandboxed, the group kill misses daemons that left the group: the marker in their environment finds them.
    const marker = opts.sandbox.kind === "none" ? newRunMarker() : undefined;
    const env = marker ? { ...opts.env, [RUN_MARKER_ENV]: marker } : opts.env;
    let sweeping: Promise<unknown> = Promise.resolve();
    const child = spawn(file, args, { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      if (marker) sweeping = sweeping.then(() => killMarked(marker));
    };
    const finish = (spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      stopWatch();
      opts.signal?.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      void sweeping.then(() => resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        aborted,
        ...(diskLow ? { diskLow } : {}),
        ...(memoryLow ? { memoryLow } : {}),
        durationMs: Math.round(performance.now() - started),
        output,
        ...(spawnError ? { spawnError } : {}),
      }));
    };
    const stops: (() => void)[] = [];
    const stopWatch = () => stops.forEach((stop) => stop());
    // The first reason to stop the command (timeout, abort, a floor) stops the floors' watches: one reason per kill.
    const killFor = (record: () => void) => {
      stopWatch();
      record();
      killGroup();
    };
    const onAbort = () => killFor(() => (aborted = true));
    const timer = setTimeout(() => killFor(() => (timedOut = true)), opts.timeoutMs);
    if (opts.diskFloor) stops.push(watchDisk(opts.diskFloor, (low) => killFor(() => (diskLow = low))));
    if (opts.memoryFloor) stops.push(watchMemory(opts.memoryFloor, (low) => killFor(() => (memoryLow = low))));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (d: Buffer) => output.write(d));
    child.stderr.on("data", (d: Buffer) => output.write(d));
    child.on("error", (err) => finish(`could not start ${file}: ${err.message}`));
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // What ran is over (the group is killed next): free space or memory after this is not its doing.
      stopWatch();
      // The group may outlive its leader: clean it up, then give the pipes a moment to drain.
      killGroup();
      drainTimer = setTimeout(() => finish(), opts.drainMs ?? 2_000);
    });
    child.on("close", () => finish());
  });
}
