import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { cp, mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../../test/helpers/eventually.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { recordingLogger } from "../../../test/helpers/recording-logger.js";
import { FDATASYNC, type FileSync } from "./append-log.js";
import { LowdbJobStore } from "./lowdb-store.js";
import { JobDocuments } from "./job-documents.js";
import type { Job } from "../../core/job.js";

const writeOriginal = JobDocuments.prototype.write;
import { underFileSizeLimit } from "../../../test/helpers/under-file-size-limit.js";

describe("LowdbJobStore specifics", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-lowdb-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("keeps raw payloads out of job documents, in the day's journal, byte for byte", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    const body = Buffer.from('{"big":"payload","name":"Zoë ✓"}');
    const pretty = '{\n  "pretty": true\n}';
    const delivery = makeDelivery(job);
    await store.recordIntake(delivery, body, job);
    await store.recordIntake(makeDelivery(undefined, { id: "pretty" }), pretty);
    await store.close(); // the job document is written behind the journal; close waits for it
    const doc = await readFile(join(dir, "jobs", `${job.id}.json`), "utf8");
    expect(doc).not.toContain("payload");
    const [journal] = readdirSync(join(dir, "journal"));
    const lines = (await readFile(join(dir, "journal", journal!), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(2); // one line per delivery, also for a body with line breaks
    expect(JSON.parse(lines[0]!).body).toEqual({ big: "payload", name: "Zoë ✓" }); // NDJSON: jq still reads it
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect(await reader.getDeliveryPayload(delivery.id)).toBe(body.toString());
    expect(await reader.getDeliveryPayload("pretty")).toBe(pretty);
    await reader.close();
  });

  test("with fsync on, a new day's journal file has its folder entry flushed before its first delivery is acknowledged", async () => {
    const synced: string[] = [];
    const store = await LowdbJobStore.open(dir, { syncPath: async (p) => void synced.push(p.slice(dir.length + 1)) });
    const job = makeJob({ runId: 1 });
    await store.recordIntake(makeDelivery(job), "{}", job);
    expect(synced).toContain("journal");
    synced.length = 0;
    const next = makeJob({ runId: 2 });
    await store.recordIntake(makeDelivery(next), "{}", next); // same day's file: its entry is on disk already
    expect(synced).not.toContain("journal");
    await store.close();
  });

  test("a delivery whose journal sync failed (EIO) does not come back as a job after a restart", async () => {
    let failNext = false;
    const refused = () => {
      failNext = false;
      return Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    };
    const journalSync: FileSync = (fh) => (failNext ? Promise.reject(refused()) : FDATASYNC(fh));
    const store = await LowdbJobStore.open(dir, { journalSync });
    const kept = makeJob({ runId: 1 });
    await store.recordIntake(makeDelivery(kept), "{}", kept);
    failNext = true;
    const job = makeJob({ runId: 2 });
    await expect(store.recordIntake(makeDelivery(job), "{}", job)).rejects.toMatchObject({ code: "EIO" });
    expect(await store.findJobByKey(job.key)).toBeUndefined();
    await store.close();
    const again = await LowdbJobStore.open(dir);
    const after = { refused: (await again.findJobByKey(job.key))?.id, kept: (await again.findJobByKey(kept.key))?.id, deliveries: (await again.listDeliveries()).length };
    await again.close();
    expect(after).toEqual({ refused: undefined, kept: kept.id, deliveries: 1 });
  });

  test("a delivery whose journal write failed leaves no trace: its redelivery creates the job", async () => {
    const now = () => Date.parse("2026-12-05T10:00:00Z");
    const store = await LowdbJobStore.open(dir, { now });
    const journal = join(dir, "journal", "2026-12-05.ndjson");
    mkdirSync(journal); // the day's file cannot be opened (as on a full or broken disk)
    const job = makeJob({ fingerprint: "fp-1" });
    await expect(store.recordIntake(makeDelivery(job), "{}", job)).rejects.toMatchObject({ code: "EISDIR" });
    expect(await store.countByFingerprint(job.repo.id, "fp-1")).toBe(0);
    expect(await store.listJobs()).toEqual([]);
    rmdirSync(journal);
    const again = await store.recordIntake(makeDelivery(job, { id: "redelivered" }), "{}", job);
    expect(again).toMatchObject({ created: true, job: { id: job.id } });
    await store.close();
    const reopened = await LowdbJobStore.open(dir, { now });
    expect((await reopened.findJobByKey(job.key))?.id).toBe(job.id);
    await reopened.close();
  });

  test("a fix-loop reset whose fingerprints.json write failed is written by its redelivery, and kept over a restart", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob({ fingerprint: "fp-1", at: "2026-12-05T09:00:00.000Z" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    const tmp = join(dir, ".fingerprints.json.tmp");
    mkdirSync(tmp); // lowdb's write of fingerprints.json goes through this file: it cannot be written
    await expect(store.clearFingerprints(job.repo.id, ["fp-1"], "2026-12-05T10:00:00.000Z")).rejects.toMatchObject({ code: "EISDIR" });
    rmdirSync(tmp);
    // The passing run's webhook was answered 503: GitHub redelivers it once the disk is back.
    await store.clearFingerprints(job.repo.id, ["fp-1"], "2026-12-05T10:00:00.000Z");
    await store.close();
    const reopened = await LowdbJobStore.open(dir);
    const count = await reopened.countByFingerprint(job.repo.id, "fp-1");
    await reopened.close();
    expect(count).toBe(0);
  });

  test("with fsync on, a job's document and its folder reach the disk before the checkpoint passes its journal line", async () => {
    const synced: Array<{ path: string; checkpoint: unknown }> = [];
    const checkpoint = () => (existsSync(join(dir, "state.json")) ? JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).checkpoint : null);
    const syncPath = async (path: string) => void synced.push({ path, checkpoint: checkpoint() });
    const store = await LowdbJobStore.open(dir, { syncPath });
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.close();
    expect(synced).toEqual([
      { path: join(dir, "journal"), checkpoint: null }, // the day's journal file was new
      { path: join(dir, "jobs", `${job.id}.json`), checkpoint: null },
      { path: join(dir, "jobs"), checkpoint: null },
    ]);
    expect(checkpoint()).not.toBeNull();
    // Without fsync (STORE_FSYNC=false) nothing is flushed.
    const quiet: string[] = [];
    const nosync = await LowdbJobStore.open(dir, { fsync: false, syncPath: async (p) => void quiet.push(p) });
    const other = makeJob({ runId: 99 });
    await nosync.recordIntake(makeDelivery(other), "{}", other);
    await nosync.close();
    expect(quiet).toEqual([]);
  });

  test("a checkpoint started while another waits for its documents' fsync waits too (close() during a slow sync)", async () => {
    const checkpoint = () => (existsSync(join(dir, "state.json")) ? JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).checkpoint : null);
    const job = makeJob();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let blocked = false;
    const syncPath = async (path: string) => {
      if (path !== join(dir, "jobs", `${job.id}.json`)) return;
      blocked = true;
      await gate;
    };
    const store = await LowdbJobStore.open(dir, { syncPath });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "cloning")); // writes its document now
    // The timer's checkpoint (1 s) starts and waits on the document's fsync.
    await eventually("the timer's checkpoint to wait on the document's fsync", () => blocked);
    expect(blocked).toBe(true);
    const closing = store.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(checkpoint()).toBeNull();
    release();
    await closing;
    expect(checkpoint()).not.toBeNull();
  });

  test("under a steady stream of new jobs the checkpoint still moves, never past a job without its document", async () => {
    const store = await LowdbJobStore.open(dir);
    const jobs = [];
    // A new job every 50 ms for 1.3 s: intake never goes quiet, so no document is written meanwhile.
    for (let i = 0; i < 26; i++) {
      const job = makeJob({ runId: 500 + i });
      jobs.push(job);
      await store.recordIntake(makeDelivery(job), "{}", job);
      await new Promise((r) => setTimeout(r, 50));
    }
    const checkpoint = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).checkpoint as { file: string; offset: number } | null;
    expect(checkpoint).not.toBeNull();
    // Never past a job without its document: each such job's journal line starts at or after it. (On a
    // machine that keeps up, no document is written yet and the checkpoint is the first job's line, 0.)
    const written = new Set(readdirSync(join(dir, "jobs")));
    const journal = readFileSync(join(dir, "journal", checkpoint!.file));
    for (const job of jobs.filter((j) => !written.has(`${j.id}.json`))) {
      expect(journal.indexOf(`"jobId":"${job.id}"`)).toBeGreaterThanOrEqual(0);
      const lineStart = journal.lastIndexOf(0x0a, journal.indexOf(`"jobId":"${job.id}"`)) + 1;
      expect(lineStart).toBeGreaterThanOrEqual(checkpoint!.offset);
    }
    if (written.size === 0) expect(checkpoint).toMatchObject({ offset: 0 });
    // A crash now: what is on disk brings every job back.
    const snapshot = await mkdtemp(join(tmpdir(), "t0-lowdb-crash-"));
    try {
      await cp(dir, snapshot, { recursive: true });
      rmSync(join(snapshot, "owner.pid"));
      await store.close();
      const after = await LowdbJobStore.open(snapshot);
      expect((await after.listJobs({ limit: 100 })).map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
      await after.close();
    } finally {
      await rm(snapshot, { recursive: true, force: true });
    }
  });

  test("an update whose document write fails changes nothing: reads, lists and counts keep the stored job", async () => {
    const store = await LowdbJobStore.open(dir, { fsync: false });
    const job = makeJob({ runId: 1 });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "cloning")); // its document exists and is cached
    const fresh = makeJob({ runId: 2 });
    await store.recordIntake(makeDelivery(fresh), "{}", fresh); // only in the journal so far
    for (const j of [job, fresh]) {
      rmSync(join(dir, "jobs", `${j.id}.json`), { force: true });
      mkdirSync(join(dir, "jobs", `${j.id}.json`)); // the write's rename into place fails
    }
    for (const [j, state] of [[job, "cloning"], [fresh, "pending"]] as const) {
      await expect(store.updateJob(j.id, (x) => void (x.state = "analysis"))).rejects.toThrow();
      expect((await store.getJob(j.id))?.state).toBe(state);
    }
    expect((await store.listJobs({ state: "analysis" })).length).toBe(0);
    expect((await store.countByState()).analysis).toBe(0);
    for (const j of [job, fresh]) rmdirSync(join(dir, "jobs", `${j.id}.json`));
    await store.close();
  });

  test("a job document that cannot be written does not hold up the others", async () => {
    const store = await LowdbJobStore.open(dir);
    const [a, b] = [makeJob({ runId: 1 }), makeJob({ runId: 2 })];
    await store.recordIntake(makeDelivery(a), "{}", a);
    await store.recordIntake(makeDelivery(b), "{}", b);
    mkdirSync(join(dir, "jobs", `${a.id}.json`)); // a's document cannot be renamed into place
    await store.close();
    expect(existsSync(join(dir, "jobs", `${b.id}.json`))).toBe(true);
    // a stays behind the checkpoint: the journal still brings it back.
    rmdirSync(join(dir, "jobs", `${a.id}.json`));
    const again = await LowdbJobStore.open(dir);
    expect((await again.getJob(a.id))?.key).toBe(a.key);
    await again.close();
  });

  test("recreates a job whose document was lost after the delivery was journaled (crash between writes)", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.close();
    unlinkSync(join(dir, "jobs", `${job.id}.json`));
    writeFileSync(join(dir, "state.json"), JSON.stringify({ version: 1, checkpoint: null }));
    const again = await LowdbJobStore.open(dir);
    expect((await again.getJob(job.id))?.key).toBe(job.key);
    expect(await again.listUnfinishedJobIds()).toEqual([job.id]);
    // Start-up does not wait for the document: it is written behind, and the checkpoint waits for it.
    expect(existsSync(join(dir, "jobs", `${job.id}.json`))).toBe(false);
    expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8")).checkpoint).toBeNull();
    await again.close();
    expect(existsSync(join(dir, "jobs", `${job.id}.json`))).toBe(true);
    expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8")).checkpoint).not.toBeNull();
  });

  test("a torn state.json (its write never reached the disk before a power cut) is read as no checkpoint: the journal is replayed whole", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.close();
    unlinkSync(join(dir, "jobs", `${job.id}.json`));
    for (const torn of ["", '{"version":1,"checkp']) {
      writeFileSync(join(dir, "state.json"), torn);
      const again = await LowdbJobStore.open(dir);
      expect((await again.getJob(job.id))?.key).toBe(job.key);
      await again.close();
      expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8")).checkpoint).not.toBeNull(); // written whole again
    }
  });

  test("a torn fingerprints.json stops the start with a message naming the file and what to do", async () => {
    await (await LowdbJobStore.open(dir)).close();
    writeFileSync(join(dir, "fingerprints.json"), '{"1296269:fp');
    const opened = LowdbJobStore.open(dir);
    await expect(opened).rejects.toMatchObject({ code: "store_corrupt" });
    await expect(opened).rejects.toThrow(`${join(dir, "fingerprints.json")} is not valid JSON`);
    await expect(opened).rejects.toThrow(/restore it from a backup, or delete it/);
    expect(existsSync(join(dir, "owner.pid"))).toBe(false); // a start that failed leaves the lock free
  });

  test("job documents the disk refuses in the background (no new file can be written there) make ping() (so /readyz) and the log say so, until they are written", async () => {
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger });
    const job = makeJob();
    const doc = join(dir, "jobs", `${job.id}.json`);
    const probe = join(dir, "jobs", ".write-probe.json.tmp");
    mkdirSync(doc); // its document cannot be renamed into place
    mkdirSync(probe); // nor can any new file be written in the folder: it is not this one file's problem
    await store.recordIntake(makeDelivery(job), "{}", job);
    const pinged = () => store.ping().then(() => "ok", (e: Error) => e.message);
    await eventually("ping() to report the refused documents", async () => (await pinged()) !== "ok");
    await expect(store.ping()).rejects.toMatchObject({ code: "store_unavailable", retryable: true });
    expect(await pinged()).toMatch(new RegExp(`job documents in ${join(dir, "jobs")} cannot be written since .*EISDIR.*\\.write-probe\\.json\\.tmp.*nothing is lost.*; [\\d.]+ MB free on the disk of ${dir}$`));
    expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([expect.stringMatching(/job documents .* cannot be written/)]);
    expect(store.warnings()).toEqual([]); // said as the disk's, not as one file's as well
    rmdirSync(probe);
    rmdirSync(doc); // the disk takes them again: no restart needed
    await eventually("ping() to be ok again", async () => (await pinged()) === "ok");
    expect(await pinged()).toBe("ok");
    expect(existsSync(doc)).toBe(true);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1); // one line per outage, not per retry
    expect(lines.at(-1)?.msg).toMatch(/job documents .* are written again/);
    await store.close();
  }, 30_000);

  test("one job document that cannot be written (a directory in its place) while others are written keeps the store ready, says so once, and is retried", async () => {
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger });
    const [bad, good] = [makeJob({ runId: 1 }), makeJob({ runId: 2 })];
    const doc = join(dir, "jobs", `${bad.id}.json`);
    mkdirSync(doc); // this one file cannot be renamed into place; the disk takes every other write
    await store.recordIntake(makeDelivery(bad), "{}", bad);
    await store.recordIntake(makeDelivery(good), "{}", good);
    const warned = () => lines.some((l) => l.level === "warn");
    await eventually("the warning and the good job's document", () => warned() && existsSync(join(dir, "jobs", `${good.id}.json`)));
    await expect(store.ping()).resolves.toBeUndefined();
    expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`${doc} cannot be written.*EISDIR.*nothing is lost.*remove or move`))]);
    expect(store.warnings()).toEqual([{ code: "job_documents_unwritable", count: 1, message: expect.stringContaining(`${doc} (EISDIR`) }]);
    // Its journal line stays its durable copy: the checkpoint does not pass it, a reader (`jobs show`) finds it.
    const checkpoint = () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).checkpoint as unknown;
    await eventually("a checkpoint", () => checkpoint() !== null);
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect((await reader.getJob(bad.id))?.key).toBe(bad.key);
    await reader.close();
    rmdirSync(doc); // fixed: written by the retries, no restart needed
    await eventually("the warning to clear", () => store.warnings().length === 0);
    expect(store.warnings()).toEqual([]);
    expect(existsSync(doc)).toBe(true);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1); // once, not per retry
    expect(lines.at(-1)?.msg).toMatch(new RegExp(`${doc} is written again`));
    await store.close();
  }, 30_000);

  test("a job document that keeps failing on its own is tried again after a doubling pause, not five times a second, and a new job's document does not wait for that pause", async () => {
    let t = Date.parse("2026-12-01T00:00:00.000Z");
    const tried: string[] = [];
    const write = jest.spyOn(JobDocuments.prototype, "write").mockImplementation(function (this: JobDocuments, job: Job, sync: boolean) {
      tried.push(job.id);
      return writeOriginal.call(this, job, sync);
    });
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger, now: () => t });
    try {
      const bad = makeJob({ runId: 1 });
      const doc = join(dir, "jobs", `${bad.id}.json`);
      mkdirSync(doc);
      await store.recordIntake(makeDelivery(bad), "{}", bad);
      await eventually("the first failure", () => lines.some((l) => l.level === "warn"));
      const triesOf = () => tried.filter((id) => id === bad.id).length;
      // The store's clock stands still: its pause (400 ms after one failure) never ends, whatever the timers
      // do. What is checked is an absence, so it takes a real wait: at one try per 200 ms there would be five more.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(triesOf()).toBe(1);
      // The clock set back by two minutes: the next pass finds nothing due and sleeps for the longest pause (60 s).
      t -= 120_000;
      await new Promise((r) => setTimeout(r, 1_000));
      const good = makeJob({ runId: 2 });
      await store.recordIntake(makeDelivery(good), "{}", good);
      await eventually("the new job's document", () => existsSync(join(dir, "jobs", `${good.id}.json`)));
      expect(triesOf()).toBe(1);
      t += 200_000; // past the pause; the next pass (woken by the next intake here) tries it again
      const next = makeJob({ runId: 3 });
      await store.recordIntake(makeDelivery(next), "{}", next);
      await eventually("the second try", () => triesOf() === 2);
      rmdirSync(doc);
      await store.close(); // a stop tries every waiting document, paused or not
      expect(existsSync(doc)).toBe(true);
    } finally {
      write.mockRestore();
    }
  }, 30_000);

  test("the only job's document failing (no other write to compare with) is that file's when a new file can be written in the folder", async () => {
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger });
    const job = makeJob();
    const doc = join(dir, "jobs", `${job.id}.json`);
    mkdirSync(doc);
    await store.recordIntake(makeDelivery(job), "{}", job);
    await eventually("the warning", () => lines.some((l) => l.level === "warn"));
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([expect.stringMatching(new RegExp(`^warn ${doc} cannot be written`))]);
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.warnings()).toMatchObject([{ code: "job_documents_unwritable", count: 1 }]);
    expect(existsSync(join(dir, "jobs", ".write-probe.json.tmp"))).toBe(false);
    rmdirSync(doc);
    await store.close();
  }, 30_000);

  test("a job document that cannot be written is never passed by the checkpoint: a restart replays it from the journal", async () => {
    const store = await LowdbJobStore.open(dir, { fsync: false });
    const [bad, good] = [makeJob({ runId: 1 }), makeJob({ runId: 2 })];
    const doc = join(dir, "jobs", `${bad.id}.json`);
    mkdirSync(doc);
    await store.recordIntake(makeDelivery(bad), "{}", bad);
    await store.recordIntake(makeDelivery(good), "{}", good);
    await eventually("the good job's document", () => existsSync(join(dir, "jobs", `${good.id}.json`)));
    await store.close();
    const checkpoint = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).checkpoint as { file: string; offset: number };
    const journal = readFileSync(join(dir, "journal", checkpoint.file), "utf8");
    expect(journal.slice(checkpoint.offset)).toContain(bad.id); // the checkpoint stands at (or before) its line
    rmdirSync(doc);
    const again = await LowdbJobStore.open(dir, { fsync: false });
    expect((await again.getJob(bad.id))?.key).toBe(bad.key);
    await again.close();
    expect(existsSync(doc)).toBe(true);
  }, 30_000);

  test("a checkpoint the disk refuses is retried by itself, with no new delivery, and ping() says so meanwhile", async () => {
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger });
    const blocked = join(dir, ".state.json.tmp");
    mkdirSync(blocked); // state.json cannot be written (its temporary file is in the way)
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    const pinged = () => store.ping().then(() => "ok", (e: Error) => e.message);
    await eventually("ping() to report the refused checkpoint", async () => (await pinged()) !== "ok");
    expect(await pinged()).toMatch(new RegExp(`the journal checkpoint ${join(dir, "state.json")} cannot be written since .*EISDIR`));
    rmdirSync(blocked);
    await eventually("ping() to be ok again", async () => (await pinged()) === "ok");
    expect(await pinged()).toBe("ok");
    expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8")).checkpoint).not.toBeNull();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      expect.stringMatching(/^warn the journal checkpoint .* cannot be written/),
      expect.stringMatching(/^info the journal checkpoint .* is written again/),
    ]);
    await store.close();
  }, 30_000);

  test("a job document torn by a power cut is not dropped without a word: the start names it and what to do", async () => {
    const store = await LowdbJobStore.open(dir, { fsync: false });
    const [kept, torn] = [makeJob({ runId: 1 }), makeJob({ runId: 2 })];
    for (const j of [kept, torn]) {
      await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(j.id, (x) => void (x.state = "cloning"));
    }
    await store.close();
    const file = join(dir, "jobs", `${torn.id}.json`);
    writeFileSync(file, "");
    const { logger, lines } = recordingLogger();
    const again = await LowdbJobStore.open(dir, { fsync: false, logger });
    expect((await again.getJob(kept.id))?.state).toBe("cloning");
    expect(lines.filter((l) => l.level === "warn")).toEqual([
      { level: "warn", fields: { files: [file] }, msg: expect.stringMatching(/^1 job document\(s\) in .* cannot be read .* left as it is$/) },
    ]);
    await again.close();
    expect(existsSync(file)).toBe(true); // kept for the operator: it may be mended by hand
  });

  test("a stop on a full disk still closes the store: the last checkpoint failing loses nothing and holds nothing up", async () => {
    const { logger, lines } = recordingLogger();
    const store = await LowdbJobStore.open(dir, { fsync: false, logger });
    const blocked = join(dir, ".state.json.tmp");
    mkdirSync(blocked); // state.json cannot be written
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.close();
    expect(existsSync(join(dir, "owner.pid"))).toBe(false);
    expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toContainEqual(expect.stringMatching(/checkpoint .* could not be written at stop.*nothing is lost/));
    rmdirSync(blocked);
    const again = await LowdbJobStore.open(dir, { fsync: false });
    expect((await again.getJob(job.id))?.key).toBe(job.key);
    await again.close();
  });

  test("a document write cut short by a crash leaves a temporary file that the next owner removes (a reader does not)", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.stage = "triage"));
    await store.close();
    const torn = join(dir, "jobs", `.${job.id}.json.tmp`);
    writeFileSync(torn, '{"id":"half a docu');
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect(existsSync(torn)).toBe(true);
    await reader.close();
    const owner = await LowdbJobStore.open(dir);
    expect(existsSync(torn)).toBe(false);
    expect((await owner.getJob(job.id))?.stage).toBe("triage");
    await owner.close();
  });

  test("tolerates a torn last journal line, and the next record does not run into it", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.close();
    const [journal] = readdirSync(join(dir, "journal"));
    const torn = makeJob({ runId: 99 });
    writeFileSync(join(dir, "journal", journal!), `{"bodyBytes":5000,"delivery":{"id":"x","event":"workflow_run","outcome":"job_created"},"job":${JSON.stringify(torn)},"body":{"act`, { flag: "a" });
    writeFileSync(join(dir, "state.json"), JSON.stringify({ version: 1, checkpoint: null }));
    const again = await LowdbJobStore.open(dir);
    expect((await again.listJobs()).length).toBe(1);
    const later = makeJob({ runId: 100 });
    const delivery = makeDelivery(later);
    await again.recordIntake(delivery, '{"after":"torn"}', later);
    await again.close();
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect(await reader.getDeliveryPayload(delivery.id)).toBe('{"after":"torn"}');
    await reader.close();
  });

  test("after a restart the recent deliveries have no gap: a day's journal read only in part is as far back as they go", async () => {
    let now = Date.parse("2026-11-23T12:00:00Z");
    const store = await LowdbJobStore.open(dir, { fsync: false, now: () => now });
    for (const id of ["day1-a", "day1-b"]) await store.recordIntake(makeDelivery(undefined, { id }), "{}");
    now += 86_400_000;
    // More than the 8 MB tail that start-up reads, in fewer than the 1,000 deliveries it keeps.
    const body = JSON.stringify({ pad: "x".repeat(40_000) });
    const day2 = Array.from({ length: 230 }, (_, i) => `day2-${i}`);
    for (const id of day2) await store.recordIntake(makeDelivery(undefined, { id }), body);
    await store.close();
    const reopened = await LowdbJobStore.open(dir, { fsync: false, now: () => now });
    const listed = (await reopened.listDeliveries({ limit: 1000 })).map((d) => d.id).reverse();
    await reopened.close();
    expect(listed.length).toBeGreaterThan(100);
    expect(listed.length).toBeLessThan(day2.length);
    // The newest ones, in order, with nothing from the day before.
    expect(listed).toEqual(day2.slice(-listed.length));
  });

  test("a read-only open creates nothing: a folder with no store (or no folder at all) reads as empty and stays as it was", async () => {
    const missing = join(dir, "typo");
    for (const where of [dir, missing]) {
      const reader = await LowdbJobStore.open(where, { readOnly: true });
      expect(await reader.listJobs()).toEqual([]);
      expect(await reader.listDeliveries()).toEqual([]);
      expect(await reader.getJob("nope")).toBeUndefined();
      await reader.close();
      expect(LowdbJobStore.exists(where)).toBe(false);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(missing)).toBe(false);
    // A writer creates the store; from then on it exists, even while empty.
    await (await LowdbJobStore.open(dir)).close();
    expect(LowdbJobStore.exists(dir)).toBe(true);
  });

  test("a second writer on the same directory is refused with a message saying what to do", async () => {
    const store = await LowdbJobStore.open(dir);
    writeFileSync(join(dir, "owner.pid"), String(process.ppid)); // a live process that is not us
    await expect(LowdbJobStore.open(dir)).rejects.toMatchObject({ code: "store_locked", message: expect.stringMatching(/REDIS_URL/) });
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect(await reader.listJobs()).toEqual([]);
    await expect(reader.updateJob("x", () => undefined)).rejects.toMatchObject({ code: "store_read_only" });
    await reader.close();
    writeFileSync(join(dir, "owner.pid"), String(process.pid));
    await store.close();
    expect(existsSync(join(dir, "owner.pid"))).toBe(false);
  });

  test("of servers started at the same moment on one directory, exactly one owns it", async () => {
    // Each child says when it is loaded, opens the store when told to, says whether it got it, and holds it
    // until told to stop: on a loaded machine a slow child must not start after the owner has let go.
    const code = `const { LowdbJobStore } = await import(${JSON.stringify(new URL("./lowdb-store.ts", import.meta.url).pathname)});
      console.log("ready");
      const lines = (await import("node:readline")).createInterface({ input: process.stdin });
      const next = () => new Promise((r) => lines.once("line", r));
      await next();
      try { const s = await LowdbJobStore.open(process.argv[1], { fsync: false }); console.log("owner"); await next(); await s.close(); }
      catch (e) { console.log(e.code); }
      lines.close();`;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, dir], { stdio: ["pipe", "pipe", "inherit"] }));
    for (const c of children) c.stdin!.on("error", () => undefined); // a refused child has exited: EPIPE
    const said = children.map(() => [] as string[]);
    children.forEach((c, i) => c.stdout!.on("data", (d) => said[i]!.push(...String(d).split("\n").filter(Boolean))));
    const until = async (cond: () => boolean) => {
      for (let n = 0; n < 400 && !cond(); n++) await new Promise((r) => setTimeout(r, 50));
    };
    const exited = children.map((c) => new Promise((r) => c.once("exit", r)));
    await until(() => said.every((l) => l.includes("ready")));
    for (const c of children) c.stdin!.write("go\n");
    await until(() => said.every((l) => l.length >= 2));
    for (const c of children) c.stdin!.end("stop\n");
    await Promise.all(exited);
    expect(said.map((l) => l[1]).sort()).toEqual(["owner", "store_locked", "store_locked", "store_locked"]);
  }, 30_000);

  test("a lock that cannot be written (the disk is full) stops the start with a message naming the file, and leaves nothing behind", () => {
    // A real write refused by the kernel: no file may grow past 0 KiB (ulimit -f) in the child.
    const code = `const { LowdbJobStore } = await import(${JSON.stringify(new URL("./lowdb-store.ts", import.meta.url).pathname)});
      try { await LowdbJobStore.open(process.argv[1], { fsync: false }); console.log("opened"); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const child = underFileSizeLimit(0, code, [dir]);
    const said = JSON.parse(child.stdout.trim()) as { code: string; message: string };
    expect(said.code).toBe("store_unavailable");
    expect(said.message).toContain(`DATA_DIR ${dir}: cannot write its lock file ${join(dir, "owner.pid")}`);
    expect(said.message).toMatch(/EFBIG: file too large, write.*free space on its disk/);
    expect(readdirSync(dir).filter((f) => f.startsWith("owner.pid"))).toEqual([]);
  }, 30_000);

  test("a stale lock is taken over, also when it holds our own pid", async () => {
    writeFileSync(join(dir, "owner.pid"), "999999999"); // no such process
    const store = await LowdbJobStore.open(dir, { fsync: false });
    expect(readFileSync(join(dir, "owner.pid"), "utf8")).toBe(String(process.pid));
    await store.close();
    writeFileSync(join(dir, "owner.pid"), String(process.pid));
    const again = await LowdbJobStore.open(dir, { fsync: false });
    await again.close();
    expect(readdirSync(dir).filter((f) => f.startsWith("owner.pid"))).toEqual([]);
  });

  test("compaction leaves a job that an operator retried while it was being archived", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const store = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30 });
    const job = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "failed"));
    now = Date.parse("2026-11-20T00:00:00Z");
    const retry = store.updateJob(job.id, (j) => Object.assign(j, { state: "pending", updatedAt: "2026-11-20T00:00:00.000Z" }));
    expect((await store.compact()).archivedJobs).toBe(0);
    await retry;
    expect(await store.listUnfinishedJobIds()).toEqual([job.id]);
    await store.updateJob(job.id, (j) => void (j.state = "cloning")); // still writable: not archived
    await store.close();
  });

  test("compaction archives old final jobs and old journal days, which stay findable", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const store = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30 });
    const old = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z" });
    const active = makeJob({ runId: 2, at: "2026-10-01T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(old), "{}", old);
    await store.recordIntake(makeDelivery(active), "{}", active);
    await store.updateJob(old.id, (j) => void (j.state = "completed"));
    now = Date.parse("2026-11-20T00:00:00Z");
    const fresh = makeJob({ runId: 3, at: "2026-11-20T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(fresh), "{}", fresh);
    await store.close();

    const reopened = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30 });
    const result = await reopened.compact();
    expect(result.archivedJobs).toBe(1);
    expect(result.removedJournalFiles).toBe(1);
    expect(existsSync(join(dir, "jobs", `${old.id}.json`))).toBe(false);
    expect((await reopened.getJob(old.id))?.state).toBe("completed");
    const dup = makeJob({ runId: 1 });
    expect((await reopened.recordIntake(makeDelivery(dup), "{}", dup)).created).toBe(false);
    expect(await reopened.listUnfinishedJobIds()).toEqual([active.id, fresh.id]);
    await reopened.close();
    const third = await LowdbJobStore.open(dir, { now: () => now });
    expect((await third.getJob(old.id))?.state).toBe("completed");
    await third.close();
  });

  /** What a crash right now would leave on disk: a copy of the directory, without the dead owner's lock. */
  async function crashCopy(from: string): Promise<string> {
    const to = await mkdtemp(join(tmpdir(), "t0-lowdb-crash-"));
    await cp(from, to, { recursive: true });
    rmSync(join(to, "owner.pid"), { force: true });
    return to;
  }

  test("before its first checkpoint, compaction keeps every journal day: one may hold the only copy of a job", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const store = await LowdbJobStore.open(dir, { fsync: false, now: () => now });
    const job = makeJob({ runId: 1 });
    await store.recordIntake(makeDelivery(job), "{}", job);
    const crashed = await crashCopy(dir); // before its document or any checkpoint was written
    await store.close();
    const copies = [crashed];
    try {
      now = Date.parse("2026-11-15T00:00:00Z"); // back after longer than the retention window
      const back = await LowdbJobStore.open(crashed, { fsync: false, now: () => now, retentionDays: 30 });
      expect(await back.compact()).toEqual({ archivedJobs: 0, removedJournalFiles: 0 });
      copies.push(await crashCopy(crashed)); // and down again before the document is written
      await back.close();
      const third = await LowdbJobStore.open(copies[1]!, { fsync: false, now: () => now });
      expect((await third.getJob(job.id))?.key).toBe(job.key);
      await third.close();
    } finally {
      for (const c of copies) await rm(c, { recursive: true, force: true });
    }
  });

  test("with fsync on, compaction makes the archive durable before it deletes the job documents", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const events: string[] = [];
    const syncPath = async (p: string) => {
      events.push(`sync ${p.slice(dir.length + 1)} (document ${existsSync(join(dir, "jobs", `${job.id}.json`)) ? "present" : "gone"})`);
    };
    const store = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30, syncPath });
    const job = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "completed"));
    now = Date.parse("2026-11-20T00:00:00Z");
    events.length = 0;
    expect((await store.compact()).archivedJobs).toBe(1);
    // The folder too: the month file and the index were created here, and their names must outlive a power cut.
    expect(events.sort()).toEqual(["sync archive (document present)", "sync archive/2026-10.ndjson (document present)", "sync archive/index.ndjson (document present)"]);
    expect(existsSync(join(dir, "jobs", `${job.id}.json`))).toBe(false);
    await store.close();
  });

  test("a compaction the disk stops part way still makes durable, and finishes, what it archived before", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const synced: string[] = [];
    const store = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30, syncPath: async (p) => void synced.push(p.slice(dir.length + 1)) });
    const [a, b] = [makeJob({ runId: 1, at: "2026-09-01T00:00:00.000Z" }), makeJob({ runId: 2, at: "2026-10-01T00:00:00.000Z" })];
    for (const j of [a, b]) {
      await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(j.id, (x) => void (x.state = "completed"));
    }
    mkdirSync(join(dir, "archive", "2026-10.ndjson")); // b's month cannot be appended to
    now = Date.parse("2026-11-20T00:00:00Z");
    synced.length = 0;
    await expect(store.compact()).rejects.toMatchObject({ code: "EISDIR" });
    expect(synced).toContain("archive/2026-09.ndjson");
    expect(existsSync(join(dir, "jobs", `${a.id}.json`))).toBe(false);
    expect(existsSync(join(dir, "jobs", `${b.id}.json`))).toBe(true);
    expect((await store.getJob(a.id))?.state).toBe("completed"); // from the archive
    rmdirSync(join(dir, "archive", "2026-10.ndjson"));
    expect((await store.compact()).archivedJobs).toBe(1); // b, once the disk takes it
    await store.close();
  });

  /** A completed job archived by retention, whose document is then put back: a crash before its removal. */
  async function archivedWithDocumentBack() {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const store = await LowdbJobStore.open(dir, { fsync: false, now: () => now, retentionDays: 30 });
    const job = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "completed"));
    const doc = join(dir, "jobs", `${job.id}.json`);
    const content = readFileSync(doc);
    now = Date.parse("2026-11-20T00:00:00Z");
    expect((await store.compact()).archivedJobs).toBe(1);
    await store.close();
    writeFileSync(doc, content);
    return { job, doc, now };
  }

  test("a job document left behind by a crash between archiving and deleting it is removed by the next owner", async () => {
    const { job, doc, now } = await archivedWithDocumentBack(); // as if the crash came after the archive line, before the unlink
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    await reader.close();
    expect(existsSync(doc)).toBe(true); // a reader leaves it
    const back = await LowdbJobStore.open(dir, { fsync: false, now: () => now, retentionDays: 30 });
    expect(existsSync(doc)).toBe(false);
    expect((await back.getJob(job.id))?.state).toBe("completed"); // from the archive
    await back.close();
  });

  test("with fsync on, the next owner makes the archive durable before it removes a document left behind (a crash before the archive's sync)", async () => {
    const { job, doc, now } = await archivedWithDocumentBack(); // the crash came after the archive lines were written, before their fsync
    const events: string[] = [];
    const syncPath = async (p: string) => void events.push(`sync ${p.slice(dir.length + 1)} (document ${existsSync(doc) ? "present" : "gone"})`);
    const back = await LowdbJobStore.open(dir, { now: () => now, retentionDays: 30, syncPath });
    expect(existsSync(doc)).toBe(false);
    expect(events.filter((e) => e.startsWith("sync archive")).sort()).toEqual(["sync archive (document present)", "sync archive/2026-10.ndjson (document present)", "sync archive/index.ndjson (document present)"]);
    await back.close();
  });

  test("a crash in the middle of archiving loses nothing: the torn line is ended and the job archived again", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const store = await LowdbJobStore.open(dir, { fsync: false, now: () => now, retentionDays: 30 });
    const job = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => void (j.state = "completed"));
    await store.close();
    // The crash: half of the job's archive line and half of its index line were written.
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    const line = JSON.stringify(await reader.getJob(job.id));
    await reader.close();
    writeFileSync(join(dir, "archive", "2026-10.ndjson"), line.slice(0, 40));
    writeFileSync(join(dir, "archive", "index.ndjson"), '{"id":"' + job.id.slice(0, 5));
    now = Date.parse("2026-11-20T00:00:00Z");
    const back = await LowdbJobStore.open(dir, { fsync: false, now: () => now, retentionDays: 30 });
    expect((await back.compact()).archivedJobs).toBe(1);
    await back.close();
    const third = await LowdbJobStore.open(dir, { fsync: false, now: () => now });
    expect((await third.getJob(job.id))?.state).toBe("completed");
    expect((await third.listJobs({ state: "completed" })).map((j) => j.id)).toEqual([job.id]);
    await third.close();
  });

  test("intake journals the job without writing its document; the first update or a quiet moment writes it", async () => {
    const store = await LowdbJobStore.open(dir);
    const a = makeJob({ runId: 1 });
    const b = makeJob({ runId: 2 });
    await store.recordIntake(makeDelivery(a), "{}", a);
    await store.recordIntake(makeDelivery(b), "{}", b);
    expect(existsSync(join(dir, "jobs", `${a.id}.json`))).toBe(false);
    expect((await store.getJob(a.id))?.key).toBe(a.key);
    // A reader sees journal-only jobs too.
    const reader = await LowdbJobStore.open(dir, { readOnly: true });
    expect((await reader.listJobs()).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    await reader.close();
    expect(existsSync(join(dir, "jobs", `${a.id}.json`))).toBe(false);

    await store.updateJob(a.id, (j) => void (j.state = "failed"));
    expect(JSON.parse(await readFile(join(dir, "jobs", `${a.id}.json`), "utf8")).state).toBe("failed");
    await eventually("b's document from the idle batch", () => existsSync(join(dir, "jobs", `${b.id}.json`)));
    expect(existsSync(join(dir, "jobs", `${b.id}.json`))).toBe(true);
    expect((await store.getJob(a.id))?.state).toBe("failed"); // the idle batch did not overwrite the update
    await store.close();
    const again = await LowdbJobStore.open(dir);
    expect((await again.getJob(a.id))?.state).toBe("failed");
    await again.close();
  });

  test("an update made while the job's intake line is still being committed is not lost (memory, lists, after a restart)", async () => {
    const store = await LowdbJobStore.open(dir);
    const job = makeJob();
    const intake = store.recordIntake(makeDelivery(job), "{}", job);
    expect((await store.findJobByKey(job.key))?.id).toBe(job.id); // visible while its line is committed
    expect((await store.updateJob(job.id, (j) => void (j.state = "cloning"))).state).toBe("cloning");
    await intake;
    const seen = { listed: (await store.listJobs({ state: "cloning" })).map((j) => j.state), got: (await store.getJob(job.id))?.state };
    await store.close();
    const again = await LowdbJobStore.open(dir);
    expect({ ...seen, afterRestart: (await again.getJob(job.id))?.state }).toEqual({ listed: ["cloning"], got: "cloning", afterRestart: "cloning" });
    await again.close();
  });
});

describe("LowdbJobStore close", () => {
  test("leaves no timer behind, even after writing many waiting job documents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-lowdb-close-"));
    jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask", "performance", "Date"] });
    try {
      const store = await LowdbJobStore.open(dir, { fsync: false });
      for (let i = 0; i < 20; i++) {
        const job = makeJob({ runId: i + 1 });
        await store.recordIntake(makeDelivery(job), "{}", job);
      }
      await store.close(); // writes the 20 documents, each settling its journal line
      expect(jest.getTimerCount()).toBe(0);
      expect(readdirSync(join(dir, "jobs"))).toHaveLength(20);
    } finally {
      jest.useRealTimers();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
