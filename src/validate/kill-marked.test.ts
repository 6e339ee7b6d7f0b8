import { describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killMarked, RUN_MARKER_ENV } from "./kill-marked.js";

const KILL_MARKED = fileURLToPath(new URL("./kill-marked.ts", import.meta.url));

/** A directory laid out like /proc: `<pid>/environ` with the given variables, NUL-terminated. */
async function fakeProc(processes: Record<number, string[]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "t0-kill-marked-proc-"));
  for (const [pid, vars] of Object.entries(processes)) addProcess(dir, Number(pid), vars);
  return dir;
}

function addProcess(proc: string, pid: number, vars: string[]): void {
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), "environ"), vars.map((v) => `${v}\0`).join(""));
}

/** A kill that records the pid and, like an exit the kernel runs at once, removes it from `proc`. */
const dyingAtOnce = (proc: string, sent: number[]) => (pid: number) => {
  sent.push(pid);
  rmSync(join(proc, String(pid)), { recursive: true });
};

describe("killMarked", () => {
  test("kills the processes carrying the whole marker, not one whose value only ends with it", async () => {
    const proc = await fakeProc({
      4_100_001: ["PATH=/bin", `${RUN_MARKER_ENV}=run-1`],
      4_100_002: [`${RUN_MARKER_ENV}=run-1`, "HOME=/h"],
      4_100_003: [`OTHER=x${RUN_MARKER_ENV}=run-1`],
      4_100_004: [`${RUN_MARKER_ENV}=run-2`],
    });
    try {
      const sent: number[] = [];
      expect(await killMarked("run-1", { proc, kill: dyingAtOnce(proc, sent) })).toBe(2);
      expect(sent.sort()).toEqual([4_100_001, 4_100_002]);
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
  });

  // A SIGKILLed process stays in /proc, its environment readable, until the kernel has run its exit: on a
  // busy machine that outlasts the next pass, which counted it again (the test below once saw 3 for 1).
  test("a killed process still listed in the next pass is not counted or killed again", async () => {
    const proc = await fakeProc({ 4_100_011: [`${RUN_MARKER_ENV}=run-1`] });
    try {
      const sent: number[] = [];
      expect(await killMarked("run-1", { proc, kill: (pid) => void sent.push(pid) })).toBe(1);
      expect(sent).toEqual([4_100_011]);
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
  });

  test("a marked process forked while a pass runs is found by the next one", async () => {
    const proc = await fakeProc({ 4_100_021: [`${RUN_MARKER_ENV}=run-1`] });
    try {
      const sent: number[] = [];
      const dies = dyingAtOnce(proc, sent);
      const kill = (pid: number) => {
        // The parent forked once more before it died.
        if (pid === 4_100_021) addProcess(proc, 4_100_022, [`${RUN_MARKER_ENV}=run-1`]);
        dies(pid);
      };
      expect(await killMarked("run-1", { proc, kill })).toBe(2);
      expect(sent).toEqual([4_100_021, 4_100_022]);
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
  });

  // The sweep reads every /proc/<pid>/environ. All at once, a host with more processes than free file
  // descriptors gets EMFILE: the marked daemon is missed, and the app's own sockets and store writes fail
  // meanwhile. A process limited to 48 descriptors, among 150+ processes, must still find it.
  test("finds a marked process on a host with more processes than free file descriptors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-kill-marked-"));
    // "ready" once all 150 are forked: a fixed wait let a slow machine sweep before the crowd was there.
    const crowd = spawn("/bin/bash", ["-c", "for i in $(seq 150); do sleep 30 >/dev/null & done; echo ready; wait"], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    const crowdReady = new Promise<void>((resolve, reject) => {
      crowd.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      crowd.on("exit", () => reject(new Error("the crowd of processes exited before it was ready")));
    });
    try {
      const script = join(dir, "sweep.mts");
      await writeFile(
        script,
        `import { spawn } from "node:child_process";
import { once } from "node:events";
import { killMarked, RUN_MARKER_ENV } from ${JSON.stringify(KILL_MARKED)};
const marker = "fd-test-" + process.pid;
const c = spawn("sleep", ["4298"], { env: { PATH: process.env.PATH, [RUN_MARKER_ENV]: marker }, detached: true, stdio: "ignore" });
// Emitted once the exec succeeded, so /proc shows sleep's own environment (a fixed wait raced a slow exec).
await once(c, "spawn");
const killed = await killMarked(marker);
if (!killed) process.kill(c.pid, "SIGKILL");
console.log(JSON.stringify({ killed }));
`,
      );
      await crowdReady;
      const r = spawnSync("/bin/bash", ["-c", `ulimit -n 48 && exec node --import tsx ${JSON.stringify(script)}`], { encoding: "utf8", timeout: 50_000 });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({ killed: 1 });
    } finally {
      try {
        process.kill(-crowd.pid!, "SIGKILL");
      } catch {
        // gone
      }
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
