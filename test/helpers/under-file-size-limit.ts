import { spawnSync, type SpawnSyncReturns } from "node:child_process";

/**
 * Runs `code` (an ES module, `process.argv[1..]` = `args`) in a child node whose files may not grow past `kib`
 * KiB (`ulimit -f`): the kernel then accepts what fits and refuses the rest, a real full disk without one.
 * `stdoutTo`: a file the child's stdout goes to (under the same limit), instead of a pipe.
 */
export function underFileSizeLimit(kib: number, code: string, args: string[] = [], opts: { stdoutTo?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  const script = `ulimit -f ${kib} && exec "$@"${opts.stdoutTo ? ' > "$OUT"' : ""}`;
  return spawnSync("bash", ["-c", script, "bash", process.execPath, "--import", "tsx", "--input-type=module", "-e", code, ...args], {
    encoding: "utf8",
    env: opts.stdoutTo ? { ...process.env, OUT: opts.stdoutTo } : process.env,
    ...(opts.timeout ? { timeout: opts.timeout } : {}),
  });
}
