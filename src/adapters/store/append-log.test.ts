import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

  /** Counts the syncs, wherever they run, and makes each take `ms[i]` of the clock given to the log. */
  function countedSync(ms: number[] = []) {
    const calls: Array<"inline" | "pooled"> = [];
    let clock = 0;
    const take = () => void (clock += ms[calls.length - 1] ?? 0.2);
    return {
      calls,
      elapsed: () => clock,
      sync: {
        inline: () => void (calls.push("inline"), take()),
        pooled: async () => void (calls.push("pooled"), take()),
      },
    };
  }

  test("a line appended in the event-loop turn a commit ends joins the next commit, not one of its own", async () => {
    const counted = countedSync();
    const log = new AppendLog(join(dir, "log"), { fsync: true, sync: counted.sync, elapsed: counted.elapsed });
    const a = log.append(line("a"));
    await new Promise((r) => setImmediate(r)); // a's commit is under way
    const b = log.append(line("b")); // waits for the next one
    await a;
    const c = log.append(line("c")); // as a request handled in the same turn as a's commit ending
    await Promise.all([b, c]);
    expect(counted.calls).toHaveLength(2);
    await log.close();
  });

  test("syncs on the event loop while the disk answers fast, in the thread pool after a slow sync until one is fast", async () => {
    // The second sync takes 40 ms: the two after it go to the pool, the first of which is fast again.
    const counted = countedSync([0.2, 40, 0.3, 0.2, 0.2]);
    const log = new AppendLog(join(dir, "log"), { fsync: true, sync: counted.sync, elapsed: counted.elapsed });
    for (const text of ["a", "b", "c", "d", "e"]) await log.append(line(text));
    expect(counted.calls).toEqual(["inline", "inline", "pooled", "inline", "inline"]);
    await log.close();
    expect(readFileSync(join(dir, "log", readdirSync(join(dir, "log"))[0]!), "utf8")).toBe("a\nb\nc\nd\ne\n");
  });

  test("by default the first sync runs on the event loop, not in the thread pool", async () => {
    const probe = await open(join(dir, "probe"), "w");
    const pooled = jest.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, "datasync");
    await probe.close();
    try {
      const log = new AppendLog(join(dir, "log"), { fsync: true });
      await log.append(line("a"));
      await log.close();
      // The first sync runs on the event loop (no sync has been slow yet).
      expect(pooled).not.toHaveBeenCalled();
      expect(readFileSync(join(dir, "log", readdirSync(join(dir, "log"))[0]!), "utf8")).toBe("a\n");
    } finally {
      pooled.mockRestore();
    }
  });

  test("a new day's file whose folder could not be flushed is flushed before its first line is acknowledged, and no try leaves it open", async () => {
    const openFiles = () => (existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0); // Linux: this process's open files
    let refuse = 3;
    const synced: string[] = [];
    const syncPath = async (path: string) => {
      if (refuse-- > 0) throw Object.assign(new Error(`EIO: i/o error, fsync '${path}'`), { code: "EIO" });
      synced.push(path);
    };
    const log = new AppendLog(dir, { now: () => Date.parse("2026-12-06T10:00:00Z"), syncPath, sync: { inline: () => undefined, pooled: async () => undefined } });
    const before = openFiles();
    for (let i = 0; i < 3; i++) await expect(log.append(line(`refused ${i}`))).rejects.toMatchObject({ code: "EIO" });
    // The file exists from the first try on: its name in the folder is still not known to be on disk.
    expect(existsSync(join(dir, "2026-12-06.ndjson"))).toBe(true);
    expect(openFiles()).toBe(before);
    expect(await log.append(line("a"))).toEqual({ file: "2026-12-06.ndjson", offset: 0 });
    expect(synced).toEqual([dir]);
    await log.close();
  });
});
