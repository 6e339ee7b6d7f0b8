import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppendLog } from "./append-log.js";

const line = (text: string) => [Buffer.from(`${text}\n`)];

describe("AppendLog", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-append-log-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a clock stepping back over midnight never sends a line into an older day's file, also after a restart", async () => {
    let now = Date.parse("2026-12-06T00:00:05Z");
    const log = new AppendLog(dir, { fsync: false, now: () => now });
    expect(await log.append(line("a"))).toEqual({ file: "2026-12-06.ndjson", offset: 0 });
    now = Date.parse("2026-12-05T23:59:58Z"); // NTP steps the clock back
    expect(await log.append(line("b"))).toEqual({ file: "2026-12-06.ndjson", offset: 2 });
    await log.close();
    const restarted = new AppendLog(dir, { fsync: false, now: () => now });
    expect(await restarted.append(line("c"))).toEqual({ file: "2026-12-06.ndjson", offset: 4 });
    now = Date.parse("2026-12-07T00:00:01Z");
    expect(await restarted.append(line("d"))).toEqual({ file: "2026-12-07.ndjson", offset: 0 });
    await restarted.close();
    expect(readdirSync(dir).sort()).toEqual(["2026-12-06.ndjson", "2026-12-07.ndjson"]);
    expect(readFileSync(join(dir, "2026-12-06.ndjson"), "utf8")).toBe("a\nb\nc\n");
  });

  test("a line appended in the event-loop turn a commit ends joins the next commit, not one of its own", async () => {
    const probe = await open(join(dir, "probe"), "w");
    const datasync = jest.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, "datasync");
    await probe.close();
    try {
      const log = new AppendLog(join(dir, "log"), { fsync: true });
      const a = log.append(line("a"));
      await new Promise((r) => setImmediate(r)); // a's commit is under way
      const b = log.append(line("b")); // waits for the next one
      await a;
      const c = log.append(line("c")); // as a request handled in the same turn as a's commit ending
      await Promise.all([b, c]);
      expect(datasync).toHaveBeenCalledTimes(2);
      await log.close();
    } finally {
      datasync.mockRestore();
    }
  });
});
