import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { root } from "../intake/spawn-server.js";

describe("CLI output into a closed pipe", () => {
  test("`deliveries list | head` (reader gone before the CLI writes): exits 0, no EPIPE stack trace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-epipe-"));
    await (await LowdbJobStore.open(dir)).close(); // an empty store: the CLI refuses a DATA_DIR with none
    const child = spawn(process.execPath, [join(root, "bin/t0-ci-bot.js"), "deliveries", "list"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATA_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Closed before the child has even loaded: its first write is certain to meet a reader that is gone.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    await rm(dir, { recursive: true, force: true });
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
