import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { DEFAULT_FAKE_OUTPUT, FakeTensorZero } from "../../../test/fakes/fake-tensorzero.js";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { redact, redactDeep } from "../../core/redact.js";
import { episodeIdForJob, newUuidV7 } from "./episode-id.js";
import { gatewayError } from "./gateway-errors.js";
import { inferenceChunks } from "./inference-stream.js";
import { readJsonBody } from "./read-json-body.js";
import { SHIPPED_GATEWAY_CONFIG } from "./gateway-config.js";
import { buildFixInferenceRequest } from "./inference-request.js";
import { METRICS } from "./metric-names.js";
import type { TensorZeroClientOptions } from "./tensorzero-client.js";
import { TensorZeroModel } from "./tensorzero-model.js";
import { rejection } from "../../../test/helpers/rejection.js";
import { acrossHeadCut, HEAD_CUT_KINDS, leakedPieces, SECRETS_CORPUS } from "../../../test/helpers/planted-secrets.js";
import { useFakeGateway } from "../../../test/helpers/fake-gateway-suite.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";

/** Contract: the real client and ModelPort adapter against the fake gateway loading the shipped config. */
const gw = useFakeGateway({ random: () => 1 });
const { sleeps, client } = gw;
const model = (o: Partial<TensorZeroClientOptions> = {}, stream = false) => new TensorZeroModel(client(o), { stream });
const opts = () => ({ episodeId: episodeIdForJob({ id: `job-${Math.random()}`, createdAt: new Date().toISOString() }, Date.now()), tags: { repo: "octo-org/widgets", run_id: "7123456789", job_id: "j1" } });

describe("TensorZero client contract (fake gateway, shipped config)", () => {
  test("proposePatch: one inference in the job's episode, with its tags; returns the validated proposal and ids", async () => {
    const o = opts();
    const before = gw.fake.inferences.length;
    const res = await model().proposePatch(sampleFailureContext(), o);
    expect(res).toMatchObject({ episodeId: o.episodeId, variantName: expect.stringMatching(/_prompt_v1$/), proposal: { ...DEFAULT_FAKE_OUTPUT } });
    expect(gw.fake.inferences.length).toBe(before + 1);
    const stored = gw.fake.inferences.at(-1)!;
    expect([stored.inferenceId, stored.episodeId, stored.body.tags]).toEqual([res.inferenceId, o.episodeId, o.tags]);
  });

  test("the same episode keeps its variant (second repair attempt)", async () => {
    const o = opts();
    const a = await model().proposePatch(sampleFailureContext(), o);
    const b = await model().proposePatch(sampleFailureContext({ previous_attempt: { patch: a.proposal.patch, outcome: "CI failed on the fix branch" } }), o);
    expect([b.episodeId, b.variantName]).toEqual([a.episodeId, a.variantName]);
    expect(b.inferenceId).not.toBe(a.inferenceId);
  });

  test("tests_to_run: null from the model becomes an absent field", async () => {
    gw.fake.script({ output: { ...DEFAULT_FAKE_OUTPUT, tests_to_run: null } });
    const res = await model().proposePatch(sampleFailureContext(), opts());
    expect("tests_to_run" in res.proposal).toBe(false);
  });

  test("parsed: null once → one more inference in the same episode, the first is reported as discarded", async () => {
    gw.fake.script({ raw: "I think the fix is to add a + sign" });
    const res = await model().proposePatch(sampleFailureContext(), opts());
    expect(res.proposal.patch).toBe(DEFAULT_FAKE_OUTPUT.patch);
    expect(res.discardedInferenceIds).toHaveLength(1);
  });

  test("parsed: null twice → permanent model_output_invalid carrying the raw text", async () => {
    gw.fake.script({ raw: "garbage 1" }, { output: { ...DEFAULT_FAKE_OUTPUT, confidence: 7 } });
    const err = await rejection(model().proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_output_invalid", retryable: false });
    expect(err.details).toMatchObject({ raw: JSON.stringify({ ...DEFAULT_FAKE_OUTPUT, confidence: 7 }), inferenceIds: [expect.any(String), expect.any(String)] });
  });

  test("answers cut off at max_tokens (finish_reason: length) say so and name the variant's max_tokens, streaming or not", async () => {
    for (const stream of [false, true]) {
      const cut = { raw: JSON.stringify(DEFAULT_FAKE_OUTPUT).slice(0, 40), finishReason: "length" };
      gw.fake.script(cut, cut);
      const err = await rejection(model({}, stream).proposePatch(sampleFailureContext(), opts()));
      expect(err).toMatchObject({ code: "model_output_invalid", retryable: false, details: { finishReason: "length" } });
      expect(err.message).toMatch(/cut off at the variant's max_tokens/);
      expect(err.message).toMatch(/raise max_tokens of variant "\w+_prompt_v1" in tensorzero\/config\/tensorzero\.toml/);
    }
    // An answer that ended on its own but is off the schema keeps the advice about the prompt.
    gw.fake.script({ raw: "garbage" }, { raw: "garbage" });
    const err = await rejection(model().proposePatch(sampleFailureContext(), opts()));
    expect(err.message).not.toMatch(/max_tokens/);
    expect(err.details).toMatchObject({ finishReason: "stop" });
  });

  // Both texts are kept on the job's error, redacted then (storedError in the runner): cut first, the head of a
  // secret across the cut passed redaction.
  test("the model's raw answer and a gateway's stream error are redacted before they are cut", async () => {
    const body = buildFixInferenceRequest(sampleFailureContext(), { ...opts(), stream: true });
    for (const c of SECRETS_CORPUS.filter((x) => (HEAD_CUT_KINDS as readonly string[]).includes(x.kind))) {
      const raw = acrossHeadCut(c, 8000, "not json: ");
      gw.fake.script({ raw }, { raw });
      const invalid = await rejection(model().proposePatch(sampleFailureContext(), opts()));
      expect([c.kind, invalid.code, leakedPieces(JSON.stringify(redactDeep(invalid.details)), c.secret)]).toEqual([c.kind, "model_output_invalid", []]);
      for (const cut of [500, 2000]) {
        gw.fake.script({ streamError: acrossHeadCut(c, cut, "Error 500 from provider: "), afterChunks: 1 });
        const stream = await rejection((async () => {
          for await (const ch of client().inferenceStream(body)) void ch;
        })());
        expect([c.kind, cut, stream.code, leakedPieces(`${redact(stream.message)} ${JSON.stringify(redactDeep(stream.details))}`, c.secret)]).toEqual([c.kind, cut, "model_stream_error", []]);
      }
    }
  });

  test("a gateway's error answer and a non-JSON answer or event are redacted before they are cut", async () => {
    const body = buildFixInferenceRequest(sampleFailureContext(), { ...opts(), stream: true });
    const kept = (e: { message: string; details?: unknown }) => `${redact(e.message)} ${JSON.stringify(redactDeep(e.details ?? {}))}`;
    for (const c of SECRETS_CORPUS.filter((x) => (HEAD_CUT_KINDS as readonly string[]).includes(x.kind))) {
      const leaks: unknown[] = [];
      for (const cut of [500, 2000]) leaks.push(leakedPieces(kept(gatewayError(502, acrossHeadCut(c, cut, "Error 502 from provider: "), { path: "/inference" })), c.secret));
      const notJson = acrossHeadCut(c, 120, "<html>proxy error: ");
      const answer = await readJsonBody({ statusCode: 200, body: (async function* () { yield notJson; })() } as never, "/inference", 1 << 20, "http://gw").catch((e: Error) => e);
      leaks.push(leakedPieces(kept(answer as Error), c.secret));
      const event = await rejection((async () => {
        for await (const ch of inferenceChunks((async function* () { yield `data: ${notJson}\n\n`; })(), body, 1 << 20)) void ch;
      })());
      leaks.push(leakedPieces(kept(event), c.secret));
      expect([c.kind, leaks]).toEqual([c.kind, [[], [], [], []]]);
    }
  });

  test("an answer the gateway parsed but the app's own check rejects is treated like parsed: null", async () => {
    // A gateway whose output schema is permissive ({}): the app must not trust `parsed` blindly.
    const dir = await mkdtemp(join(tmpdir(), "t0-tz-lax-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      await writeFile(join(dir, "functions/fix_ci_failure/output_schema.json"), "{}");
      const lax = await FakeTensorZero.start({ configPath: join(dir, "tensorzero.toml") });
      try {
        lax.script({ output: { diagnosis: "", patch: 1 } }, { output: { diagnosis: "ok", patch: "", confidence: 0.1, files: [], tests_to_run: null, rm: "-rf /" } });
        const err = await rejection(new TensorZeroModel(client({ baseUrl: lax.url })).proposePatch(sampleFailureContext(), opts()));
        expect(err).toMatchObject({ code: "model_output_invalid", retryable: false, details: { problems: ['unexpected key "rm"'] } });
        expect(lax.inferences).toHaveLength(2);
      } finally {
        await lax.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("TENSORZERO_FUNCTION naming a chat function: a permanent error that says so, streaming or not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-tz-chat-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      const chat = [
        "[functions.fix_chat]", 'type = "chat"',
        'schemas.system.path = "functions/fix_ci_failure/system_schema.json"', 'schemas.user.path = "functions/fix_ci_failure/user_schema.json"',
        "[functions.fix_chat.variants.v1]", 'type = "chat_completion"', 'model = "gpt_5_mini"',
        'templates.system.path = "functions/fix_ci_failure/prompts/v1/system.minijinja"', 'templates.user.path = "functions/fix_ci_failure/prompts/v1/user.minijinja"',
      ].join("\n");
      await writeFile(toml, `${await readFile(toml, "utf8")}\n${chat}\n`);
      const withChat = await FakeTensorZero.start({ configPath: toml });
      try {
        for (const stream of [false, true]) {
          const m = new TensorZeroModel(client({ baseUrl: withChat.url }), { functionName: "fix_chat", stream });
          const err = await rejection(m.proposePatch(sampleFailureContext(), opts()));
          expect([stream, err]).toEqual([stream, expect.objectContaining({ code: "model_bad_response", retryable: false, message: expect.stringMatching(/fix_chat.*JSON function/) })]);
        }
        // One inference each: asking again cannot turn a chat function into a JSON one.
        expect(withChat.inferences).toHaveLength(2);
      } finally {
        await withChat.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("streaming: the same proposal assembled from SSE chunks", async () => {
    const res = await model({}, true).proposePatch(sampleFailureContext(), opts());
    expect(res.proposal).toEqual(DEFAULT_FAKE_OUTPUT);
    expect(res.usage?.outputTokens).toBeGreaterThan(0);
  });

  test("streaming: raw chunks arrive in order and an error event mid-stream is a retryable model_stream_error", async () => {
    const c = client();
    const body = buildFixInferenceRequest(sampleFailureContext(), { ...opts(), stream: true });
    const chunks: string[] = [];
    for await (const ch of c.inferenceStream(body)) chunks.push(ch.raw);
    expect(chunks.join("")).toBe(JSON.stringify(DEFAULT_FAKE_OUTPUT));
    gw.fake.script({ streamError: "Error 500 from anthropic client: overloaded", afterChunks: 1 });
    const err = await rejection((async () => {
      for await (const ch of c.inferenceStream(body)) void ch;
    })());
    expect(err).toMatchObject({ code: "model_stream_error", retryable: true });
  });

  test("400/404 are permanent and carry the gateway's message; nothing is retried", async () => {
    const n = gw.fake.requests.length;
    const err = await rejection(new TensorZeroModel(client(), { functionName: "fix_everything" }).proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_not_found", retryable: false, details: { status: 404, gatewayMessage: "Unknown function: fix_everything" } });
    expect(err.message).toMatch(/Unknown function: fix_everything/);
    const bad = await rejection(model().proposePatch({ ...sampleFailureContext(), classification: "cosmic" as never }, opts()));
    expect(bad).toMatchObject({ code: "model_bad_request", retryable: false, details: { status: 400 } });
    expect(bad.message).toMatch(/JSON Schema validation failed/);
    expect(gw.fake.requests.length).toBe(n + 2);
    expect(sleeps).toEqual([]);
  });

  test("context-length errors (even wrapped in a 502) → context_too_large at once, for the stage to shrink the context", async () => {
    gw.fake.script({ status: 502, error: "All variants failed with errors: gpt_5_mini_prompt_v1: Error 400 from openai client: This model's maximum context length is 400000 tokens. (context_length_exceeded)" });
    const n = gw.fake.requests.length;
    const err = await rejection(model().proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "context_too_large", retryable: false });
    expect(gw.fake.requests.length).toBe(n + 1);
  });

  test("an episode id in the gateway's future (its clock behind ours) is retried, not a permanent failure of the job", async () => {
    // The gateway's clock lags 3 s for its first answer, then has caught up (reference §8: clock skew).
    let calls = 0;
    const lagging = await FakeTensorZero.start({ now: () => Date.now() - (calls++ === 0 ? 3_000 : 0) });
    try {
      const o = { ...opts(), episodeId: newUuidV7(Date.now()) };
      const res = await new TensorZeroModel(client({ baseUrl: lagging.url })).proposePatch(sampleFailureContext(), o);
      expect(res.episodeId).toBe(o.episodeId);
      expect(lagging.requests.map((r) => r.status)).toEqual([400, 200]);
      // Still in the future after every try: retryable, and the message points at the clocks.
      const behind = await FakeTensorZero.start({ now: () => Date.now() - 60_000 });
      try {
        const err = await rejection(new TensorZeroModel(client({ baseUrl: behind.url })).proposePatch(sampleFailureContext(), { ...opts(), episodeId: newUuidV7(Date.now()) }));
        expect(err).toMatchObject({ retryable: true, details: { status: 400, gatewayMessage: "Invalid Episode ID: Timestamp is in the future" } });
        expect(err.message).toMatch(/clock/);
      } finally {
        await behind.stop();
      }
    } finally {
      await lagging.stop();
    }
  });

  test("bearer auth: the key is sent; a wrong one is a permanent model_auth that says what to set", async () => {
    const authed = await FakeTensorZero.start({ apiKeys: ["sk-t0-abcdefabcdef-s3cret"] });
    try {
      const good = new TensorZeroModel(client({ baseUrl: authed.url, apiKey: "sk-t0-abcdefabcdef-s3cret" }));
      await good.proposePatch(sampleFailureContext(), opts());
      expect(authed.requests.at(-1)!.authorization).toBe("Bearer sk-t0-abcdefabcdef-s3cret");
      const err = await rejection(new TensorZeroModel(client({ baseUrl: authed.url })).proposePatch(sampleFailureContext(), opts()));
      expect(err).toMatchObject({ code: "model_auth", retryable: false });
      expect(err.message).toMatch(/TENSORZERO_API_KEY/);
    } finally {
      await authed.stop();
    }
  });

  test("feedback: inference- and episode-level metrics reach the gateway with their tags", async () => {
    const m = model();
    const res = await m.proposePatch(sampleFailureContext(), opts());
    await m.feedback({ metric: METRICS.patchApplied, inferenceId: res.inferenceId, value: true, tags: { job_id: "j1" } });
    await m.feedback({ metric: METRICS.prMerged, episodeId: res.episodeId, value: false });
    expect(gw.fake.feedback.slice(-2)).toEqual([
      expect.objectContaining({ metric: "patch_applied", inferenceId: res.inferenceId, value: true, tags: { job_id: "j1" } }),
      expect.objectContaining({ metric: "pr_merged", episodeId: res.episodeId, value: false }),
    ]);
    await expect(m.feedback({ metric: METRICS.prMerged, value: true })).rejects.toMatchObject({ code: "feedback_invalid" });
    await expect(m.feedback({ metric: "stars", inferenceId: res.inferenceId, value: 5 })).rejects.toMatchObject({ code: "model_not_found" });
  });

  test("half an emoji (a string cut by UTF-16 index) goes as U+FFFD, not as an escape the gateway refuses", async () => {
    const m = model();
    const res = await m.proposePatch(sampleFailureContext(), opts());
    const cut = `${"x".repeat(9_999)}\u{1F44D}`.slice(0, 10_000);
    await m.feedback({ metric: "comment", episodeId: res.episodeId, value: cut });
    expect(gw.fake.feedback.at(-1)).toMatchObject({ metric: "comment", value: `${"x".repeat(9_999)}\uFFFD` });
  });

  test("feedback waits out the gateway's 'does not exist yet' window, boundedly", async () => {
    // Time moves only when the client waits: the inference becomes visible 1 s after it was made on the
    // fake clock, so how long the machine takes between the calls cannot decide the outcome.
    const clock = new FakeClock(Date.now());
    const slowStore = await FakeTensorZero.start({ storeDelayMs: 1_000, lookupWindowMs: 0, now: () => clock.now() });
    try {
      const waits: number[] = [];
      const sleep = async (ms: number) => {
        waits.push(ms);
        await clock.advance(ms);
      };
      const m = new TensorZeroModel(client({ baseUrl: slowStore.url, feedbackMissingDelayMs: 400, feedbackMissingRetries: 3, sleep, now: () => clock.now() }));
      const o = { ...opts(), episodeId: episodeIdForJob({ id: "job-store-delay", createdAt: new Date(clock.now()).toISOString() }, clock.now()) };
      const res = await m.proposePatch(sampleFailureContext(), o);
      await m.feedback({ metric: METRICS.validationPassed, inferenceId: res.inferenceId, value: true });
      expect(slowStore.feedback).toHaveLength(1);
      // Missing at 0 ms and at 400 ms, found at 1,200 ms: the waits double.
      expect(slowStore.requests.filter((r) => r.path === "/feedback").map((r) => r.status)).toEqual([400, 400, 200]);
      expect(waits).toEqual([400, 800]);
      // A target that never appears: bounded, and retryable so the job's feedback stays pending, never lost.
      const ghost = newUuidV7(clock.now());
      const before = slowStore.requests.length;
      const err = await rejection(m.feedback({ metric: METRICS.validationPassed, inferenceId: ghost, value: true }));
      expect(err).toMatchObject({ code: "feedback_target_missing", retryable: true });
      expect(slowStore.requests.length - before).toBe(4);
    } finally {
      await slowStore.stop();
    }
  });

  test("status and health", async () => {
    const c = client();
    expect(await c.status()).toMatchObject({ status: "ok", version: "2026.4.1" });
    expect(c.gatewayVersion).toBe("2026.4.1");
    expect(await c.health()).toEqual({ ok: true, components: { gateway: "ok", clickhouse: "ok", postgres: "ok", valkey: "ok", valkey_cache: "ok" } });
    gw.fake.health.postgres = "error";
    try {
      expect((await c.health()).ok).toBe(false);
    } finally {
      gw.fake.health.postgres = "ok";
    }
    expect(await model().status()).toEqual({ status: "ok", version: "2026.4.1" });
  });
});
