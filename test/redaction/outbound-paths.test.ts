import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { DestinationStream } from "pino";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { createTensorZeroModel } from "../../src/adapters/tensorzero/tensorzero-model.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import { transition } from "../../src/core/job.js";
import { createLogger, silentLogger } from "../../src/core/logger.js";
import { proposePatchStage, type ProposePatchResult } from "../../src/pipeline/stages/propose-patch.js";
import { renderCiFailedComment, renderCommitMessage, renderPrBody, type PrBodyInput } from "../../src/pr/pr-body.js";
import { renderFixComment } from "../../src/pr/fix-comment.js";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { run as jobsCli } from "../../src/cli/commands/jobs.js";
import { DEFAULT_FAKE_OUTPUT, FakeTensorZero } from "../fakes/fake-tensorzero.js";
import { sampleFailureContext } from "../fakes/fake-tensorzero-context.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { leakedPieces, PLANTED, SECRETS_CORPUS } from "../helpers/planted-secrets.js";
import { ADMIN_TOKEN, failedRun, startHarness, type Harness } from "../intake/harness.js";

/**
 * Every secret of the shared corpus, sent through each way text leaves the app, through its real entry point:
 * what the gateway receives, the PR body, a log line, the admin API's job. A 12-character piece of a secret
 * found in what left is a leak.
 */
const corpusText = SECRETS_CORPUS.map((c) => c.text).join("\n");
const leaksIn = (out: string) => [...SECRETS_CORPUS, { kind: "planted-installation", secret: PLANTED.installation }].flatMap((c) => {
  const pieces = leakedPieces(out, c.secret);
  return pieces.length ? [[c.kind, pieces]] : [];
});

describe("no corpus secret leaves the app", () => {
  let fake: FakeTensorZero;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    fake = await FakeTensorZero.start();
    fake.setDefault({ output: DEFAULT_FAKE_OUTPUT });
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await fake.stop();
  });

  test("in the request sent to TensorZero (propose-patch)", async () => {
    const clock = new FakeClock(Date.now());
    const config = loadAppConfig({ TENSORZERO_URL: fake.url });
    const model = createTensorZeroModel(config, { clock }, { sleep: async () => undefined, maxAttempts: 1 })!;
    closers.push(() => model.client.close());
    const logger = silentLogger();
    const deps: Deps = {
      config, store: new MemoryJobStore(), queue: new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger }),
      github: { forInstallation: async () => { throw new Error("unused"); } },
      workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
      model, clock, logger, metrics: createMetrics(), identity: new AppIdentity(),
    };
    const base = sampleFailureContext();
    // As a build-context written by an older version, or a field a later change forgets to redact: the stage's own redaction is what is tested.
    const context = sampleFailureContext({
      excerpts: [{ ...base.excerpts[0]!, text: corpusText }],
      manifests: [{ path: ".env", excerpt: corpusText }],
      snippets: [{ path: "config/settings.py", startLine: 1, endLine: SECRETS_CORPUS.length, text: corpusText }],
      head_commit_diff: SECRETS_CORPUS.map((c) => `+${c.text}`).join("\n"),
    });
    const job = makeJob({ repo: "octo-org/widgets", at: new Date(Date.now() - 60_000).toISOString() });
    job.results["build-context"] = { context };
    job.completedStages = ["check-repo-config", "clone-repo", "fetch-logs", "build-context"];
    const r = (await proposePatchStage.run(job, deps, { log: logger, signal: new AbortController().signal, dryRun: false, attempt: 1 })).result as ProposePatchResult;
    const sent = JSON.stringify(fake.inferences.find((i) => i.inferenceId === r.inferenceId)!.body);
    expect(sent).toContain("[REDACTED]");
    expect(leaksIn(sent)).toEqual([]);
  });

  test("in the PR body (diagnosis and the validation output it quotes)", () => {
    const body = renderPrBody(prInput());
    expect(leaksIn(body)).toEqual([]);
  });

  // The diagnosis is the model's, which can echo what it read; these are public in the repository.
  test("in the commit message, the comment on the failing PR and the CI-failed comment", () => {
    const i = prInput();
    const texts = {
      commit: renderCommitMessage(i),
      fixComment: renderFixComment("<!-- m -->", undefined, { number: 9 }, i),
      ciFailed: renderCiFailedComment("<!-- m -->", { conclusion: "failure", runId: 7, why: `The repair was refused:\n${corpusText}`, draft: true }),
    };
    for (const [where, text] of Object.entries(texts)) expect([where, leaksIn(text)]).toEqual([where, []]);
  });

  test("in the CLI's jobs show, as text and --json, from a job stored on disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-outbound-"));
    try {
      const store = await LowdbJobStore.open(dir);
      const job = makeJob({ runId: 11, at: "2026-11-23T12:00:00.000Z" });
      await store.recordIntake(makeDelivery(job, { outcome: "job_created" }), "{}", job);
      await store.updateJob(job.id, (j) => {
        j.error = { code: "git_failed", message: corpusText, retryable: false, stage: "clone-repo", at: j.updatedAt, details: { stderr: corpusText } };
        j.results["validate"] = { commands: [{ command: "npm test", outputTail: corpusText }] };
        transition(j, "failed", "2026-11-23T12:00:01.000Z", { stage: "clone-repo" });
      });
      await store.close();
      for (const args of [["show", job.id], ["show", job.id, "--json"]]) {
        let out = "";
        expect(await jobsCli(args, { DATA_DIR: dir }, { out: (t: string) => void (out += t), err: () => undefined })).toBe(0);
        expect([args, leaksIn(out)]).toEqual([args, []]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  function prInput(): PrBodyInput {
    return {
      repo: "octo/slug",
      run: { id: 555, attempt: 1, url: "https://github.com/octo/slug/actions/runs/555", workflow: "tests", headBranch: "feature/slug", headSha: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" },
      failing: [{ job: "pytest", step: "Run tests", command: "python -m pytest -q", exitCode: 1 }],
      classification: "test",
      // Built from the redacted context, and redacted again as the body is made (the rules may have grown).
      failedInCi: { tests: [{ name: "test_settings" }], log: { job: "pytest", startLine: 1, endLine: 40, text: corpusText } },
      diagnosis: `The tests read the settings:\n${corpusText}`,
      confidence: 0.82,
      files: [{ path: "slug.py", status: "modified", additions: 1, deletions: 1 }],
      additions: 1,
      deletions: 1,
      validation: {
        evidence: { before: "red", after: "green", reproduced: true },
        commands: [{ phase: "validate", command: "python -m pytest -q", exitCode: 0, timedOut: false, durationMs: 790 }],
        outputTail: corpusText,
        sandbox: "bwrap",
      },
      overrides: [],
      tensorzero: { episodeId: "0192f5a0-0000-7000-8000-000000000001", inferenceId: "0192f5a0-0000-7000-8000-000000000002", variant: "v1" },
      repairAttempt: 1,
    };
  }

  test("in the app's log lines (a message, a field, an error carrying its request's headers)", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: "info", destination: sink as unknown as DestinationStream });
    for (const c of SECRETS_CORPUS) {
      // As an Octokit RequestError carries it: the installation token in its request's headers, the text in its body.
      const request = { method: "POST", url: "https://api.github.com/x", headers: { authorization: `token ${PLANTED.installation}` }, body: JSON.stringify({ body: c.text }) };
      const err = Object.assign(new Error(`HttpError: ${c.text}`), { status: 422, request });
      log.error({ err, output: c.text }, c.text);
    }
    await new Promise((r) => setImmediate(r));
    expect(leaksIn(lines.join(""))).toEqual([]);
  });

  describe("admin API", () => {
    let h: Harness;
    afterEach(async () => h.close());
    test("in a job as /jobs/:id shows it", async () => {
      h = await startHarness({ env: { ADMIN_TOKEN } });
      await h.send("workflow_run", failedRun());
      const [job] = await h.store.listJobs();
      await h.store.updateJob(job!.id, (j) => {
        j.error = { code: "git_failed", message: corpusText, retryable: false, stage: "clone-repo", at: j.updatedAt, details: { stderr: corpusText } };
        j.results["validate"] = { commands: [{ command: "npm test", outputTail: corpusText }] };
        transition(j, "failed", "2026-11-23T12:00:01.000Z", { stage: "clone-repo" });
      });
      const res = await fetch(`${h.url}/jobs/${job!.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(leaksIn(await res.text())).toEqual([]);
    });
  });
});
