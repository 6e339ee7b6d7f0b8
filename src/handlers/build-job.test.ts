import { describe, expect, it } from "@jest/globals";
import { buildJob } from "./build-job.js";

const input = {
  deliveryId: "d-1",
  event: "workflow_run",
  installationId: 7,
  repo: { id: 1, owner: "o", name: "r", fullName: "o/r" },
  run: { id: 99, attempt: 1, source: "workflow_run" as const, headSha: "a".repeat(40), headBranch: "main", conclusion: "failure" },
  fingerprint: "fp",
  dryRun: false,
  at: "2026-12-05T00:00:00.000Z",
};

describe("buildJob", () => {
  it("gives every job its own UUIDv7, past the end of one random pool and into the next", () => {
    const ids = Array.from({ length: 1000 }, () => buildJob(input as never).id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // The random tails must differ too, not only the time and sequence bits.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  it("keeps ids made in the same millisecond in the order they were made", () => {
    const ids = Array.from({ length: 500 }, () => buildJob(input as never).id);
    expect([...ids].sort()).toEqual(ids);
  });

  it("stamps the id with the current time, so ids sort by creation across milliseconds", async () => {
    const before = Date.now();
    const a = buildJob(input as never).id;
    await new Promise((r) => setTimeout(r, 3));
    const b = buildJob(input as never).id;
    const ms = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);
    expect(ms(a)).toBeGreaterThanOrEqual(before);
    expect(a < b).toBe(true);
  });
});
