import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeJob } from "../../../test/helpers/make-job.js";
import { JobArchive } from "./job-archive.js";
import { toIndexEntry } from "./job-index.js";
import { underFileSizeLimit } from "../../../test/helpers/under-file-size-limit.js";

const final = (runId: number) => {
  const job = makeJob({ runId, at: "2026-10-01T00:00:00.000Z" });
  job.state = "completed";
  return job;
};

describe("JobArchive", () => {
  let dir: string;
  const synced: string[] = [];
  const archive = () => new JobArchive(dir, async (p) => void synced.push(p));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-archive-"));
    synced.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a line torn by a crash mid-append neither stops the load nor swallows the next job", async () => {
    const a = final(1);
    const b = final(2);
    await archive().append(a, toIndexEntry(a));
    // A crash cut the next job's line and its index line short.
    appendFileSync(join(dir, "2026-10.ndjson"), '{"id":"torn","sta');
    appendFileSync(join(dir, "index.ndjson"), '{"id":"torn","sta');
    const reopened = archive();
    expect(reopened.load().map((e) => e.id)).toEqual([a.id]);
    await reopened.append(b, toIndexEntry(b));
    const again = archive();
    expect(again.load().map((e) => e.id)).toEqual([a.id, b.id]);
    expect(await again.read(b.id, toIndexEntry(b))).toEqual(b);
    expect(await again.read(a.id, toIndexEntry(a))).toEqual(a);
  });

  test("reads a job at its offset, and still finds jobs archived before offsets were kept", async () => {
    const jobs = [final(1), final(2), final(3)];
    const w = archive();
    for (const j of jobs) await w.append(j, toIndexEntry(j));
    // Jobs archived by an older version: a plain index entry and a line in the month file.
    const legacy = final(4);
    appendFileSync(join(dir, "2026-10.ndjson"), `${JSON.stringify(legacy)}\n`);
    appendFileSync(join(dir, "index.ndjson"), `${JSON.stringify(toIndexEntry(legacy))}\n`);
    const r = archive();
    expect(r.load()).toEqual([...jobs, legacy].map(toIndexEntry));
    for (const j of [...jobs, legacy]) expect(await r.read(j.id, toIndexEntry(j))).toEqual(j);
    // The offset is what is read: rewrite the month so a scan would find another copy of the job first.
    const month = join(dir, "2026-10.ndjson");
    const changed = { ...jobs[2]!, state: "failed" };
    writeFileSync(month, readFileSync(month, "utf8").replace(JSON.stringify(jobs[0]), JSON.stringify(changed).padEnd(JSON.stringify(jobs[0]).length)));
    expect((await r.read(jobs[2]!.id, toIndexEntry(jobs[2]!)))?.state).toBe("completed");
    expect(await r.read("nope", toIndexEntry(final(9)))).toBeUndefined();
  });

  test("sync flushes each file appended to since the last sync, once", async () => {
    const w = archive();
    const a = final(1);
    await w.append(a, toIndexEntry(a));
    await w.sync();
    // And the folder, where both files were created.
    expect(synced.sort()).toEqual([dir, join(dir, "2026-10.ndjson"), join(dir, "index.ndjson")]);
    synced.length = 0;
    await w.sync();
    expect(synced).toEqual([]);
  });

  test("a line the disk took only part of (it filled up mid-write) fails the append: the job is not taken as archived", async () => {
    const big = final(1);
    big.error = { code: "x", message: "m".repeat(6000), retryable: false, at: big.updatedAt };
    // A real short write: the kernel accepts what fits under the file size limit (ulimit -f, in KiB), then refuses.
    const code = `const { JobArchive } = await import(${JSON.stringify(new URL("./job-archive.ts", import.meta.url).pathname)});
      const { toIndexEntry } = await import(${JSON.stringify(new URL("./job-index.ts", import.meta.url).pathname)});
      const job = JSON.parse(process.argv[2]);
      try { await new JobArchive(process.argv[1], async () => undefined).append(job, toIndexEntry(job)); console.log("appended"); }
      catch (e) { console.log(e.code); }`;
    const child = underFileSizeLimit(4, code, [dir, JSON.stringify(big)]);
    expect(child.stdout.trim()).toBe("EFBIG");
    // Space is back: the torn line is ended and the job archived whole.
    const again = archive();
    again.load();
    expect(again.has(big.id)).toBe(false);
    await again.append(big, toIndexEntry(big));
    const loaded = archive();
    loaded.load();
    expect(await loaded.read(big.id, toIndexEntry(big))).toEqual(big);
  }, 30_000);
});
