import { mkdtemp, rm, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { v4 } from "uuid";
import { SHIPPED_GATEWAY_CONFIG } from "../../src/adapters/tensorzero/gateway-config.js";
import { isUuidV7, newUuidV7 } from "../../src/adapters/tensorzero/episode-id.js";
import { buildFixInferenceRequest } from "../../src/adapters/tensorzero/inference-request.js";
import { TensorZeroClient } from "../../src/adapters/tensorzero/tensorzero-client.js";
import { TensorZeroModel } from "../../src/adapters/tensorzero/tensorzero-model.js";
import { sseData } from "../../src/adapters/tensorzero/sse.js";
import { DEFAULT_FAKE_OUTPUT, FakeTensorZero } from "./fake-tensorzero.js";
import { sampleFailureContext } from "./fake-tensorzero-context.js";
import { eventually } from "../helpers/eventually.js";

/** Pins the fake to the real gateway's behaviour (reference/tensorzero.md §0 and §9), one rule per test. */
let fake: FakeTensorZero;
const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(fake.url + path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
};
const validBody = (over: Record<string, unknown> = {}) => ({
  ...buildFixInferenceRequest(sampleFailureContext(), { episodeId: newUuidV7(Date.now()), tags: { repo: "octo-org/widgets" } }),
  ...over,
});

beforeAll(async () => {
  fake = await FakeTensorZero.start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.setDefault({ output: DEFAULT_FAKE_OUTPUT });
});

describe("fake TensorZero: routes, headers, probes", () => {
  test("/status reports version and config hash; every response carries x-tensorzero-gateway-version", async () => {
    const r = await fetch(`${fake.url}/status`);
    expect(r.headers.get("x-tensorzero-gateway-version")).toBe("2026.4.1");
    expect(await r.json()).toEqual({ status: "ok", version: "2026.4.1", config_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const nf = await post("/nope", {});
    expect(nf.headers.get("x-tensorzero-gateway-version")).toBe("2026.4.1");
  });

  test("/health always has five keys and answers 503 when one is unhealthy", async () => {
    const ok = await fetch(`${fake.url}/health`);
    expect([ok.status, Object.keys((await ok.json()) as object).sort()]).toEqual([200, ["clickhouse", "gateway", "postgres", "valkey", "valkey_cache"]]);
    fake.health.postgres = "error";
    try {
      const bad = await fetch(`${fake.url}/health`);
      expect([bad.status, ((await bad.json()) as Record<string, string>).postgres]).toEqual([503, "error"]);
    } finally {
      fake.health.postgres = "ok";
    }
  });

  test("unknown routes: 404 with a string error body", async () => {
    expect(await post("/openai/v1/nothing", {})).toMatchObject({ status: 404, body: { error: "Route not found: POST /openai/v1/nothing" } });
  });
});

describe("fake TensorZero: POST /inference", () => {
  test("a valid request gets the JSON-function shape with ids, raw + parsed, usage.cost null", async () => {
    const body = validBody();
    const r = await post("/inference", body);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      inference_id: expect.any(String),
      episode_id: body.episode_id,
      variant_name: expect.stringMatching(/_prompt_v1$/),
      output: { raw: JSON.stringify(DEFAULT_FAKE_OUTPUT), parsed: DEFAULT_FAKE_OUTPUT },
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), cost: null },
      finish_reason: "stop",
    });
    expect(isUuidV7(r.body.inference_id as string)).toBe(true);
  });

  test("deny_unknown_fields: unknown top-level, input and message keys are 400", async () => {
    expect((await post("/inference", validBody({ temperature: 0.2 }))).body.error).toMatch(/unknown field `temperature`/);
    const b = validBody();
    expect((await post("/inference", { ...b, input: { ...b.input, extra: 1 } })).status).toBe(400);
    expect((await post("/inference", { ...b, input: { ...b.input, messages: [{ role: "user", content: "hi", name: "x" }] } })).status).toBe(400);
  });

  test("bad JSON, missing input, both or neither target are 400", async () => {
    expect((await post("/inference", "{not json")).status).toBe(400);
    expect((await post("/inference", { function_name: "fix_ci_failure" })).body.error).toMatch(/missing field `input`/);
    expect((await post("/inference", validBody({ model_name: "openai::gpt-5-mini" }))).body.error).toMatch(/Only one of `function_name` or `model_name`/);
    const { function_name, ...noTarget } = validBody();
    void function_name;
    expect((await post("/inference", noTarget)).body.error).toMatch(/Either `function_name` or `model_name`/);
  });

  test("a lone surrogate escape (half an emoji cut by a UTF-16 slice) is 400: serde_json requires pairs in strings", async () => {
    // JSON.stringify writes a lone surrogate as a "\ud83d" escape; the gateway's serde_json refuses it
    // ("unexpected end of hex escape", "lone leading surrogate in hex escape") where JSON.parse takes it.
    const b = validBody();
    const cut = "x".repeat(5) + "\u{1F680}".slice(0, 1);
    const r = await post("/inference", { ...b, tags: { ...b.tags, note: cut } });
    expect([r.status, r.body.error]).toEqual([400, expect.stringMatching(/unexpected end of hex escape/)]);
    expect((await post("/inference", { ...b, tags: { note: "\u{1F680}".slice(1) } })).body.error).toMatch(/lone leading surrogate in hex escape/);
    const paired = await post("/inference", { ...b, tags: { note: "ok \u{1F680}" } });
    expect(paired.status).toBe(200);
    expect((await post("/feedback", { metric_name: "comment", episode_id: paired.body.episode_id, value: cut })).body.error).toMatch(/unexpected end of hex escape/);
  });

  test("unknown function or pinned variant: 404 with the gateway's message", async () => {
    expect(await post("/inference", validBody({ function_name: "fix_everything" }))).toMatchObject({ status: 404, body: { error: "Unknown function: fix_everything" } });
    expect(await post("/inference", validBody({ variant_name: "gpt_9" }))).toMatchObject({ status: 404, body: { error: "Unknown variant: gpt_9" } });
  });

  test("episode_id must be a UUIDv7 not in the future", async () => {
    expect((await post("/inference", validBody({ episode_id: v4() }))).body.error).toMatch(/Version must be 7, got 4/);
    expect((await post("/inference", validBody({ episode_id: newUuidV7(Date.now() + 60_000) }))).body.error).toBe("Invalid Episode ID: Timestamp is in the future");
    expect((await post("/inference", validBody({ episode_id: "not-a-uuid" }))).status).toBe(400);
    expect((await post("/inference", validBody({ episode_id: newUuidV7(Date.UTC(2019, 0, 1)) }))).body.error).toBe("Invalid Episode ID: Timestamp is too early");
    const fresh = await post("/inference", validBody({ episode_id: undefined }));
    expect(isUuidV7(fresh.body.episode_id as string)).toBe(true);
  });

  test("input is validated against the function's schemas (system missing, user arguments wrong)", async () => {
    const b = validBody();
    expect((await post("/inference", { ...b, input: { messages: b.input.messages } })).body.error).toBe("`input.system` is empty but a system template is present.");
    const ctx = { ...sampleFailureContext(), classification: "cosmic-rays" };
    const bad = { ...b, input: { ...b.input, messages: [{ role: "user", content: [{ type: "template", name: "user", arguments: ctx }] }] } };
    expect((await post("/inference", bad)).body.error).toMatch(/^JSON Schema validation failed/);
    const noTemplate = { ...b, input: { ...b.input, messages: [{ role: "user", content: [{ type: "template", name: "nope", arguments: {} }] }] } };
    expect((await post("/inference", noTemplate)).body.error).toMatch(/no template `nope` in any variant/);
    const system = { ...b, input: { ...b.input, messages: [{ role: "system", content: "hi" }] } };
    expect((await post("/inference", system)).status).toBe(400);
  });

  test("content block types, params.chat_completion keys and cache_options are checked like serde does", async () => {
    const b = validBody();
    const withBlock = (block: unknown) => ({ ...b, input: { ...b.input, messages: [{ role: "user", content: [block] }] } });
    expect((await post("/inference", withBlock({ type: "picture", url: "https://x" }))).body.error).toMatch(/unknown variant `picture`/);
    expect((await post("/inference", validBody({ params: { chat_completion: { temprature: 0.2 } } }))).body.error).toMatch(/unknown field `temprature`/);
    expect((await post("/inference", validBody({ params: { chat_completion: { temperature: 0.2, max_tokens: 100 } } }))).status).toBe(200);
    expect((await post("/inference", validBody({ cache_options: { enabled: "yes" } }))).body.error).toMatch(/unknown variant `yes`/);
    expect((await post("/inference", validBody({ cache_options: { max_age_s: "1h" } }))).status).toBe(400);
    expect((await post("/inference", validBody({ cache_options: { enabled: "read_only", max_age_s: 60 } }))).status).toBe(200);
  });

  test("null where serde wants a value (fields with a default are not Options): 400, not accepted or a crash", async () => {
    for (const over of [{ input: null }, { tags: null }, { internal: null }]) {
      const r = await post("/inference", validBody(over));
      expect([r.status, r.body.error]).toEqual([400, expect.stringMatching(/invalid type: null/)]);
    }
    // Options take null as absent.
    expect((await post("/inference", validBody({ stream: null, dryrun: null, variant_name: null }))).status).toBe(200);
    const inf = (await post("/inference", validBody())).body as { inference_id: string };
    for (const over of [{ metric_name: null }, { tags: null }, { internal: null }]) {
      expect((await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: true, ...over })).body.error).toMatch(/invalid type: null/);
    }
    expect((await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: true, dryrun: null })).status).toBe(200);
  });

  test("tags must be strings and may not use the tensorzero:: prefix", async () => {
    expect((await post("/inference", validBody({ tags: { run_id: 5 } }))).status).toBe(400);
    expect((await post("/inference", validBody({ tags: { "tensorzero::x": "y" } }))).body.error).toBe("Tag name cannot start with 'tensorzero::': tensorzero::x");
  });

  test("output not matching the schema is still 200 with parsed: null and the raw text", async () => {
    fake.script({ raw: "Sure! Here is the fix: ..." }, { output: { diagnosis: "x" } });
    expect((await post("/inference", validBody())).body.output).toEqual({ raw: "Sure! Here is the fix: ...", parsed: null });
    expect((await post("/inference", validBody())).body.output).toEqual({ raw: '{"diagnosis":"x"}', parsed: null });
  });

  test("variant sampling is deterministic per episode and follows the weights", async () => {
    const ep = newUuidV7(Date.now());
    const a = await post("/inference", validBody({ episode_id: ep }));
    const b = await post("/inference", validBody({ episode_id: ep }));
    expect(a.body.variant_name).toBe(b.body.variant_name);
    const seen = new Set<unknown>();
    for (let i = 0; i < 30; i++) seen.add((await post("/inference", validBody())).body.variant_name);
    expect(seen).toEqual(new Set(["gpt_5_mini_prompt_v1", "claude_sonnet_4_5_prompt_v1"]));
  });

  test("scripted failures: status + string error body, in order, then back to the default", async () => {
    fake.script({ status: 502, error: "All variants failed with errors: x" }, { status: 429, error: "rate limited", headers: { "retry-after": "2" } });
    expect(await post("/inference", validBody())).toMatchObject({ status: 502, body: { error: "All variants failed with errors: x" } });
    const limited = await post("/inference", validBody());
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "2"]);
    expect((await post("/inference", validBody())).status).toBe(200);
  });

  test("a held reply answers once the test releases it, then as scripted", async () => {
    let release!: () => void;
    fake.script({ until: new Promise<void>((r) => (release = r)), then: { status: 503, error: "later" } });
    const n = fake.requests.length;
    let answered = false;
    const held = post("/inference", validBody()).finally(() => (answered = true));
    await eventually("the request to reach the fake", () => fake.requests.length > n);
    // The next request goes past the held one: only the held call waits.
    expect((await post("/inference", validBody())).status).toBe(200);
    expect(answered).toBe(false);
    release();
    expect(await held).toMatchObject({ status: 503, body: { error: "later" } });
  });

  test("provider failures in the gateway's words: each variant, each retry, each provider; 502 wrapped, 500 when pinned", async () => {
    const key = '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}';
    const openai = '{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}';
    fake.script({ providerErrors: { anthropic: { status: 401, body: key }, openai: { status: 401, body: openai } } });
    const all = await post("/inference", validBody());
    expect(all.status).toBe(502);
    const gpt = `gpt_5_mini_prompt_v1: All retries failed with errors: ${Array(3).fill(`All model providers failed to infer with errors: openai: Error 401 Unauthorized from openai client: ${openai}`).join(", ")}`;
    const sonnet = `claude_sonnet_4_5_prompt_v1: All retries failed with errors: ${Array(3).fill(`All model providers failed to infer with errors: anthropic: Error 401 Unauthorized from anthropic client: ${key}`).join(", ")}`;
    const haiku = `claude_haiku_4_5_prompt_v1: All retries failed with errors: ${Array(2).fill(`All model providers failed to infer with errors: anthropic: Error 401 Unauthorized from anthropic client: ${key}`).join(", ")}`;
    // Sampled candidate first, the other candidate next, the fallback last.
    expect([`All variants failed with errors: ${gpt}\n${sonnet}\n${haiku}`, `All variants failed with errors: ${sonnet}\n${gpt}\n${haiku}`]).toContain(all.body.error);

    // A pinned variant's failure is its own (not wrapped), 500; a 404 is not the provider module's "client"
    // status, so it shows no status; a timeout is the gateway's own wording.
    fake.script({ providerErrors: { anthropic: { status: 404, body: '{"type":"error","error":{"type":"not_found_error","message":"model: x"}}' } } });
    const pinned = await post("/inference", validBody({ variant_name: "claude_haiku_4_5_prompt_v1" }));
    expect(pinned).toMatchObject({ status: 500, body: { error: `All retries failed with errors: ${Array(2).fill('All model providers failed to infer with errors: anthropic: Error from anthropic server: {"type":"error","error":{"type":"not_found_error","message":"model: x"}}').join(", ")}` } });
    fake.script({ providerErrors: { anthropic: { timeoutMs: 180_000 } } });
    const slow = await post("/inference", validBody({ variant_name: "claude_sonnet_4_5_prompt_v1" }));
    expect(slow.body.error).toMatch(/^All retries failed with errors: All model providers failed to infer with errors: anthropic: Model provider anthropic timed out due to configured `non_streaming.total_ms` timeout \(180s\), /);

    // A variant whose providers are not all failing answers.
    fake.script({ providerErrors: { anthropic: { status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' } } });
    expect(await post("/inference", validBody())).toMatchObject({ status: 200, body: { variant_name: "gpt_5_mini_prompt_v1" } });
  });

  test("a function with only one variant: its failure is its own (500), not wrapped as All variants failed (reference §0)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-fake-tz-one-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      const one = [
        "[functions.fix_one]", 'type = "json"', 'output_schema = "functions/fix_ci_failure/output_schema.json"',
        'schemas.system.path = "functions/fix_ci_failure/system_schema.json"', 'schemas.user.path = "functions/fix_ci_failure/user_schema.json"',
        "[functions.fix_one.variants.only]", 'type = "chat_completion"', 'model = "gpt_5_mini"', "max_tokens = 16000",
        'templates.system.path = "functions/fix_ci_failure/prompts/v1/system.minijinja"', 'templates.user.path = "functions/fix_ci_failure/prompts/v1/user.minijinja"',
      ].join("\n");
      await writeFile(toml, `${await import("node:fs/promises").then((f) => f.readFile(toml, "utf8"))}\n${one}\n`);
      const other = await FakeTensorZero.start({ configPath: toml });
      try {
        const openai = '{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}';
        other.script({ providerErrors: { openai: { status: 401, body: openai } } });
        const r = await fetch(`${other.url}/inference`, { method: "POST", body: JSON.stringify(validBody({ function_name: "fix_one" })) });
        expect([r.status, ((await r.json()) as { error: string }).error]).toEqual([500, `All model providers failed to infer with errors: openai: Error 401 Unauthorized from openai client: ${openai}`]);
      } finally {
        await other.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("streaming: SSE data chunks with raw deltas (no parsed), usage on the last, then [DONE]", async () => {
    const r = await fetch(`${fake.url}/inference`, { method: "POST", body: JSON.stringify(validBody({ stream: true })) });
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    const events: string[] = [];
    for await (const d of sseData(r.body!)) events.push(d);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => !("parsed" in c) && typeof c.raw === "string")).toBe(true);
    expect(chunks.map((c) => c.raw).join("")).toBe(JSON.stringify(DEFAULT_FAKE_OUTPUT));
    expect(chunks.at(-1)).toMatchObject({ finish_reason: "stop", usage: { cost: null } });
  });

  test("streaming: an error mid-stream is a data event, and the stream still ends with [DONE]", async () => {
    fake.script({ streamError: "provider hung up", afterChunks: 2 });
    const r = await fetch(`${fake.url}/inference`, { method: "POST", body: JSON.stringify(validBody({ stream: true })) });
    const events: string[] = [];
    for await (const d of sseData(r.body!)) events.push(d);
    expect(events.slice(-2)).toEqual([JSON.stringify({ error: "provider hung up" }), "[DONE]"]);
  });
});

describe("fake TensorZero: POST /feedback", () => {
  const infer = async (over: Record<string, unknown> = {}) => (await post("/inference", validBody(over))).body as { inference_id: string; episode_id: string };

  test("boolean metrics at their level are accepted and recorded; the answer is a v7 feedback_id", async () => {
    const inf = await infer();
    const r = await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: true, tags: { job_id: "j" } });
    expect(r.status).toBe(200);
    expect(isUuidV7(r.body.feedback_id as string)).toBe(true);
    expect((await post("/feedback", { metric_name: "pr_merged", episode_id: inf.episode_id, value: false })).status).toBe(200);
    expect(fake.feedback.slice(-2)).toEqual([
      expect.objectContaining({ metric: "patch_applied", inferenceId: inf.inference_id, value: true, tags: { job_id: "j" } }),
      expect.objectContaining({ metric: "pr_merged", episodeId: inf.episode_id, value: false }),
    ]);
  });

  test("unknown metric 404; wrong level, both ids, wrong value type, unknown fields 400", async () => {
    const inf = await infer();
    expect(await post("/feedback", { metric_name: "stars", inference_id: inf.inference_id, value: true })).toMatchObject({ status: 404, body: { error: "Unknown metric: stars" } });
    expect((await post("/feedback", { metric_name: "pr_merged", inference_id: inf.inference_id, value: true })).body.error).toBe('Correct ID was not provided for feedback level "episode".');
    expect((await post("/feedback", { metric_name: "pr_merged", inference_id: inf.inference_id, episode_id: inf.episode_id, value: true })).body.error).toBe("Both episode_id and inference_id cannot be provided");
    expect((await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: "yes" })).body.error).toBe("Feedback value for metric `patch_applied` must be a boolean");
    expect((await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: true, note: "x" })).status).toBe(400);
    expect((await post("/feedback", { metric_name: "patch_applied", inference_id: inf.inference_id, value: true, internal: "yes" })).status).toBe(400);
    expect((await post("/feedback", { metric_name: "patch_applied", inference_id: v4(), value: true })).body.error).toMatch(/^Failed to parse UUID as v7/);
  });

  test("comment (either level, string) and demonstration (inference level, must fit the output schema)", async () => {
    const inf = await infer();
    expect((await post("/feedback", { metric_name: "comment", episode_id: inf.episode_id, value: "LGTM" })).status).toBe(200);
    expect((await post("/feedback", { metric_name: "comment", inference_id: inf.inference_id, value: 5 })).body.error).toBe("Feedback value for a comment must be a string");
    expect((await post("/feedback", { metric_name: "demonstration", inference_id: inf.inference_id, value: DEFAULT_FAKE_OUTPUT })).status).toBe(200);
    expect((await post("/feedback", { metric_name: "demonstration", inference_id: inf.inference_id, value: { patch: "x" } })).body.error).toMatch(/^Demonstration does not fit function output schema/);
  });

  test("a chat inference's demonstration is a string or an array of text/tool_call blocks", async () => {
    const chat = (await post("/inference", { model_name: "openai::gpt-5-mini", input: { messages: [{ role: "user", content: "hi" }] } })).body as { inference_id: string };
    const demo = (value: unknown) => post("/feedback", { metric_name: "demonstration", inference_id: chat.inference_id, value });
    expect((await demo({ patch: "x" })).body.error).toBe("Demonstration must be a string or an array of content blocks");
    expect((await demo([{ type: "image", url: "x" }])).body.error).toMatch(/^Invalid demonstration content block/);
    expect((await demo([{ type: "text" }])).body.error).toMatch(/^Invalid demonstration content block/);
    expect((await demo("the answer")).status).toBe(200);
    expect((await demo([{ type: "text", text: "a" }, { type: "tool_call", name: "t", arguments: { x: 1 } }])).status).toBe(200);
  });

  test("feedback only for stored inferences: never for a dryrun one or an unknown id", async () => {
    const dry = await infer({ dryrun: true });
    expect(await post("/feedback", { metric_name: "patch_applied", inference_id: dry.inference_id, value: true })).toMatchObject({
      status: 400,
      body: { error: `Inference ID: ${dry.inference_id} does not exist` },
    });
    const ghost = newUuidV7(Date.now());
    expect((await post("/feedback", { metric_name: "pr_merged", episode_id: ghost, value: true })).body.error).toBe(`Episode ID: ${ghost} does not exist`);
  });
});

describe("fake TensorZero: auth and config", () => {
  test("with auth on: 401 without or with a wrong bearer key, /status and /health stay open", async () => {
    const authed = await FakeTensorZero.start({ apiKeys: ["sk-t0-abcdefabcdef-secret"] });
    try {
      const call = (h: Record<string, string>) => fetch(`${authed.url}/inference`, { method: "POST", body: JSON.stringify(validBody()), headers: h }).then(async (r) => [r.status, ((await r.json()) as { error?: string }).error]);
      expect(await call({})).toEqual([401, "TensorZero authentication error: Error performing authentication: Authorization header is required"]);
      expect((await call({ authorization: "Token x" }))[1]).toMatch(/must start with 'Bearer '/);
      expect((await call({ authorization: "Bearer sk-t0-nope-nope" }))[1]).toMatch(/does not exist in the database/);
      expect((await call({ authorization: "Bearer sk-t0-abcdefabcdef-secret" }))[0]).toBe(200);
      expect((await fetch(`${authed.url}/status`)).status).toBe(200);
      expect((await fetch(`${authed.url}/health`)).status).toBe(200);
    } finally {
      await authed.stop();
    }
  });

  test("observability turned off in the config: inferences are answered but not stored, and /feedback is a 400 saying so", async () => {
    // Reference §2: feedback needs observability writes; with `gateway.observability.enabled = false` every
    // /feedback is refused, whatever its target. The app reads this answer as the gateway's setup (model_observability_off).
    const dir = await mkdtemp(join(tmpdir(), "t0-fake-tz-obs-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      const shipped = await import("node:fs/promises").then((f) => f.readFile(toml, "utf8"));
      expect(shipped).toContain("observability.enabled = true");
      await writeFile(toml, shipped.replace("observability.enabled = true", "observability.enabled = false"));
      const off = await FakeTensorZero.start({ configPath: toml });
      try {
        const r = await fetch(`${off.url}/inference`, { method: "POST", body: JSON.stringify(validBody()) });
        const inf = (await r.json()) as { inference_id: string };
        expect(r.status).toBe(200);
        expect(off.inferences).toEqual([]);
        const fb = await fetch(`${off.url}/feedback`, { method: "POST", body: JSON.stringify({ metric_name: "patch_applied", inference_id: inf.inference_id, value: true }) });
        expect([fb.status, ((await fb.json()) as { error: string }).error]).toEqual([400, expect.stringMatching(/^Feedback requires observability to be enabled/)]);
        const model = new TensorZeroModel(new TensorZeroClient({ baseUrl: off.url, maxAttempts: 1 }));
        try {
          await expect(model.feedback({ metric: "patch_applied", inferenceId: inf.inference_id, value: true })).rejects.toMatchObject({ code: "model_observability_off", retryable: false });
        } finally {
          await model.client.close();
        }
        expect(off.feedback).toEqual([]);
      } finally {
        await off.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("loads another config: a function or metric missing there is unknown to the fake", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-fake-tz-"));
    try {
      await cp(dirname(SHIPPED_GATEWAY_CONFIG), dir, { recursive: true });
      const toml = join(dir, "tensorzero.toml");
      await writeFile(toml, (await import("node:fs/promises").then((f) => f.readFile(toml, "utf8"))).replace("[functions.fix_ci_failure", "[functions.fix_it").replaceAll("functions.fix_ci_failure.", "functions.fix_it.").replace("[metrics.pr_merged]", "[metrics.merged]"));
      const other = await FakeTensorZero.start({ configPath: toml });
      try {
        expect((await fetch(`${other.url}/inference`, { method: "POST", body: JSON.stringify(validBody()) })).status).toBe(404);
        expect((await fetch(`${other.url}/inference`, { method: "POST", body: JSON.stringify(validBody({ function_name: "fix_it" })) })).status).toBe(200);
      } finally {
        await other.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("fake TensorZero CLI (npm run fake-tensorzero)", () => {
  const CLI = new URL("./fake-tensorzero-cli.ts", import.meta.url).pathname;
  test("starts alone on the given port with the shipped config and stops on SIGTERM", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--auth", "sk-t0-cli-secret"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /on (http:\/\/[^\s]+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(await (await fetch(`${url}/status`)).json()).toMatchObject({ status: "ok" });
      expect((await fetch(`${url}/inference`, { method: "POST", body: "{}" })).status).toBe(401);
      const exit = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  test("a bad port is refused with a message", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, "--port", "http"], { encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/--port must be a port number/)]);
  });
});

describe("fake TensorZero CLI: what goes wrong says what to do, in one line", () => {
  const CLI = new URL("./fake-tensorzero-cli.ts", import.meta.url).pathname;
  const runCli = async (...args: string[]) => {
    const { spawnSync } = await import("node:child_process");
    return spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8", timeout: 60_000 });
  };

  test("an unknown option: exit 2 with the usage, not parseArgs' stack trace", async () => {
    const r = await runCli("--prot", "3030");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^fake-tensorzero: unknown option --prot\nusage: npm run fake-tensorzero -- \[--port 3030\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("a port another process holds: exit 1 naming it and --port, not an unhandled 'error' event", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (taken.address() as { port: number }).port;
      const r = await runCli("--port", String(port));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^fake-tensorzero: 127\\.0\\.0\\.1:${port} is already in use; pass another --port \\(or stop what listens there\\)\\n$`));
    } finally {
      taken.close();
    }
  });

  test("the default port is 3030, not the app's 3000", async () => {
    const r = await runCli("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[--port 3030\]/);
  });
});
