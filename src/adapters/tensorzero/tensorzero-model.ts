import type { AppConfig } from "../../config/app-config.js";
import { AppError, permanent } from "../../core/errors.js";
import type { FailureContext } from "../../core/failure-context.js";
import type { Clock } from "../../core/ports/clock.js";
import type { Logger } from "../../core/ports/logger.js";
import type { FeedbackRequest, ModelPort, ProposalResult, ProposeOptions } from "../../core/ports/model-port.js";
import { buildFixInferenceRequest } from "./inference-request.js";
import { FIX_FUNCTION } from "./metric-names.js";
import { checkProposal } from "./proposal.js";
import { TensorZeroClient, type TensorZeroClientOptions } from "./tensorzero-client.js";
import type { JsonInferenceResponse } from "./wire-types.js";
import { redactHead } from "../../core/redact.js";

export interface TensorZeroModelOptions {
  functionName?: string;
  /** Use SSE streaming for inferences (the answer is parsed by the app, as streams carry no `parsed`). */
  stream?: boolean;
  logger?: Logger;
}

/** How many inferences one proposePatch call makes when the answer does not fit the schema. */
const OUTPUT_TRIES = 2;

/** ModelPort over TensorZero's `fix_ci_failure` JSON function. */
export class TensorZeroModel implements ModelPort {
  readonly client: TensorZeroClient;
  readonly #fn: string;
  readonly #stream: boolean;
  readonly #log?: Logger;

  constructor(client: TensorZeroClient, opts: TensorZeroModelOptions = {}) {
    this.client = client;
    this.#fn = opts.functionName ?? FIX_FUNCTION;
    this.#stream = opts.stream ?? false;
    this.#log = opts.logger;
  }

  async proposePatch(input: FailureContext, opts: ProposeOptions): Promise<ProposalResult> {
    const body = buildFixInferenceRequest(input, { episodeId: opts.episodeId, tags: opts.tags, functionName: this.#fn, dryRun: opts.dryRun });
    const discarded: string[] = [];
    let lastRaw: string | null = null;
    let episodeId = opts.episodeId;
    let lastProblems: string[] = [];
    let last: Pick<JsonInferenceResponse, "variant_name" | "finish_reason"> | undefined;
    for (let i = 0; i < OUTPUT_TRIES; i++) {
      let res: JsonInferenceResponse;
      try {
        res = await this.#infer(body, opts.signal);
      } catch (err) {
        throw withDiscarded(err, discarded);
      }
      const unparsed = res.finish_reason === "length" ? "the answer was cut off at the variant's max_tokens (finish_reason: length), so it is not whole JSON" : "the gateway could not parse the answer against the output schema (parsed: null)";
      const { proposal, problems } = res.output.parsed === null ? { proposal: undefined, problems: [unparsed] } : checkProposal(res.output.parsed);
      if (proposal) {
        return {
          proposal,
          episodeId: res.episode_id,
          inferenceId: res.inference_id,
          variantName: res.variant_name,
          raw: res.output.raw ?? undefined,
          usage: { inputTokens: res.usage?.input_tokens ?? null, outputTokens: res.usage?.output_tokens ?? null },
          ...(discarded.length ? { discardedInferenceIds: discarded } : {}),
        };
      }
      discarded.push(res.inference_id);
      episodeId = res.episode_id;
      lastRaw = res.output.raw;
      lastProblems = problems;
      last = res;
      this.#log?.warn({ inferenceId: res.inference_id, variant: res.variant_name, finishReason: res.finish_reason, problems }, "model answer does not fit the output schema");
    }
    // A cut-off answer is the variant's token budget, not its prompt: a reasoning model can spend most of
    // max_tokens thinking, and asking again (same episode, same variant) is cut off the same way.
    const advice = last?.finish_reason === "length"
      ? `raise max_tokens of variant "${last.variant_name}" in tensorzero/config/tensorzero.toml`
      : "consider another variant or prompt version";
    throw new AppError(
      "model_output_invalid",
      `The model answered ${OUTPUT_TRIES} times with output that does not fit the fix_ci_failure output schema (${lastProblems.join("; ")}). The raw text is in the job's error details; ${advice}.`,
      { retryable: false, details: { raw: redactHead(lastRaw ?? "", 8000), inferenceIds: discarded, episodeId, problems: lastProblems, finishReason: last?.finish_reason } },
    );
  }

  async feedback(req: FeedbackRequest, opts: { signal?: AbortSignal } = {}): Promise<{ feedbackId: string }> {
    if (!req.inferenceId === !req.episodeId) {
      throw permanent("feedback_invalid", `Feedback "${req.metric}" needs exactly one of inferenceId or episodeId.`);
    }
    const res = await this.client.feedback(
      {
        metric_name: req.metric,
        ...(req.inferenceId ? { inference_id: req.inferenceId } : { episode_id: req.episodeId }),
        value: req.value,
        ...(req.tags ? { tags: req.tags } : {}),
      },
      opts,
    );
    return { feedbackId: res.feedback_id };
  }

  async status(): Promise<{ status: string; version?: string }> {
    const s = await this.client.status();
    return { status: s.status, version: s.version };
  }

  async #infer(body: ReturnType<typeof buildFixInferenceRequest>, signal?: AbortSignal): Promise<JsonInferenceResponse> {
    if (!this.#stream) return this.client.inference(body, { signal });
    let head: { inference_id: string; episode_id: string; variant_name: string } | undefined;
    let raw = "";
    let usage: JsonInferenceResponse["usage"] = { input_tokens: null, output_tokens: null, cost: null };
    let finish: string | undefined;
    for await (const chunk of this.client.inferenceStream({ ...body, stream: true }, { signal })) {
      head ??= chunk;
      raw += chunk.raw ?? "";
      if (chunk.usage) usage = chunk.usage;
      if (chunk.finish_reason) finish = chunk.finish_reason;
    }
    if (!head) throw new AppError("model_stream_error", "TensorZero's stream carried no chunks; will retry.", { retryable: true });
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = null;
    }
    return { inference_id: head.inference_id, episode_id: head.episode_id, variant_name: head.variant_name, output: { raw, parsed }, usage, ...(finish ? { finish_reason: finish } : {}) };
  }
}

/**
 * The error of a call that failed after answers were already discarded, carrying their ids: the stage's
 * retry asks anew, so their verdict (patch_applied=false, with-proposal-feedback) is recorded now or never.
 */
function withDiscarded(err: unknown, discarded: string[]): unknown {
  if (!discarded.length || !(err instanceof AppError)) return err;
  return new AppError(err.code, err.message, {
    retryable: err.retryable,
    retryAfterMs: err.retryAfterMs,
    cause: err,
    details: { ...err.details, discardedInferenceIds: [...discarded] },
  });
}

/** Builds the ModelPort from config, or undefined when TENSORZERO_URL is not set. */
export function createTensorZeroModel(
  config: Pick<AppConfig, "TENSORZERO_URL" | "TENSORZERO_API_KEY" | "TENSORZERO_TIMEOUT_MS" | "TENSORZERO_FUNCTION">,
  deps: { clock: Clock; logger?: Logger },
  overrides: Partial<TensorZeroClientOptions> = {},
): TensorZeroModel | undefined {
  if (!config.TENSORZERO_URL) return undefined;
  const logger = deps.logger?.child({ component: "tensorzero" });
  const client = new TensorZeroClient({
    baseUrl: config.TENSORZERO_URL,
    apiKey: config.TENSORZERO_API_KEY,
    timeoutMs: config.TENSORZERO_TIMEOUT_MS,
    sleep: (ms, signal) => deps.clock.sleep(ms, signal),
    now: () => deps.clock.now(),
    logger,
    ...overrides,
  });
  return new TensorZeroModel(client, { functionName: config.TENSORZERO_FUNCTION, logger });
}
