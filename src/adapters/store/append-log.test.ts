import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { existsSync, fstatSync, readdirSync, readFileSync, readSync } from "node:fs";
import { mkdtemp, rm, type FileHandle } from "node:fs/promises";
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

  /**
   * Records how many lines each sync made durable. A sync waits for `release()` while `hold` is set, as a
   * disk busy writing would: lines appended meanwhile make the log busy.
   */
  function countedSync() {
    const batches: number[] = [];
    let committed = 0;
    const held: Array<() => void> = [];
    const state = { hold: false };
    return {
      batches,
      state,
      release: () => held.splice(0).forEach((r) => r()),
      sync: async (fh: FileHandle) => {
        // Read at once, not through the thread pool: a test's few event-loop turns see the batch recorded.
        const text = Buffer.alloc(fstatSync(fh.fd).size);
        readSync(fh.fd, text, 0, text.length, 0);
        const lines = text.toString().split("\n").length - 1;
        batches.push(lines - committed);
        committed = lines;
        if (state.hold) await new Promise<void>((r) => held.push(r));
      },
    };
  }
  const turns = async (n = 5) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  test("a line appended in the event-loop turn a commit ends joins the next commit, not one of its own", async () => {
    const counted = countedSync();
    const log = new AppendLog(join(dir, "log"), { fsync: true, sync: counted.sync });
    const a = log.append(line("a"));
    await new Promise((r) => setImmediate(r)); // a's commit is under way
    const b = log.append(line("b")); // waits for the next one
    await a;
    const c = log.append(line("c")); // as a request handled in the same turn as a's commit ending
    await Promise.all([b, c]);
    expect(counted.batches).toEqual([1, 2]);
    await log.close();
  });

  describe("gathering under load", () => {
    // setTimeout is faked and never advanced unless a test says so: a commit that waited for it would hang.
    beforeEach(() => void jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask", "performance"] }));
    afterEach(() => void jest.useRealTimers());

    /** Line "a" committed while `during` are appended (a sync the disk takes its time over): the log is busy. */
    async function afterSlowSync(...during: string[]) {
      const counted = countedSync();
      const log = new AppendLog(join(dir, "log"), { fsync: true, sync: counted.sync });
      counted.state.hold = true;
      const a = log.append(line("a"));
      await turns();
      const appended = during.map((t) => log.append(line(t)));
      counted.state.hold = false;
      counted.release();
      await a;
      await turns();
      return { counted, log, during: appended };
    }

    test("a lone line is committed at once, not held back for others", async () => {
      const counted = countedSync();
      const log = new AppendLog(join(dir, "log"), { fsync: true, sync: counted.sync });
      for (const text of ["a", "b", "c"]) await log.append(line(text));
      expect(counted.batches).toEqual([1, 1, 1]);
      await log.close();
    });

    test("lines that came while a sync was on disk wait for five in all, then share one sync", async () => {
      const { counted, log, during: early } = await afterSlowSync("b", "c");
      expect(counted.batches).toEqual([1]); // b and c wait for more
      const rest = ["d", "e", "f"].map((t) => log.append(line(t)));
      await Promise.all([...early, ...rest]);
      expect(counted.batches).toEqual([1, 5]);
      await log.close();
      expect(readFileSync(join(dir, "log", readdirSync(join(dir, "log"))[0]!), "utf8")).toBe("a\nb\nc\nd\ne\nf\n");
    });

    test("a gathered batch is cut after 1 ms with what it has; a line alone after that is committed at once", async () => {
      const { counted, log, during: [b] } = await afterSlowSync("b");
      expect(counted.batches).toEqual([1]);
      jest.advanceTimersByTime(1);
      await b;
      expect(counted.batches).toEqual([1, 1]);
      await log.append(line("c")); // b came alone: no more waiting
      expect(counted.batches).toEqual([1, 1, 1]);
      await log.close();
    });

    test("without fsync nothing is gathered", async () => {
      const log = new AppendLog(join(dir, "log"), { fsync: false });
      await Promise.all(["a", "b", "c"].map((t) => log.append(line(t)))); // one batch of three: a busy log
      expect(await Promise.race([log.append(line("d")), turns(20).then(() => "held back")])).toEqual({ file: expect.any(String), offset: 6 });
      await log.close();
    });
  });

  test("a new day's file whose folder could not be flushed is flushed before its first line is acknowledged, and no try leaves it open", async () => {
    const openFiles = () => (existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0); // Linux: this process's open files
    let refuse = 3;
    const synced: string[] = [];
    const syncPath = async (path: string) => {
      if (refuse-- > 0) throw Object.assign(new Error(`EIO: i/o error, fsync '${path}'`), { code: "EIO" });
      synced.push(path);
    };
    const log = new AppendLog(dir, { now: () => Date.parse("2026-12-06T10:00:00Z"), syncPath, sync: async () => undefined });
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
