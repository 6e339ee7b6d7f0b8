import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import { jsonLogLines } from "../../../test/helpers/recording-logger.js";
import { permanent } from "../../core/errors.js";
import { fetchRunLogs, WORKFLOW_MAX_BYTES } from "./fetch-logs.js";
import { buildFailureContext } from "../../context/build-failure-context.js";
import { countTokens } from "../../logs/count-tokens.js";
import { tailAnalysis } from "./build-context.js";
import { leakedPieces, SECRETS_CORPUS } from "../../../test/helpers/planted-secrets.js";

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

  // The script is replayed by validation and, redacted, shown to the model. Cut at 4,000 characters where it
  // was read, validation ran a script without its end (the test command, or half an `if`), and the context's
  // redaction saw only the head of a secret across the cut.
  test("a long failing run: script is kept whole for validation and cut after redaction for the model", async () => {
    const job = makeJob({ runId: 111 });
    const c = SECRETS_CORPUS.find((x) => x.kind === "url-credentials")!;
    const lead = Array.from({ length: 400 }, (_, i) => `echo "step ${i}"`).join("\n").slice(0, 4000 - 12 - c.text.indexOf(c.secret));
    const script = `${lead.slice(0, lead.lastIndexOf("\n") + 1)}${"#".repeat(lead.length - lead.lastIndexOf("\n") - 1)}${c.text}\nnpm test\n`;
    expect(script.indexOf(c.secret) + 12).toBe(4000);
    const workflow = `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Run tests\n        run: |\n${script.split("\n").map((l) => (l ? `          ${l}` : l)).join("\n")}`;
    const gh = {
      listRunJobs: async () => [{ id: 7, name: "test", status: "completed", conclusion: "failure", steps: [{ number: 1, name: "Set up job", status: "completed", conclusion: "success" }, { number: 2, name: "Run tests", status: "completed", conclusion: "failure" }] }],
      downloadJobLog: async () => (async function* () { yield Buffer.from("2024-01-01T00:00:00.0000000Z boom\n"); })(),
      listAnnotations: async () => [],
      getFileContent: async () => workflow,
    } as unknown as GitHubClient;
    const { logger } = jsonLogLines();
    const r = await fetchRunLogs(gh, job, { id: 111, attempt: 1, headSha: "b".repeat(40), workflowPath: ".github/workflows/ci.yml" }, join(tmp, "long-script"), 1 << 20, { log: logger, signal: new AbortController().signal });
    expect(r.jobs[0]!.failingStep).toMatchObject({ name: "Run tests", command: script });
    const context = await buildFailureContext({ job, dir: tmp, jobs: [{ fetched: r.jobs[0]!, analysis: tailAnalysis("boom", 100, "test"), annotations: [] }], headCommitDiff: null, budgetTokens: 4000, countTokens });
    const command = context.failing_jobs[0]!.command!;
    expect(leakedPieces(command, c.secret)).toEqual([]);
    expect(command.length).toBeLessThanOrEqual(4001);
    expect(command).toMatch(/^echo "step 0"\necho "step 1"/);
  });
});
