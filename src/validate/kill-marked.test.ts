import { describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const KILL_MARKED = fileURLToPath(new URL("./kill-marked.ts", import.meta.url));

describe("killMarked", () => {
  // The sweep reads every /proc/<pid>/environ. All at once, a host with more processes than free file
  // descriptors gets EMFILE: the marked daemon is missed, and the app's own sockets and store writes fail
  // meanwhile. A process limited to 48 descriptors, among 150+ processes, must still find it.
  test("finds a marked process on a host with more processes than free file descriptors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-kill-marked-"));
    const crowd = spawn("/bin/bash", ["-c", "for i in $(seq 150); do sleep 30 & done; wait"], { detached: true, stdio: "ignore" });
    try {
      const script = join(dir, "sweep.mts");
      await writeFile(
        script,
        `import { spawn } from "node:child_process";
import { killMarked, RUN_MARKER_ENV } from ${JSON.stringify(KILL_MARKED)};
const marker = "fd-test-" + process.pid;
const c = spawn("sleep", ["4298"], { env: { PATH: process.env.PATH, [RUN_MARKER_ENV]: marker }, detached: true, stdio: "ignore" });
await new Promise((r) => setTimeout(r, 300));
const killed = await killMarked(marker);
if (!killed) process.kill(c.pid, "SIGKILL");
console.log(JSON.stringify({ killed }));
`,
      );
      await new Promise((r) => setTimeout(r, 300));
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
