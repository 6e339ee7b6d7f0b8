import { createHash } from "node:crypto";
import { Ajv, type ValidateFunction } from "ajv";
import type { GatewayConfig, GatewayFunction } from "../../src/adapters/tensorzero/gateway-config.js";
import { isUuidV7, uuidV7Millis } from "../../src/adapters/tensorzero/episode-id.js";

/**
 * Request validation of the fake TensorZero gateway, written from the gateway's source as summarised in
 * /work/shared/reference/tensorzero.md (§0, §1.1–1.2, §2). Each check returns the status and message the
 * real gateway gives, so the app's error handling is tested against real answers.
 */
export class GatewayError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const fail = (status: number, message: string): never => {
  throw new GatewayError(status, message);
};

const INFERENCE_FIELDS = [
  "function_name", "model_name", "episode_id", "namespace", "input", "stream", "params", "variant_name", "dryrun",
  "internal", "tags", "allowed_tools", "additional_tools", "tool_choice", "parallel_tool_calls", "provider_tools",
  "output_schema", "cache_options", "credentials", "include_original_response", "include_raw_response",
  "include_raw_usage", "include_aggregated_response", "extra_body", "extra_headers", "internal_dynamic_variant_config",
];
const FEEDBACK_FIELDS = ["metric_name", "episode_id", "inference_id", "value", "tags", "dryrun", "internal"];
/** `params.chat_completion` (inference_params.rs, deny_unknown_fields). */
const CHAT_COMPLETION_PARAMS = [
  "temperature", "max_tokens", "seed", "top_p", "presence_penalty", "frequency_penalty", "json_mode", "stop_sequences",
  "reasoning_effort", "service_tier", "thinking_budget_tokens", "verbosity",
];
/** The `type` tags of input content blocks (message.rs, content.rs; `image` is an alias of `file`). */
const CONTENT_BLOCK_TYPES = ["text", "template", "raw_text", "tool_call", "tool_result", "file", "image", "thought", "unknown"];
const CACHE_MODES = ["write_only", "read_only", "on", "off"];
/** utils/uuid.rs EARLIEST_TIMESTAMP: ids from before 2020-01-23 are refused. */
const EARLIEST_UUID_SECONDS = 1579751960;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** serde's `deny_unknown_fields`, missing-field and type messages (axum JSON rejection → 400). */
function serdeCheck(body: Record<string, unknown>, fields: string[], required: string[]): void {
  for (const k of Object.keys(body)) {
    if (!fields.includes(k)) fail(400, `Failed to deserialize the JSON body into the target type: unknown field \`${k}\`, expected one of ${fields.map((f) => `\`${f}\``).join(", ")}`);
  }
  for (const k of required) if (!(k in body)) fail(400, `Failed to deserialize the JSON body into the target type: missing field \`${k}\``);
}

/** `nullable`: an Option in the gateway's struct, null meaning absent; a plain field (even one with a serde default) refuses null. */
function typeCheck(body: Record<string, unknown>, key: string, type: "string" | "boolean" | "object", nullable = true): void {
  const v = body[key];
  if (v === undefined || (v === null && nullable)) return;
  const ok = type === "object" ? isObj(v) : typeof v === type;
  if (!ok) fail(400, `Failed to deserialize the JSON body into the target type: ${key}: invalid type: ${JSON.stringify(v)}, expected ${type === "object" ? "a map" : `a ${type}`}`);
}

function checkTags(body: Record<string, unknown>): void {
  if (body.tags === undefined) return;
  typeCheck(body, "tags", "object", false);
  for (const [k, v] of Object.entries(body.tags as Record<string, unknown>)) {
    if (typeof v !== "string") fail(400, `Failed to deserialize the JSON body into the target type: tags.${k}: invalid type: ${JSON.stringify(v)}, expected a string`);
    if (k.startsWith("tensorzero::") && body.internal !== true) fail(400, `Tag name cannot start with 'tensorzero::': ${k}`);
  }
}

/**
 * serde_json requires the two halves of a surrogate pair in a string (JSON.parse takes either alone): a
 * body carrying half an emoji, as a cut by UTF-16 index leaves it, is refused as a syntax error.
 */
export function checkPairedSurrogates(value: unknown): void {
  if (typeof value === "string") {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(value);
    if (!lone) return;
    const high = lone[0].charCodeAt(0) < 0xdc00;
    fail(400, `Failed to parse the request body as JSON: ${high ? "unexpected end of hex escape" : "lone leading surrogate in hex escape"}`);
  }
  if (Array.isArray(value)) value.forEach(checkPairedSurrogates);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      checkPairedSurrogates(k);
      checkPairedSurrogates(v);
    }
  }
}

/** Episode ids on /inference: v7 and not in the future (second granularity). */
export function checkEpisodeId(id: unknown, nowMs: number): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    return fail(400, `Failed to deserialize the JSON body into the target type: episode_id: UUID parsing failed: invalid UUID ${JSON.stringify(id)}`);
  }
  const version = parseInt(id[14]!, 16);
  if (version !== 7) fail(400, `Invalid Episode ID: Version must be 7, got ${version}`);
  const seconds = Math.floor(uuidV7Millis(id) / 1000);
  if (seconds < EARLIEST_UUID_SECONDS) fail(400, "Invalid Episode ID: Timestamp is too early");
  if (seconds > Math.floor(nowMs / 1000)) fail(400, "Invalid Episode ID: Timestamp is in the future");
  return id;
}

/** Ids on /feedback must parse as v7. */
export function checkFeedbackId(id: unknown): string {
  if (typeof id !== "string" || !isUuidV7(id)) return fail(400, `Failed to parse UUID as v7: ${String(id)}`);
  return id;
}

export class SchemaCache {
  readonly #ajv = new Ajv({ allErrors: true, strict: false });
  readonly #cache = new Map<object, ValidateFunction>();

  validate(schema: object, value: unknown): string | undefined {
    let fn = this.#cache.get(schema);
    if (!fn) {
      fn = this.#ajv.compile(schema);
      this.#cache.set(schema, fn);
    }
    if (fn(value)) return undefined;
    return (fn.errors ?? []).map((e) => `- ${e.message ?? "invalid"} at ${e.instancePath || "/"}`).join("\n");
  }
}

export interface CheckedInference {
  fn?: GatewayFunction;
  modelName?: string;
  episodeId?: string;
  variantName: string;
  stream: boolean;
  dryrun: boolean;
  outputSchema?: object;
  tags: Record<string, string>;
}

export function checkInference(body: unknown, config: GatewayConfig, schemas: SchemaCache, nowMs: number): CheckedInference {
  if (!isObj(body)) return fail(400, "Failed to deserialize the JSON body into the target type: invalid type: expected struct Params");
  serdeCheck(body, INFERENCE_FIELDS, ["input"]);
  for (const k of ["function_name", "model_name", "variant_name", "namespace"] as const) typeCheck(body, k, "string");
  for (const k of ["stream", "dryrun"] as const) typeCheck(body, k, "boolean");
  typeCheck(body, "internal", "boolean", false);
  typeCheck(body, "input", "object", false);
  typeCheck(body, "output_schema", "object");
  checkTags(body);
  checkParams(body.params);
  checkCacheOptions(body.cache_options);
  if (body.function_name !== undefined && body.model_name !== undefined) fail(400, "Invalid inference target: Only one of `function_name` or `model_name` can be provided");
  if (body.function_name === undefined && body.model_name === undefined) fail(400, "Invalid inference target: Either `function_name` or `model_name` must be provided");
  const episodeId = checkEpisodeId(body.episode_id, nowMs);
  const base = { episodeId, stream: body.stream === true, dryrun: body.dryrun === true, tags: (body.tags ?? {}) as Record<string, string> };
  if (typeof body.model_name === "string") {
    if (body.variant_name !== undefined) fail(400, "Invalid inference target: `variant_name` cannot be provided when using `model_name`");
    const known = isObj(config.raw.models) && body.model_name in config.raw.models;
    if (!known && !body.model_name.includes("::")) fail(400, `Invalid inference target: Invalid model name: ${body.model_name}`);
    checkInput(body.input as Record<string, unknown>, undefined, schemas);
    return { ...base, modelName: body.model_name, variantName: body.model_name };
  }
  const fn = config.functions[body.function_name as string];
  if (!fn) return fail(404, `Unknown function: ${String(body.function_name)}`);
  if (typeof body.variant_name === "string" && !fn.variants[body.variant_name]) fail(404, `Unknown variant: ${body.variant_name}`);
  checkInput(body.input as Record<string, unknown>, fn, schemas);
  return {
    ...base,
    fn,
    variantName: typeof body.variant_name === "string" ? body.variant_name : "",
    outputSchema: isObj(body.output_schema) ? body.output_schema : fn.outputSchema,
  };
}

/** `params`: per-kind inference parameters, `chat_completion`'s keys denying unknown fields. */
function checkParams(params: unknown): void {
  if (params === undefined || params === null) return;
  if (!isObj(params)) return fail(400, `Failed to deserialize the JSON body into the target type: params: invalid type: ${JSON.stringify(params)}, expected a map`);
  const cc = params.chat_completion;
  if (cc === undefined || cc === null) return;
  if (!isObj(cc)) return fail(400, `Failed to deserialize the JSON body into the target type: params.chat_completion: invalid type: ${JSON.stringify(cc)}, expected a map`);
  for (const k of Object.keys(cc)) {
    if (!CHAT_COMPLETION_PARAMS.includes(k)) fail(400, `Failed to deserialize the JSON body into the target type: params.chat_completion: unknown field \`${k}\`, expected one of ${CHAT_COMPLETION_PARAMS.map((f) => `\`${f}\``).join(", ")}`);
  }
}

/** `cache_options` (cache.rs CacheParamsOptions): `enabled` one of four modes, `max_age_s` a u32 or null. */
function checkCacheOptions(opts: unknown): void {
  if (opts === undefined || opts === null) return;
  if (!isObj(opts)) return fail(400, `Failed to deserialize the JSON body into the target type: cache_options: invalid type: ${JSON.stringify(opts)}, expected struct CacheParamsOptions`);
  if (opts.enabled !== undefined && !CACHE_MODES.includes(opts.enabled as string)) {
    fail(400, `Failed to deserialize the JSON body into the target type: cache_options.enabled: unknown variant \`${String(opts.enabled)}\`, expected one of ${CACHE_MODES.map((m) => `\`${m}\``).join(", ")}`);
  }
  const age = opts.max_age_s;
  if (age !== undefined && age !== null && !(Number.isInteger(age) && (age as number) >= 0 && (age as number) <= 0xffffffff)) {
    fail(400, `Failed to deserialize the JSON body into the target type: cache_options.max_age_s: invalid type: ${JSON.stringify(age)}, expected u32`);
  }
}

function checkInput(input: Record<string, unknown>, fn: GatewayFunction | undefined, schemas: SchemaCache): void {
  for (const k of Object.keys(input)) {
    if (k !== "system" && k !== "messages") fail(400, `Failed to deserialize the JSON body into the target type: input: unknown field \`${k}\`, expected \`system\` or \`messages\``);
  }
  const templates = new Set(Object.values(fn?.variants ?? {}).flatMap((v) => Object.keys(v.templates)));
  const systemSchema = fn?.schemas.system;
  if (input.system === undefined || input.system === null) {
    if (systemSchema && templates.has("system")) fail(400, "`input.system` is empty but a system template is present.");
  } else if (typeof input.system === "string") {
    if (systemSchema) validateArgs(schemas, systemSchema, input.system);
  } else if (isObj(input.system)) {
    if (!systemSchema) fail(400, "Invalid message: System message has non-string content but there is no schema given for role system.");
    validateArgs(schemas, systemSchema!, input.system);
  } else {
    fail(400, "Failed to deserialize the JSON body into the target type: input.system: invalid type, expected a string or a map");
  }
  if (input.messages === undefined) return;
  if (!Array.isArray(input.messages)) fail(400, "Failed to deserialize the JSON body into the target type: input.messages: invalid type, expected a sequence");
  (input.messages as unknown[]).forEach((m, i) => {
    if (!isObj(m)) return fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}]: invalid type, expected struct InputMessage`);
    for (const k of Object.keys(m)) {
      if (k !== "role" && k !== "content") fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}]: unknown field \`${k}\`, expected \`role\` or \`content\``);
    }
    if (m.role !== "user" && m.role !== "assistant") fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].role: unknown variant \`${String(m.role)}\`, expected \`user\` or \`assistant\``);
    const role = m.role as string;
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    if (!Array.isArray(blocks)) {
      if (isObj(m.content)) return checkTemplate(schemas, fn, templates, role, m.content, i);
      return fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: invalid type`);
    }
    for (const b of blocks as unknown[]) {
      if (!isObj(b) || typeof b.type !== "string") fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: missing field \`type\``);
      const block = b as Record<string, unknown>;
      if (!CONTENT_BLOCK_TYPES.includes(block.type as string)) {
        fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: unknown variant \`${String(block.type)}\`, expected one of ${CONTENT_BLOCK_TYPES.map((t) => `\`${t}\``).join(", ")}`);
      }
      if (block.type === "template") {
        if (typeof block.name !== "string" || !isObj(block.arguments)) fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: template blocks need \`name\` and \`arguments\``);
        checkTemplate(schemas, fn, templates, block.name as string, block.arguments as Record<string, unknown>, i);
      } else if (block.type === "text") {
        if (isObj(block.arguments)) checkTemplate(schemas, fn, templates, role, block.arguments, i);
        else if (typeof block.text !== "string") fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: missing field \`text\``);
        else if (fn?.schemas[role]) validateArgs(schemas, fn.schemas[role]!, block.text);
      } else if (block.type === "raw_text") {
        if (typeof block.value !== "string") fail(400, `Failed to deserialize the JSON body into the target type: input.messages[${i}].content: missing field \`value\``);
      }
    }
  });
}

function checkTemplate(schemas: SchemaCache, fn: GatewayFunction | undefined, templates: Set<string>, name: string, args: Record<string, unknown>, index: number): void {
  if (!templates.has(name)) fail(400, `Message at index ${index} has non-string content but there is no template \`${name}\` in any variant`);
  const schema = fn?.schemas[name];
  if (schema) validateArgs(schemas, schema, args);
}

function validateArgs(schemas: SchemaCache, schema: object, value: unknown): void {
  const problems = schemas.validate(schema, value);
  if (problems) fail(400, `JSON Schema validation failed:\n${problems}`);
}

export interface CheckedFeedback {
  metric: string;
  target: { inferenceId: string } | { episodeId: string };
  value: unknown;
  tags: Record<string, string>;
  dryrun: boolean;
}

/** Everything /feedback checks before it looks the target up (reference §2). */
export function checkFeedback(body: unknown, config: GatewayConfig): CheckedFeedback {
  if (!isObj(body)) return fail(400, "Failed to deserialize the JSON body into the target type: invalid type: expected struct Params");
  serdeCheck(body, FEEDBACK_FIELDS, ["metric_name", "value"]);
  typeCheck(body, "metric_name", "string", false);
  typeCheck(body, "dryrun", "boolean");
  typeCheck(body, "internal", "boolean", false);
  checkTags(body);
  const name = body.metric_name as string;
  const hasInference = body.inference_id !== undefined && body.inference_id !== null;
  const hasEpisode = body.episode_id !== undefined && body.episode_id !== null;
  if (hasInference && hasEpisode) fail(400, "Both episode_id and inference_id cannot be provided");
  const base = { metric: name, value: body.value, tags: (body.tags ?? {}) as Record<string, string>, dryrun: body.dryrun === true };
  if (name === "comment") {
    if (hasInference === hasEpisode) fail(400, "Exactly one of inference_id or episode_id must be provided");
    if (typeof body.value !== "string") fail(400, "Feedback value for a comment must be a string");
    return { ...base, target: hasInference ? { inferenceId: checkFeedbackId(body.inference_id) } : { episodeId: checkFeedbackId(body.episode_id) } };
  }
  if (name === "demonstration") {
    if (!hasInference) fail(400, 'Correct ID was not provided for feedback level "inference".');
    return { ...base, target: { inferenceId: checkFeedbackId(body.inference_id) } };
  }
  const metric = config.metrics[name];
  if (!metric) return fail(404, `Unknown metric: ${name}`);
  if (metric.level === "inference" ? !hasInference : !hasEpisode) fail(400, `Correct ID was not provided for feedback level "${metric.level}".`);
  if (metric.type === "boolean" && typeof body.value !== "boolean") fail(400, `Feedback value for metric \`${name}\` must be a boolean`);
  if (metric.type === "float" && typeof body.value !== "number") fail(400, `Feedback value for metric \`${name}\` must be a number`);
  return { ...base, target: metric.level === "inference" ? { inferenceId: checkFeedbackId(body.inference_id) } : { episodeId: checkFeedbackId(body.episode_id) } };
}

/**
 * A demonstration against what its inference was (feedback/mod.rs validate_parse_demonstration): for a JSON
 * function, a value fitting the output schema used at that inference; for a chat one (`outputSchema`
 * undefined: model_name calls included), a string or an array of `text` / `tool_call` blocks.
 */
export function checkDemonstration(value: unknown, outputSchema: object | undefined, schemas: SchemaCache): void {
  if (outputSchema) {
    const problems = schemas.validate(outputSchema, value);
    if (problems) fail(400, `Demonstration does not fit function output schema: ${problems}`);
    return;
  }
  if (typeof value === "string") return;
  if (!Array.isArray(value)) return fail(400, "Demonstration must be a string or an array of content blocks");
  for (const b of value) {
    const ok = isObj(b) && ((b.type === "text" && typeof b.text === "string") || (b.type === "tool_call" && typeof b.name === "string" && "arguments" in b));
    if (!ok) fail(400, `Invalid demonstration content block: ${JSON.stringify(b)} is not a text block {type, text} or a tool_call block {type, name, arguments}`);
  }
}

/** Deterministic weighted choice per (function, episode), like the gateway's SHA-256 sampling. */
export function sampleVariant(fn: GatewayFunction, episodeId: string): string {
  const h = createHash("sha256").update(fn.name).update(episodeId).digest();
  const u = Number(h.readBigUInt64BE(0) >> 11n) / 2 ** 53;
  const total = fn.candidates.reduce((s, c) => s + c.weight, 0);
  let acc = 0;
  for (const c of fn.candidates) {
    acc += c.weight / total;
    if (u < acc) return c.name;
  }
  return fn.candidates.at(-1)?.name ?? Object.keys(fn.variants)[0]!;
}
