import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import { jsonLogLines } from "../../../test/helpers/recording-logger.js";
import { permanent } from "../../core/errors.js";
import { fetchRunLogs, WORKFLOW_MAX_BYTES } from "./fetch-logs.js";

let tmp: string;
beforeAll(async () => void (tmp = await mkdtemp(join(tmpdir(), "t0-fetch-logs-"))));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe("fetchRunLogs", () => {
  test("the fix branch's run is logged beside the job's run id, not over it", async () => {
    const job = makeJob({ runId: 111 });
    const gh = {
      listRunJobs: async () => [{ id: 7, name: "test", status: "completed", conclusion: "failure", steps: [] }],
      downloadJobLog: async () => (async function* () { yield Buffer.from("2024-01-01T00:00:00.0000000Z boom\n"); })(),
      listAnnotations: async () => [],
      getFileContent: async () => null,
    } as unknown as GitHubClient;
    const { lines, logger } = jsonLogLines();
    // The stage's logger, as the runner binds it.
    const log = logger.child({ jobId: job.id, deliveryId: job.deliveryId, repo: job.repo.fullName, runId: job.run.id, stage: "watch-pr" });
    await fetchRunLogs(gh, job, { id: 222, attempt: 1, headSha: "b".repeat(40) }, join(tmp, "fix-run"), 1 << 20, { log, signal: new AbortController().signal });
    const line = lines.find((l) => l.msg === "job log fetched");
    expect(line).toMatchObject({ jobId: job.id, repo: job.repo.fullName, stage: "watch-pr", runId: 111, ghJob: 7 });
    expect(Object.values(line!)).toContain(222);
  });

  test("a workflow file over the cap is not read: treated as not available, with a note saying why", async () => {
    const job = makeJob({ runId: 111 });
    const asked: Array<number | undefined> = [];
    const huge = "jobs:\n" + "  # filler\n".repeat(200_000);
    const gh = {
      listRunJobs: async () => [{ id: 7, name: "test", status: "completed", conclusion: "failure", steps: [] }],
      downloadJobLog: async () => (async function* () { yield Buffer.from("2024-01-01T00:00:00.0000000Z boom\n"); })(),
      listAnnotations: async () => [],
      // As the adapter behaves: over the cap it refuses rather than returning the text.
      getFileContent: async (_r: unknown, _p: string, _ref: string, maxBytes?: number) => {
        asked.push(maxBytes);
        if (maxBytes !== undefined && huge.length > maxBytes) throw permanent("file_too_large", "too large", { bytes: huge.length, maxBytes });
        return huge;
      },
    } as unknown as GitHubClient;
    const { logger } = jsonLogLines();
    const dir = join(tmp, "huge-workflow");
    const r = await fetchRunLogs(gh, job, { id: 111, attempt: 1, headSha: "b".repeat(40), workflowPath: ".github/workflows/ci.yml" }, dir, 1 << 20, { log: logger, signal: new AbortController().signal });
    expect(asked).toEqual([WORKFLOW_MAX_BYTES]);
    expect(WORKFLOW_MAX_BYTES).toBeGreaterThanOrEqual(256 * 1024);
    expect(r.workflow).toEqual({ path: ".github/workflows/ci.yml", found: false, note: expect.stringMatching(/larger than .*not read/) });
    expect(r.jobs).toHaveLength(1);
    await expect(access(join(dir, "workflow.yml"))).rejects.toThrow();
  });
});
