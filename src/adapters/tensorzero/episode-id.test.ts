import { describe, expect, test } from "@jest/globals";
import { episodeIdForJob, isUuidV7, newUuidV7, uuidV7Millis } from "./episode-id.js";

describe("episode ids", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");

  test("one stable UUIDv7 per job, stamped with the job's creation time", () => {
    const job = { id: "0d6f4d4e-1111-4e4e-9999-123456789abc", createdAt: "2026-11-23T11:00:00.000Z" };
    const a = episodeIdForJob(job, now);
    expect(isUuidV7(a)).toBe(true);
    expect(episodeIdForJob(job, now + 3_600_000)).toBe(a);
    expect(uuidV7Millis(a)).toBe(Date.parse(job.createdAt));
    expect(episodeIdForJob({ ...job, id: "other" }, now)).not.toBe(a);
  });

  test("never in the future, even when the job's clock ran ahead", () => {
    const id = episodeIdForJob({ id: "j", createdAt: "2026-11-23T12:05:00.000Z" }, now);
    expect(uuidV7Millis(id)).toBe(now);
    expect(uuidV7Millis(episodeIdForJob({ id: "j", createdAt: "garbage" }, now))).toBe(now);
  });

  test("fresh ids are v7 at the given time", () => {
    const id = newUuidV7(now);
    expect([isUuidV7(id), uuidV7Millis(id)]).toEqual([true, now]);
    expect(isUuidV7("0196a6d4-07f3-4df3-897b-6a387bdbeb7f")).toBe(false);
  });
});
