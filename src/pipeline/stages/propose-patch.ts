import { readFile } from "node:fs/promises";
import { buildFixInferenceRequest } from "../../adapters/tensorzero/inference-request.js";
import { episodeIdForJob } from "../../adapters/tensorzero/episode-id.js";
import { TAG_KEYS } from "../../adapters/tensorzero/metric-names.js";
import { diffFiles, looksLikeUnifiedDiff } from "../../adapters/tensorzero/proposal.js";
import { shrinkFailureContext } from "../../adapters/tensorzero/shrink-context.js";
import type { Deps } from "../../core/deps.js";
import { AppError, permanent } from "../../core/errors.js";
import type { FailureContext } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";
import type { ProposalResult } from "../../core/ports/model-port.js";
import { redact, redactDeep, redactHead } from "../../core/redact.js";
import type { Stage, StageContext, StageOutcome } from "../stage.js";
import { openFixPrCap } from "./open-fix-prs.js";
import { prRecordOf } from "./open-pull-request-result.js";
import { openSiblingFix } from "./open-sibling-fix.js";

export const PROPOSE_PATCH = "propose-patch";
export const BUILD_CONTEXT = "build-context";
/** Where watch-pr keeps a repair attempt's context, beside (never over) build-context's. */
export const REPAIR_CONTEXT = "repair-context";

/** What watch-pr stores for a repair attempt (`job.results["repair-context"]`). */
export interface RepairContextResult {
  attempt: number;
  /** The job's context with the failed attempt as `previous_attempt`, fitted into CONTEXT_BUDGET_TOKENS. */
  context: FailureContext;
}

/** What this stage stores on the job (`job.results["propose-patch"]`). */
export interface ProposePatchResult {
  episodeId: string;
  inferenceId: string;
  variantName: string;
  proposal: { diagnosis: string; diff: string; confidence: number; files: string[]; testsToRun?: string[] };
  /** 1 for the job's first proposal, 2 for the next one (a patch retry before any PR, or a repair after CI failed on the fix branch), ... */
  repairAttempt: number;
  /** Inferences of earlier proposals in this episode (for inference-level feedback). */
  previousInferenceIds: string[];
  discardedInferenceIds?: string[];
  /** Set when the first try hit the model's context limit and a smaller context was sent. */
  shrunkContext?: { fromTokens: number; toTokens: number; dropped: string[] };
  usage?: ProposalResult["usage"];
}

/** Dry run without a gateway: the exact request that would be sent, redacted. */
export interface ProposePatchDryRun {
  dryRun: true;
  episodeId: string;
  wouldSend: { method: "POST"; url: string; body: ReturnType<typeof buildFixInferenceRequest> };
}

/**
 * TensorZero inference → diagnosis + unified diff. One episode per job: its id is derived from the job,
 * so retries, restarts and later repair attempts reuse it. A context-length error gets one more try with
 * a context half the size; an unusable answer fails the job with the model's text kept for review.
 */
export const proposePatchStage: Stage = {
  name: PROPOSE_PATCH,
  state: "patching",
  sideEffects: true,
  async run(job, deps, ctx) {
    const capped = await cappedBeforeModel(job, deps);
    if (capped) throw capped;
    return propose(job, deps, ctx);
  },
  dryRun: async (job, deps, ctx) => {
    // The real run's stop, said: no model call and no validation for a fix it could not open.
    const capped = await cappedBeforeModel(job, deps);
    if (capped) return { result: { dryRun: true, refused: { code: capped.code, message: capped.message } }, finish: `dry run: would stop before asking the model: ${capped.message}` };
    // With a gateway configured, a dry run still asks the model (no repository is touched), so the
    // operator sees a real proposal; without one it shows what it would send.
    if (deps.model) return propose(job, deps, ctx);
    const context = redactDeep(await readContext(job));
    const episodeId = jobEpisodeId(job, deps);
    const body = buildFixInferenceRequest(context, { episodeId, tags: jobTags(job), functionName: deps.config.TENSORZERO_FUNCTION });
    ctx.log.info({ episodeId, bytes: JSON.stringify(body).length }, "dry run: no TensorZero gateway configured; recorded the request instead of sending it");
    const result: ProposePatchDryRun = { dryRun: true, episodeId, wouldSend: { method: "POST", url: `${deps.config.TENSORZERO_URL ?? "$TENSORZERO_URL"}/inference`, body } };
    return { result };
  },
};

/**
 * A first fix that could only open a new PR past MAX_OPEN_FIX_PRS_PER_REPO fails before the model call and
 * the validation it would waste (a burst of failing branches: one per branch); open-pull-request checks again.
 */
async function cappedBeforeModel(job: Job, deps: Deps): Promise<AppError | undefined> {
  if (prRecordOf(job) || (await openSiblingFix(job, deps))) return undefined;
  return openFixPrCap(job, deps);
}

async function propose(job: Job, deps: Deps, ctx: StageContext): Promise<StageOutcome> {
  const model = deps.model;
  if (!model) {
    throw permanent("model_not_configured", "No TensorZero gateway is configured: set TENSORZERO_URL (see tensorzero/README.md), or DRY_RUN=true to see the request the bot would send.");
  }
  const context = redactDeep(await readContext(job));
  const previous = job.results[PROPOSE_PATCH] as Partial<ProposePatchResult> | undefined;
  const episodeId = jobEpisodeId(job, deps);
  const tags = jobTags(job);
  // A dry run asks the model too, but must not leave inferences in the gateway's store: nothing will
  // ever send feedback on them, and they would sit beside real fixes in its UI and datasets.
  const call = (input: FailureContext) => model.proposePatch(input, { episodeId, tags, signal: ctx.signal, ...(ctx.dryRun ? { dryRun: true } : {}) });
  let res: ProposalResult;
  let shrunk: ProposePatchResult["shrunkContext"];
  try {
    res = await call(context);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== "context_too_large") throw err;
    const smaller = shrinkFailureContext(context, 0.5);
    shrunk = { fromTokens: context.budget.tokens, toTokens: smaller.budget.tokens, dropped: smaller.budget.dropped };
    ctx.log.warn({ ...shrunk }, "context too large for the model; retrying with a smaller context");
    try {
      res = await call(smaller);
    } catch (again) {
      if (again instanceof AppError && again.code === "context_too_large") {
        throw permanent("context_too_large", `The failure context is still too large for the model after halving it (${shrunk.fromTokens} → ${shrunk.toTokens} tokens). Lower CONTEXT_BUDGET_TOKENS or use a variant with a larger context window.`, again.details);
      }
      throw again;
    }
  }
  const { proposal } = res;
  // Kept on the job (DATA_DIR): the model can echo what it read, and what leaves is redacted anyway.
  const diagnosis = redact(proposal.diagnosis);
  const ids = { episodeId: res.episodeId, inferenceId: res.inferenceId, variantName: res.variantName };
  // Kept on the error too: answers discarded before this one get their feedback (with-proposal-feedback).
  const discarded = res.discardedInferenceIds ? { discardedInferenceIds: res.discardedInferenceIds } : {};
  if (!proposal.patch.trim()) {
    throw permanent("no_fix_proposed", `The model found no safe fix (confidence ${proposal.confidence}). Its diagnosis: ${diagnosis}`, { ...ids, ...discarded, diagnosis });
  }
  if (!looksLikeUnifiedDiff(proposal.patch)) {
    throw permanent("patch_not_a_diff", "The model's patch is not a unified diff (no ---/+++ headers or @@ hunks), so it cannot be applied. The text is in the job's error details.", { ...ids, ...discarded, patch: redactHead(proposal.patch, 8000) });
  }
  const files = diffFiles(proposal.patch);
  if ([...files].sort().join("\n") !== [...proposal.files].sort().join("\n")) {
    ctx.log.warn({ claimed: proposal.files, inDiff: files }, "the model's file list differs from the diff; using the diff's");
  }
  const result: ProposePatchResult = {
    ...ids,
    proposal: { diagnosis, diff: proposal.patch, confidence: proposal.confidence, files, ...(proposal.tests_to_run ? { testsToRun: proposal.tests_to_run } : {}) },
    repairAttempt: (previous?.repairAttempt ?? 0) + 1,
    previousInferenceIds: previous?.inferenceId ? [...(previous.previousInferenceIds ?? []), previous.inferenceId] : [],
    ...(res.discardedInferenceIds ? { discardedInferenceIds: res.discardedInferenceIds } : {}),
    ...(shrunk ? { shrunkContext: shrunk } : {}),
    ...(res.usage ? { usage: res.usage } : {}),
  };
  ctx.log.info({ ...ids, confidence: proposal.confidence, files: files.length, repairAttempt: result.repairAttempt }, "patch proposed");
  return { result };
}

/** The job's episode: the one already on its result, else derived from the job (stable across retries). */
export function jobEpisodeId(job: Job, deps: Pick<Deps, "clock">): string {
  const previous = job.results[PROPOSE_PATCH] as { episodeId?: unknown } | undefined;
  if (typeof previous?.episodeId === "string") return previous.episodeId;
  return episodeIdForJob(job, deps.clock.now());
}

export function jobTags(job: Job): Record<string, string> {
  return {
    [TAG_KEYS.repo]: job.repo.fullName,
    [TAG_KEYS.runId]: String(job.run.id),
    [TAG_KEYS.runAttempt]: String(job.run.attempt),
    [TAG_KEYS.jobId]: job.id,
  };
}

/**
 * The context of the attempt: a repair's own when watch-pr prepared one, else the FailureContext from the
 * build-context stage (`{ context }` inline, or `{ contextPath }` to a JSON file).
 */
async function readContext(job: Job): Promise<FailureContext> {
  const repair = job.results[REPAIR_CONTEXT] as Partial<RepairContextResult> | undefined;
  if (repair?.context && typeof repair.context === "object") return repair.context;
  const r = job.results[BUILD_CONTEXT] as { context?: FailureContext; contextPath?: string } | undefined;
  if (r?.context && typeof r.context === "object") return r.context;
  if (typeof r?.contextPath === "string") {
    try {
      return JSON.parse(await readFile(r.contextPath, "utf8")) as FailureContext;
    } catch (err) {
      throw permanent("context_missing", `The failure context file ${r.contextPath} cannot be read (${(err as Error).message}); retry the job from the start with \`t0-ci-bot jobs retry ${job.id}\`.`);
    }
  }
  throw permanent("context_missing", `The job has no failure context from the build-context stage; retry it from the start with \`t0-ci-bot jobs retry ${job.id}\`.`);
}
