import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { loadGatewayConfig, SHIPPED_GATEWAY_CONFIG, type GatewayConfig } from "../../src/adapters/tensorzero/gateway-config.js";
import { newUuidV7 } from "../../src/adapters/tensorzero/episode-id.js";
import { providerFailureAnswer, type FakeProviderError } from "./fake-provider-failure.js";
import { checkDemonstration, checkFeedback, checkInference, checkPairedSurrogates, GatewayError, sampleVariant, SchemaCache, type CheckedInference } from "./fake-tensorzero-validate.js";

/**
 * A fake TensorZero gateway: a real HTTP server that loads the project's tensorzero.toml and answers like
 * gateway 2026.4.1 on everything the app uses (routes, status codes, `{"error": "..."}` bodies, serde
 * `deny_unknown_fields`, JSON-Schema checks of input and output, UUIDv7 rules, feedback only for stored
 * inferences (none stored, and feedback refused, with observability off), SSE, the version header, /status,
 * /health, bearer auth). What a model "answers" is scripted
 * per test; by default a valid patch comes back.
 */
export type FakeReply =
  /** A model answer given as JSON; `parsed` is set only if it fits the output schema. */
  | { output: unknown; variant?: string }
  /** The model's raw text (garbage, truncated JSON...), and why it stopped (default `stop`; `length`: cut at max_tokens). */
  | { raw: string; variant?: string; finishReason?: string }
  /** The gateway answers with this status and `{"error": message}`. */
  | { status: number; error: string; headers?: Record<string, string> }
  /**
   * Providers fail, by provider type (`openai`, `anthropic`): the gateway tries its variants and answers
   * as the real one does (fake-provider-failure.ts); a variant with a provider not listed answers.
   */
  | { providerErrors: Record<string, FakeProviderError> }
  | { delayMs: number; then?: FakeReply }
  /** Answers once `until` settles: a test holds the call out for exactly as long as it needs, on no clock. */
  | { until: Promise<unknown>; then?: FakeReply }
  /** Never answers (until the client gives up or the fake stops). */
  | { hang: true }
  /** Closes the connection without an answer. */
  | { destroy: true }
  /** Streaming only: sends `chunks` deltas of the default answer, then an in-stream error, then [DONE]. */
  | { streamError: string; afterChunks?: number };

export interface FakeTensorZeroOptions {
  configPath?: string;
  port?: number;
  host?: string;
  /** Turns auth on: only these `sk-t0-...` keys are accepted (reference §4). */
  apiKeys?: string[];
  version?: string;
  /** Simulates asynchronous writes: a stored inference becomes visible to /feedback this long after it was made. */
  storeDelayMs?: number;
  /** How long /feedback looks for a missing target before answering 400 (real gateway: max(6 s − age, 1 s)). */
  lookupWindowMs?: number;
  /** The gateway's time: UUIDv7 stamps, the future-episode check, and when a stored inference becomes visible. */
  now?: () => number;
}

export interface StoredInference {
  inferenceId: string;
  episodeId: string;
  functionName: string;
  variantName: string;
  body: Record<string, unknown>;
  outputSchema?: object;
  visibleAt: number;
}

export interface ReceivedFeedback {
  feedbackId: string;
  metric: string;
  inferenceId?: string;
  episodeId?: string;
  value: unknown;
  tags: Record<string, string>;
}

export const DEFAULT_FAKE_OUTPUT = {
  diagnosis: "The test expects add(2, 2) to be 4 but src/math.js subtracts; the failing assertion is at test/math.test.js:3.",
  patch: "diff --git a/src/math.js b/src/math.js\n--- a/src/math.js\n+++ b/src/math.js\n@@ -1,3 +1,3 @@\n export function add(a, b) {\n-  return a - b;\n+  return a + b;\n }\n",
  confidence: 0.8,
  files: ["src/math.js"],
  tests_to_run: ["npm test -- test/math.test.js"],
};

export class FakeTensorZero {
  readonly config: GatewayConfig;
  readonly inferences: StoredInference[] = [];
  readonly feedback: ReceivedFeedback[] = [];
  readonly requests: Array<{ method: string; path: string; status: number; body?: unknown; authorization?: string }> = [];
  readonly health = { gateway: "ok", clickhouse: "ok", postgres: "ok", valkey: "ok", valkey_cache: "ok" } as Record<string, "ok" | "error">;
  #script: FakeReply[] = [];
  #default: FakeReply = { output: DEFAULT_FAKE_OUTPUT };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #schemas = new SchemaCache();
  readonly #opts: Required<Omit<FakeTensorZeroOptions, "apiKeys" | "configPath" | "port" | "host">> & { apiKeys?: string[] };
  readonly #configHash: string;
  #url = "";

  /** `[gateway] observability.enabled = false`: nothing is stored, and feedback is refused (reference §2). */
  get #observability(): boolean {
    const gateway = this.config.raw.gateway as { observability?: { enabled?: unknown } } | undefined;
    return gateway?.observability?.enabled !== false;
  }

  private constructor(config: GatewayConfig, configHash: string, opts: FakeTensorZeroOptions) {
    this.config = config;
    this.#configHash = configHash;
    this.#opts = { version: "2026.4.1", storeDelayMs: 0, lookupWindowMs: 100, now: Date.now, ...opts };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("connection", (s) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
  }

  static async start(opts: FakeTensorZeroOptions = {}): Promise<FakeTensorZero> {
    const path = opts.configPath ?? SHIPPED_GATEWAY_CONFIG;
    const config = await loadGatewayConfig(path);
    const hash = createHash("sha256").update(await readFile(config.path)).digest("hex");
    const fake = new FakeTensorZero(config, hash, opts);
    // A port taken (EADDRINUSE) rejects, rather than being an unhandled 'error' event on the server.
    await new Promise<void>((resolve, reject) => {
      fake.#server.once("error", reject);
      fake.#server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
        fake.#server.off("error", reject);
        resolve();
      });
    });
    const addr = fake.#server.address() as AddressInfo;
    fake.#url = `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
    return fake;
  }

  get url(): string {
    return this.#url;
  }

  /** Queues answers for the next /inference calls, in order; afterwards the default answer is used. */
  script(...replies: FakeReply[]): this {
    this.#script.push(...replies);
    return this;
  }

  setDefault(reply: FakeReply): this {
    this.#default = reply;
    return this;
  }

  get pendingScript(): number {
    return this.#script.length;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const entry: (typeof this.requests)[number] = { method: req.method ?? "GET", path, status: 0, authorization: req.headers.authorization };
    this.requests.push(entry);
    res.setHeader("x-tensorzero-gateway-version", this.#opts.version);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    try {
      const route = `${req.method} ${path}`;
      if (route === "GET /status") return send(200, { status: "ok", version: this.#opts.version, config_hash: this.#configHash });
      if (route === "GET /health") return send(Object.values(this.health).every((v) => v === "ok") ? 200 : 503, this.health);
      if (route !== "POST /inference" && route !== "POST /feedback") throw new GatewayError(404, `Route not found: ${req.method} ${path}`);
      this.#authenticate(req.headers.authorization);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new GatewayError(400, `Failed to parse the request body as JSON: ${(err as Error).message}`);
      }
      checkPairedSurrogates(body);
      entry.body = body;
      if (route === "POST /feedback") return send(200, await this.#feedback(body));
      const checked = checkInference(body, this.config, this.#schemas, this.#opts.now());
      return await this.#inference(checked, body as Record<string, unknown>, res, entry);
    } catch (err) {
      if (err instanceof GatewayError) return send(err.status, { error: err.message });
      return send(500, { error: `fake gateway bug: ${(err as Error).stack}` });
    }
  }

  #authenticate(header: string | undefined): void {
    if (!this.#opts.apiKeys) return;
    const prefix = "TensorZero authentication error: Error performing authentication: ";
    if (!header) throw new GatewayError(401, `${prefix}Authorization header is required`);
    if (!header.startsWith("Bearer ")) throw new GatewayError(401, `${prefix}Authorization header must start with 'Bearer '`);
    if (!this.#opts.apiKeys.includes(header.slice(7))) throw new GatewayError(401, `${prefix}Provided API key does not exist in the database`);
  }

  async #inference(c: CheckedInference, body: Record<string, unknown>, res: ServerResponse, entry: { status: number }): Promise<void> {
    let reply = this.#script.shift() ?? this.#default;
    while ("delayMs" in reply || "until" in reply) {
      await ("until" in reply ? reply.until.catch(() => undefined) : sleep(reply.delayMs));
      reply = reply.then ?? this.#default;
    }
    if ("hang" in reply) return; // the socket is destroyed by the client's timeout or by stop()
    if ("destroy" in reply) {
      entry.status = -1;
      res.socket?.destroy();
      return;
    }
    const now = this.#opts.now();
    const episodeId = c.episodeId ?? newUuidV7(now);
    if ("providerErrors" in reply) {
      if (!c.fn || c.modelName) throw new Error("providerErrors is modelled for function_name calls only");
      const answer = providerFailureAnswer(this.config, c.fn, c.variantName || sampleVariant(c.fn, episodeId), Boolean(c.variantName), reply.providerErrors);
      reply = "variant" in answer ? { output: DEFAULT_FAKE_OUTPUT, variant: answer.variant } : answer;
    }
    if ("status" in reply) {
      entry.status = reply.status;
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify({ error: reply.error }));
      return;
    }
    const inferenceId = newUuidV7(now);
    const variantName = c.modelName ?? (c.variantName || (("variant" in reply && reply.variant) || sampleVariant(c.fn!, episodeId)));
    const raw = "output" in reply ? JSON.stringify(reply.output) : "raw" in reply ? reply.raw : JSON.stringify(DEFAULT_FAKE_OUTPUT);
    if (!c.dryrun && this.#observability) {
      this.inferences.push({ inferenceId, episodeId, functionName: c.fn?.name ?? "tensorzero::default", variantName, body, outputSchema: c.outputSchema, visibleAt: now + this.#opts.storeDelayMs });
    }
    const usage = { input_tokens: Math.ceil(JSON.stringify(body.input).length / 4), output_tokens: Math.ceil(raw.length / 4), cost: null };
    const finish = ("finishReason" in reply && reply.finishReason) || "stop";
    if (c.stream) return this.#stream(res, entry, { inference_id: inferenceId, episode_id: episodeId, variant_name: variantName }, raw, { usage, finish_reason: finish }, c.fn?.type === "json", "streamError" in reply ? reply : undefined);
    entry.status = 200;
    const common = { inference_id: inferenceId, episode_id: episodeId, variant_name: variantName };
    const payload = c.fn?.type === "json"
      ? { ...common, output: { raw, parsed: this.#parse(raw, c.outputSchema) }, usage, finish_reason: finish }
      : { ...common, content: [{ type: "text", text: raw }], usage, finish_reason: finish };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(payload));
  }

  /** `parsed` is null when the text is not JSON or does not fit the schema; the answer is still 200. */
  #parse(raw: string, schema: object | undefined): unknown {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
    return schema && this.#schemas.validate(schema, value) ? null : value;
  }

  /** JSON functions stream `raw` deltas; chat functions (and model_name calls) `content` text deltas. */
  #stream(res: ServerResponse, entry: { status: number }, ids: Record<string, string>, raw: string, end: { usage: object; finish_reason: string }, json: boolean, err?: { streamError: string; afterChunks?: number }): void {
    entry.status = 200;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(": keep-alive\n\n");
    const pieces = raw.match(/[\s\S]{1,64}/g) ?? [""];
    const limit = err ? Math.min(err.afterChunks ?? 1, pieces.length) : pieces.length;
    for (let i = 0; i < limit; i++) {
      const last = !err && i === pieces.length - 1;
      const delta = json ? { raw: pieces[i] } : { content: [{ type: "text", id: "0", text: pieces[i] }] };
      res.write(`data: ${JSON.stringify({ ...ids, ...delta, ...(last ? end : {}) })}\n\n`);
    }
    if (err) res.write(`data: ${JSON.stringify({ error: err.streamError })}\n\n`);
    res.end("data: [DONE]\n\n");
  }

  async #feedback(body: unknown): Promise<{ feedback_id: string }> {
    const f = checkFeedback(body, this.config);
    if (!this.#observability) throw new GatewayError(400, "Feedback requires observability to be enabled. Set `gateway.observability.enabled = true` in your configuration.");
    const stored = await this.#lookup(f.target);
    if (f.metric === "demonstration" && stored) checkDemonstration(f.value, stored.outputSchema, this.#schemas);
    const feedbackId = newUuidV7(this.#opts.now());
    if (!f.dryrun) this.feedback.push({ feedbackId, metric: f.metric, ...f.target, value: f.value, tags: f.tags });
    return { feedback_id: feedbackId };
  }

  /**
   * Polls for the target like the real gateway, then answers 400 "... does not exist". The window is real
   * time (the server really holds the call); visibility is on `now`, so a test on a fake clock gives
   * `lookupWindowMs: 0` and decides what is stored by moving its clock.
   */
  async #lookup(target: { inferenceId: string } | { episodeId: string }): Promise<StoredInference | undefined> {
    const deadline = Date.now() + this.#opts.lookupWindowMs;
    for (;;) {
      const now = this.#opts.now();
      const hit = this.inferences.find((i) => i.visibleAt <= now && ("inferenceId" in target ? i.inferenceId === target.inferenceId : i.episodeId === target.episodeId));
      if (hit) return hit;
      if (Date.now() >= deadline) break;
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
    throw new GatewayError(400, "inferenceId" in target ? `Inference ID: ${target.inferenceId} does not exist` : `Episode ID: ${target.episodeId} does not exist`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
