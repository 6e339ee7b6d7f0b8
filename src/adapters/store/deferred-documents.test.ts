import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../../test/helpers/eventually.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import type { Job } from "../../core/job.js";
import { DeferredDocuments } from "./deferred-documents.js";
import { JobDocuments } from "./job-documents.js";
import { KeyedSerial } from "../../core/keyed-serial.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-deferred-"));
  mkdirSync(join(dir, "jobs"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Documents of which one write fails with `code`, as the disk would say it. */
class RefusingDocuments extends JobDocuments {
  constructor(readonly refused: string, readonly code: string) {
    super(join(dir, "jobs"), async () => undefined);
  }
  override async write(job: Job, sync: boolean): Promise<void> {
    if (job.id === this.refused) throw Object.assign(new Error(`${this.code}: refused, write`), { code: this.code });
    return super.write(job, sync);
  }
}

test("a disk-wide code (ENOSPC) makes the store unready even when another document of the batch was written", async () => {
  const [bad, good] = [makeJob({ runId: 1 }), makeJob({ runId: 2 })];
  const docs = new RefusingDocuments(bad.id, "ENOSPC");
  const deferred = await DeferredDocuments.open(dir, docs, new KeyedSerial(), false);
  for (const [i, job] of [bad, good].entries()) {
    deferred.begin();
    deferred.hold(job.id, JSON.stringify(job), { file: "2026-12-07.ndjson", offset: i * 100 });
  }
  await eventually("the deferred documents' problem", () => deferred.problem());
  expect(existsSync(docs.path(good.id))).toBe(true);
  expect(deferred.problem()?.message).toMatch(/job documents in .* cannot be written since .*ENOSPC/);
  expect(deferred.warnings()).toEqual([]);
  await deferred.stop(false);
});
