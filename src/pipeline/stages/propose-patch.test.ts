import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { InProcessQueue } from "../../adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import { episodeIdForJob, isUuidV7, uuidV7Millis } from "../../adapters/tensorzero/episode-id.js";
import { createTensorZeroModel } from "../../adapters/tensorzero/tensorzero-model.js";
import { createMetrics } from "../../admin/metrics.js";
import { loadAppConfig } from "../../config/app-config.js";
import type { Deps } from "../../core/deps.js";
import type { Job } from "../../core/job.js";
import { silentLogger } from "../../core/logger.js";
import type { ModelPort } from "../../core/ports/model-port.js";
import { DEFAULT_FAKE_OUTPUT, FakeTensorZero } from "../../../test/fakes/fake-tensorzero.js";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { acrossHeadCut, HEAD_CUT_KINDS, leakedPieces, SECRETS_CORPUS } from "../../../test/helpers/planted-secrets.js";
import { queueItemFor, Runner } from "../runner.js";
import type { StageContext } from "../stage.js";
import { proposePatchStage, type ProposePatchDryRun, type ProposePatchResult } from "./propose-patch.js";
import { AppIdentity } from "../../core/app-identity.js";
import type { AppError } from "../../core/errors.js";
import * as outcome from "../../feedback/outcome-feedback.js";
import { STAGES } from "../stages.js";
import { redactDeep } from "../../core/redact.js";

let fake: FakeTensorZero;
const models: Array<{ client: { close(): Promise<void> } }> = [];

function deps(over: { model?: ModelPort | null; env?: Record<string, string>; clock?: FakeClock; halfOpenAfterMs?: number } = {}): Deps {
  const clock = over.clock ?? new FakeClock(Date.now());
  const config = loadAppConfig({ TENSORZERO_URL: fake.url, RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2", ...over.env });
  let model = over.model === null ? undefined : over.model;
  if (over.model === undefined) {
    const m = createTensorZeroModel(config, { clock }, { sleep: async () => undefined, maxAttempts: 2, breaker: { threshold: 3, halfOpenAfterMs: over.halfOpenAfterMs ?? 60_000 } })!;
    models.push(m);
    model = m;
  }
  const logger = silentLogger();
  return {
    config,
    store: new MemoryJobStore(),
    queue: new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger }),
    github: { forInstallation: async () => { throw new Error("unused"); } },
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    model,
    clock,
    logger,
    metrics: createMetrics(),
    identity: new AppIdentity(),
  };
}

const ctx = (over: Partial<StageContext> = {}): StageContext => ({ log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1, ...over });
const jobWithContext = (context = sampleFailureContext()): Job => {
  const job = makeJob({ repo: "octo-org/widgets", at: new Date(Date.now() - 60_000).toISOString() });
  job.results["build-context"] = { context };
  job.completedStages = ["check-repo-config", "clone-repo", "fetch-logs", "build-context"];
  return job;
};

beforeAll(async () => {
  fake = await FakeTensorZero.start();
});
afterAll(async () => {
  await Promise.all(models.map((m) => m.client.close()));
  await fake.stop();
});
beforeEach(() => {
  fake.setDefault({ output: DEFAULT_FAKE_OUTPUT });
});

describe("propose-patch stage", () => {
  test("stores the proposal, the job's episode and the inference, tagged with repo, run and job", async () => {
    const job = jobWithContext();
    const out = await proposePatchStage.run(job, deps(), ctx());
    const r = out.result as ProposePatchResult;
    expect(r).toMatchObject({
      proposal: { diagnosis: DEFAULT_FAKE_OUTPUT.diagnosis, diff: DEFAULT_FAKE_OUTPUT.patch, confidence: 0.8, files: ["src/math.js"], testsToRun: DEFAULT_FAKE_OUTPUT.tests_to_run },
      repairAttempt: 1,
      previousInferenceIds: [],
    });
    expect(isUuidV7(r.episodeId)).toBe(true);
    expect(uuidV7Millis(r.episodeId)).toBe(Date.parse(job.createdAt));
    const stored = fake.inferences.find((i) => i.inferenceId === r.inferenceId)!;
    expect(stored).toMatchObject({ episodeId: r.episodeId, variantName: r.variantName });
    expect(stored.body.tags).toEqual({ repo: "octo-org/widgets", run_id: String(job.run.id), run_attempt: "1", job_id: job.id });
  });

  test("a retried stage and a second repair attempt reuse the job's episode", async () => {
    const job = jobWithContext();
    const d = deps();
    const first = (await proposePatchStage.run(job, d, ctx())).result as ProposePatchResult;
    fake.script({ status: 502, error: "All variants failed with errors: x" }, { status: 502, error: "All variants failed with errors: x" });
    await expect(proposePatchStage.run(job, d, ctx())).rejects.toMatchObject({ retryable: true });
    job.results["propose-patch"] = first;
    job.results["build-context"] = { context: sampleFailureContext({ previous_attempt: { patch: first.proposal.diff, outcome: "CI failed on the fix branch" } }) };
    const second = (await proposePatchStage.run(job, d, ctx())).result as ProposePatchResult;
    expect([second.episodeId, second.variantName, second.repairAttempt, second.previousInferenceIds]).toEqual([first.episodeId, first.variantName, 2, [first.inferenceId]]);
    expect(new Set(fake.inferences.filter((i) => i.body.tags && (i.body.tags as Record<string, string>).job_id === job.id).map((i) => i.episodeId))).toEqual(new Set([first.episodeId]));
  });

  test("secrets in the context are redacted before they are sent", async () => {
    const secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    const context = sampleFailureContext();
    context.excerpts[0]!.text += `\nexport GITHUB_TOKEN=${secret}`;
    const r = (await proposePatchStage.run(jobWithContext(context), deps(), ctx())).result as ProposePatchResult;
    const sent = JSON.stringify(fake.inferences.find((i) => i.inferenceId === r.inferenceId)!.body);
    expect(sent).not.toContain(secret);
    expect(sent).toContain("[REDACTED]");
  });

  test("context too large → one more try with a smaller context, recorded on the result", async () => {
    const big = sampleFailureContext();
    big.excerpts[0]!.text = Array.from({ length: 3000 }, (_, i) => `line ${i} of a very noisy log`).join("\n");
    fake.script({ status: 400, error: "Error 400 from openai client: This model's maximum context length is 400000 tokens. (context_length_exceeded)" });
    const r = (await proposePatchStage.run(jobWithContext(big), deps(), ctx())).result as ProposePatchResult;
    expect(r.shrunkContext).toMatchObject({ fromTokens: 6000, toTokens: 3000 });
    const sent = fake.inferences.find((i) => i.inferenceId === r.inferenceId)!.body as { input: { messages: Array<{ content: Array<{ arguments: { excerpts: Array<{ text: string }> } }> }> } };
    expect(sent.input.messages[0]!.content[0]!.arguments.excerpts[0]!.text.length).toBeLessThan(big.excerpts[0]!.text.length / 2);
    // Still too large after halving: a permanent failure that says what to change.
    fake.script(...Array.from({ length: 2 }, () => ({ status: 413, error: "request too large" })));
    await expect(proposePatchStage.run(jobWithContext(big), deps(), ctx())).rejects.toMatchObject({ code: "context_too_large", retryable: false, message: expect.stringMatching(/CONTEXT_BUDGET_TOKENS/) });
  });

  test("every variant failing on context length (the gateway's 502, retries and all) → the smaller context, not a retry of the same", async () => {
    const big = sampleFailureContext();
    big.excerpts[0]!.text = Array.from({ length: 3000 }, (_, i) => `line ${i} of a very noisy log`).join("\n");
    fake.script({ providerErrors: {
      openai: { status: 400, body: '{\n    "error": {\n        "message": "This model\'s maximum context length is 400000 tokens. However, your messages resulted in 412345 tokens.",\n        "type": "invalid_request_error",\n        "param": "messages",\n        "code": "context_length_exceeded"\n    }\n}\n' },
      anthropic: { status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 212345 tokens > 200000 maximum"}}' },
    } });
    const n = fake.requests.length;
    const r = (await proposePatchStage.run(jobWithContext(big), deps(), ctx())).result as ProposePatchResult;
    expect(r.shrunkContext).toMatchObject({ fromTokens: 6000, toTokens: 3000 });
    expect(fake.requests.slice(n).map((q) => q.status)).toEqual([502, 200]);
  });

  test("every provider refusing the gateway's API key: the job fails at once, saying which key to fix", async () => {
    fake.setDefault({ providerErrors: { openai: { status: 401, body: '{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}' }, anthropic: { status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}' } } });
    const n = fake.requests.length;
    await expect(proposePatchStage.run(jobWithContext(), deps(), ctx())).rejects.toMatchObject({ code: "model_provider_auth", retryable: false, message: expect.stringMatching(/API key in the TensorZero gateway's environment/) });
    expect(fake.requests.length - n).toBe(1);
  });

  test("a smaller context whose cut split an emoji is still sent (the gateway refuses half a surrogate pair)", async () => {
    // Minified output on one line: the character cut of a long excerpt falls inside "🚀" (two UTF-16 units).
    const big = sampleFailureContext();
    big.excerpts[0]!.text = "\u{1F680}".repeat(40_000);
    fake.script({ status: 400, error: "Error 400 from openai client: This model's maximum context length is 400000 tokens. (context_length_exceeded)" });
    const r = (await proposePatchStage.run(jobWithContext(big), deps(), ctx())).result as ProposePatchResult;
    expect(r.shrunkContext).toBeDefined();
    const sent = fake.inferences.find((i) => i.inferenceId === r.inferenceId)!.body as { input: { messages: Array<{ content: Array<{ arguments: { excerpts: Array<{ text: string }> } }> }> } };
    expect(sent.input.messages[0]!.content[0]!.arguments.excerpts[0]!.text).toContain("\uFFFD");
  });

  test("an empty patch or a non-diff fails permanently with the model's words kept", async () => {
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "", files: [], confidence: 0.1, diagnosis: "Runner ran out of disk." } });
    await expect(proposePatchStage.run(jobWithContext(), deps(), ctx())).rejects.toMatchObject({ code: "no_fix_proposed", retryable: false, message: expect.stringMatching(/out of disk/) });
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "change a - b to a + b in src/math.js" } });
    await expect(proposePatchStage.run(jobWithContext(), deps(), ctx())).rejects.toMatchObject({ code: "patch_not_a_diff", details: { patch: "change a - b to a + b in src/math.js" } });
  });

  test("a non-diff kept on the job error is redacted before it is cut, not sent by the head of a secret", async () => {
    for (const c of SECRETS_CORPUS.filter((x) => (HEAD_CUT_KINDS as readonly string[]).includes(x.kind))) {
      fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: acrossHeadCut(c, 8000, "change the file: ") } });
      const err = (await proposePatchStage.run(jobWithContext(), deps(), ctx()).catch((e: unknown) => e)) as AppError;
      expect(err).toMatchObject({ code: "patch_not_a_diff" });
      // As the runner keeps it (storedError).
      expect([c.kind, leakedPieces(JSON.stringify(redactDeep(err.details)), c.secret)]).toEqual([c.kind, []]);
    }
  });

  test("reads the context from a file when build-context stored a path", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "t0-ctx-"));
    try {
      const path = join(dir, "context.json");
      await writeFile(path, JSON.stringify(sampleFailureContext({ classification: "compile" })));
      const job = jobWithContext();
      job.results["build-context"] = { contextPath: path };
      const r = (await proposePatchStage.run(job, deps(), ctx())).result as ProposePatchResult;
      const sent = fake.inferences.find((i) => i.inferenceId === r.inferenceId)!.body as { input: { messages: Array<{ content: Array<{ arguments: { classification: string } }> }> } };
      expect(sent.input.messages[0]!.content[0]!.arguments.classification).toBe("compile");
      job.results["build-context"] = { contextPath: join(dir, "gone.json") };
      await expect(proposePatchStage.run(job, deps(), ctx())).rejects.toMatchObject({ code: "context_missing" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("without build-context output the job fails with what to do", async () => {
    const job = jobWithContext();
    delete job.results["build-context"];
    await expect(proposePatchStage.run(job, deps(), ctx())).rejects.toMatchObject({ code: "context_missing", message: expect.stringMatching(/jobs retry/) });
  });

  test("no gateway and not a dry run: permanent model_not_configured", async () => {
    await expect(proposePatchStage.run(jobWithContext(), deps({ model: null }), ctx())).rejects.toMatchObject({ code: "model_not_configured" });
  });

  test("dry run with a gateway: asks the model with dryrun, so the gateway stores no inference", async () => {
    const job = { ...jobWithContext(), dryRun: true };
    const n = fake.requests.length;
    const r = (await proposePatchStage.dryRun!(job, deps(), ctx({ dryRun: true }))).result as ProposePatchResult;
    expect(r.proposal.diff).toBe(DEFAULT_FAKE_OUTPUT.patch);
    expect(fake.requests.slice(n).map((q) => [q.path, (q.body as { dryrun?: unknown }).dryrun])).toEqual([["/inference", true]]);
    expect(fake.inferences.some((i) => i.inferenceId === r.inferenceId || i.episodeId === r.episodeId)).toBe(false);
  });

  test("dry run without a gateway: returns the exact, redacted request instead of sending it", async () => {
    const context = sampleFailureContext();
    context.excerpts[0]!.text += "\nAuthorization: Bearer sk-t0-abcdefabcdef-verysecretvalue";
    const job = { ...jobWithContext(context), dryRun: true };
    const n = fake.requests.length;
    const d = deps({ model: null, env: { TENSORZERO_URL: "" } });
    const out = (await proposePatchStage.dryRun!(job, d, ctx({ dryRun: true }))).result as ProposePatchDryRun;
    expect(fake.requests.length).toBe(n);
    expect(out).toMatchObject({ dryRun: true, wouldSend: { method: "POST", url: "$TENSORZERO_URL/inference", body: { function_name: "fix_ci_failure", episode_id: out.episodeId, tags: { job_id: job.id } } } });
    expect(JSON.stringify(out)).not.toContain("verysecretvalue");
    // The recorded request is one the gateway accepts.
    const r = await fetch(`${fake.url}/inference`, { method: "POST", body: JSON.stringify({ ...out.wouldSend.body, dryrun: true }) });
    expect(r.status).toBe(200);
  });
});

describe("negative feedback when the model's answer leads nowhere (the stage as the table runs it)", () => {
  const stage = STAGES.find((x) => x.name === "propose-patch")!;

  /** Runs the stage on a stored job; returns the job's feedback and what the fake gateway accepted for it. */
  async function run(over: { job?: Job; dryRun?: boolean } = {}) {
    const d = deps();
    const job = over.job ?? jobWithContext();
    await d.store.recordIntake(makeDelivery(job), "{}", job);
    const err = await stage.run(job, d, ctx({ dryRun: over.dryRun ?? false })).then(() => undefined, (e: unknown) => e as AppError);
    const stored = (await d.store.getJob(job.id))!;
    const episodeId = episodeIdForJob(job, Date.now());
    const inferences = fake.inferences.filter((i) => i.episodeId === episodeId).map((i) => i.inferenceId);
    const mine = (f: { inferenceId?: string; episodeId?: string }) => f.episodeId === episodeId || inferences.includes(f.inferenceId ?? "");
    return {
      err,
      episodeId,
      inferences,
      recorded: stored.feedback.map((f) => [f.metric, f.value, "inferenceId" in f.target ? f.target.inferenceId : f.target.episodeId, f.status]),
      accepted: fake.feedback.filter(mine).map((f) => [f.metric, f.value, f.inferenceId ?? f.episodeId]),
    };
  }

  test("no fix proposed: patch_applied=false on the inference and pr_merged=false on the episode, recorded and sent", async () => {
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "", files: [], confidence: 0.1, diagnosis: "Runner ran out of disk." } });
    const r = await run();
    expect(r.err).toMatchObject({ code: "no_fix_proposed" });
    const [inf] = r.inferences;
    expect(r.recorded).toEqual([["patch_applied", false, inf, "sent"], ["pr_merged", false, r.episodeId, "sent"]]);
    expect(r.accepted).toEqual([["patch_applied", false, inf], ["pr_merged", false, r.episodeId]]);
  });

  test("a patch that is not a diff: the same", async () => {
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "change a - b to a + b in src/math.js" } });
    const r = await run();
    expect(r.err).toMatchObject({ code: "patch_not_a_diff" });
    expect(r.accepted).toEqual([["patch_applied", false, r.inferences[0]], ["pr_merged", false, r.episodeId]]);
  });

  test("an answer discarded for not fitting the schema: patch_applied=false on it, even when the next one is used", async () => {
    fake.script({ raw: "I think the fix is to add a + sign" });
    const r = await run();
    expect(r.err).toBeUndefined();
    expect(r.inferences).toHaveLength(2);
    expect(r.recorded).toEqual([["patch_applied", false, r.inferences[0], "sent"]]);
    expect(r.accepted).toEqual([["patch_applied", false, r.inferences[0]]]);
  });

  test("every answer discarded (model_output_invalid): patch_applied=false on each, pr_merged=false on the episode", async () => {
    fake.script({ raw: "garbage 1" }, { raw: "garbage 2" });
    const r = await run();
    expect(r.err).toMatchObject({ code: "model_output_invalid" });
    expect(r.accepted).toEqual([["patch_applied", false, r.inferences[0]], ["patch_applied", false, r.inferences[1]], ["pr_merged", false, r.episodeId]]);
  });

  test("a discarded answer before a 'no fix' one is not forgotten", async () => {
    fake.script({ raw: "garbage" }, { output: { ...DEFAULT_FAKE_OUTPUT, patch: "", files: [] } });
    const r = await run();
    expect(r.err).toMatchObject({ code: "no_fix_proposed" });
    expect(r.accepted).toEqual(expect.arrayContaining([["patch_applied", false, r.inferences[0]], ["patch_applied", false, r.inferences[1]], ["pr_merged", false, r.episodeId]]));
    expect(r.accepted).toHaveLength(3);
  });

  test("an answer discarded before the gateway failed: patch_applied=false on it, and no pr_merged (the job retries)", async () => {
    const down = { status: 502, error: "All variants failed with errors: gpt_5_mini_prompt_v1: provider down" };
    fake.script({ raw: "I think the fix is to add a + sign" }, down, down);
    const r = await run();
    expect(r.err).toMatchObject({ code: "model_gateway_error", retryable: true });
    expect(r.inferences).toHaveLength(1);
    // The retry of the stage asks anew: this answer's verdict is known now or never.
    expect(r.recorded).toEqual([["patch_applied", false, r.inferences[0], "sent"]]);
    expect(r.accepted).toEqual([["patch_applied", false, r.inferences[0]]]);
  });

  test("a repair attempt with no fix, while the PR is open: no pr_merged (the PR's close sends it), and the PR's own pr_merged stays recordable", async () => {
    const job = jobWithContext();
    job.results["open-pull-request"] = { episodeId: episodeIdForJob(job, Date.now()), pr: { number: 7 } };
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "", files: [] } });
    const r = await run({ job });
    expect(r.err).toMatchObject({ code: "no_fix_proposed" });
    expect(r.recorded).toEqual([["patch_applied", false, r.inferences[0], "sent"]]);
    // A job that ended without a PR and is retried by an operator can still record the real outcome later.
    expect(outcome.noPrFeedback(job, r.episodeId, "no_fix_proposed").id).not.toBe(outcome.mergedFeedback(job, r.episodeId, true, "merged", [])!.id);
  });

  test("a dry run records nothing (its inferences are not stored, so no feedback is possible)", async () => {
    fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, patch: "" } });
    const job = { ...jobWithContext(), dryRun: true };
    const r = await run({ job, dryRun: true });
    expect(r.err).toMatchObject({ code: "no_fix_proposed" });
    expect(r.recorded).toEqual([]);
  });
});

describe("propose-patch in the runner during a gateway outage", () => {
  test("jobs wait (retryable, re-queued with backoff) while the gateway is down and complete when it is back", async () => {
    // The breaker's open window is timed on the runner's clock: it moves only when the test says.
    const clock = new FakeClock(Date.now());
    const d = deps({ clock, halfOpenAfterMs: 2_000 });
    const runner = new Runner(d, [proposePatchStage]);
    const job = jobWithContext();
    await d.store.recordIntake(makeDelivery(job), "{}", job);
    fake.setDefault({ status: 502, error: "All variants failed with errors: gpt_5_mini_prompt_v1: provider down" });
    await runner.runJob(queueItemFor(job)); // 2 tries → retryable
    await runner.runJob(queueItemFor(job)); // 1 try opens the breaker (threshold 3), the 2nd fails fast: not counted
    const before = fake.requests.length;
    for (let i = 0; i < 5; i++) await runner.runJob(queueItemFor(job)); // fail fast: model_unavailable, budget untouched
    expect(fake.requests.length).toBe(before);
    let j = (await d.store.getJob(job.id))!;
    expect(j.state).toBe("patching");
    expect(j.error).toMatchObject({ code: "model_unavailable", retryable: true });
    expect(j.nextAttemptAt).toBeDefined();
    expect(j.attempts.byStage["propose-patch"]).toBe(1); // only the first run used the retry budget (JOB_MAX_RETRIES=2)
    const stats = await d.queue.stats();
    expect(stats.delayed + stats.waiting).toBe(1);
    // The gateway recovers; still open 1 ms before the window ends, the breaker then half-opens and the
    // next run completes the job.
    fake.setDefault({ output: DEFAULT_FAKE_OUTPUT });
    await clock.advance(1_999);
    await runner.runJob(queueItemFor(job));
    expect(fake.requests.length).toBe(before);
    expect((await d.store.getJob(job.id))!.error).toMatchObject({ code: "model_unavailable" });
    await clock.advance(1);
    await runner.runJob(queueItemFor(job));
    j = (await d.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect((j.results["propose-patch"] as ProposePatchResult).proposal.diff).toBe(DEFAULT_FAKE_OUTPUT.patch);
  });
});
