import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { underFileSizeLimit } from "../../test/helpers/under-file-size-limit.js";
import { createLogger } from "./logger.js";

describe("createLogger's stdout", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-logger-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("redirected to a file on a full disk: the process neither crashes nor hangs at exit, and says once on stderr why lines are lost", () => {
    // A real refused write: stdout is a file no bigger than 4 KiB (ulimit -f) in the child; stderr is a pipe.
    const code = `const { createLogger } = await import(${JSON.stringify(new URL("./logger.ts", import.meta.url).pathname)});
      const logger = createLogger();
      for (let i = 0; i < 200; i++) logger.info({ i, pad: "x".repeat(100) }, "a line");
      setTimeout(() => { logger.info("later"); setTimeout(() => process.stderr.write("still serving\\n"), 300); }, 300);`;
    const out = join(dir, "out.log");
    // A child that waits for space at exit waits for ever; 50 s leaves a loaded CI machine room to start tsx.
    const child = underFileSizeLimit(4, code, [], { stdoutTo: out, timeout: 50_000 });
    expect(child.signal).toBeNull(); // not killed by the timeout: the exit did not wait for space
    expect(child.status).toBe(0);
    expect(child.stderr).toContain("still serving");
    const notices = child.stderr.split("\n").filter((l) => l.includes("log lines"));
    expect(notices).toEqual([expect.stringMatching(/^t0-ci-bot: log lines cannot be written to stdout \(EFBIG: file too large, write\); up to 16 MB of them wait .*; free space where stdout goes/)]);
    expect(readFileSync(out, "utf8").length).toBeLessThanOrEqual(4096);
  }, 60_000);

  test("a line's control and bidi characters are written as \\uXXXX: a console shows them, it does not act on them", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void lines.push(l) } });
    logger.info({ test: "adds \u202eevil\u202c", csi: "\u009b2J" }, "a test name from a CI log");
    expect(lines[0]).not.toMatch(/[\u009b\u202e\u202c]/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ test: "adds \u202eevil\u202c", csi: "\u009b2J" });
  });
});
