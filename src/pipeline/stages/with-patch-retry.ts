import { failedTryAttempt, failedTryWhy } from "../../context/failed-try-attempt.js";
import { fitRepairContext } from "../../context/fit-repair-context.js";
import type { Deps } from "../../core/deps.js";
import { permanent, toAppError, type AppError } from "../../core/errors.js";
import type { FailureContext } from "../../core/failure-context.js";
import { isFinal, transition, type Job } from "../../core/job.js";
import { noPrFeedback, proposalIds } from "../../feedback/outcome-feedback.js";
import { recordAndSend } from "../../feedback/outbox.js";
import { verdictFeedback } from "../../feedback/with-validation-feedback.js";
import { patchHash } from "../../patch/patch-hash.js";
import type { RuleId } from "../../patch/types.js";
import { redact } from "../../core/redact.js";
import { countTokens } from "../../logs/count-tokens.js";
import { proposalOf } from "../../pr/proposal-of.js";
import { diffPaths, restoreFiles } from "../../validate/restore-files.js";
import type { Stage, StageContext } from "../stage.js";
import { repoConfigOf } from "./check-repo-config.js";
import { ensureWorkspace } from "./clone-repo.js";
import { prRecordOf } from "./open-pull-request-result.js";
import { currentTries, PATCH_RETRIES, retriesOf, type FailedTry, type PatchRetries } from "./patch-retries-result.js";
import { BUILD_CONTEXT, PROPOSE_PATCH, REPAIR_CONTEXT, type RepairContextResult } from "./propose-patch.js";
import { keepRefusedPatchRedacted, refusalOf } from "./refused-patch-at-rest.js";

export { PATCH_RETRIES, retriesOf, type FailedTry, type PatchRetries } from "./patch-retries-result.js";

/** What a first patch ends the job with when nothing answers it: no PR, so pr_merged=false on the episode. */
const ENDS_WITHOUT_PR = new Set(["patch_refused", "no_diff", "validation_failed"]);

/**
 * Refusals no second proposal answers. The patch added a credential or read a secret: the fix branch is
 * pushed where CI runs with the repository's secrets, and these checks see shapes and names, not every
 * way to read one (a name built at run time is not seen). Told which read was caught, the model is asked,
 * in effect, for one the check does not see; after a prompt-injected first try that is the likelier
 * answer, and a secret it sends out cannot be taken back, while a green-washed test is there for review.
 * The `secret` patch would also go back to the gateway as previous_attempt, and be stored there again.
 */
const NOT_RETRIED_RULES = new Set(["secret", "read_secrets"]);

/**
 * Wraps the first attempt's apply-and-validate: a patch the policy refuses (`patch_refused`) or that does not
 * turn the project's commands green (`validation_failed`) is answered by another proposal in the job's
 * episode, told why as `previous_attempt` (the rule and its message, or the redacted tail of the failing
 * command's output; fitted with the job's context into CONTEXT_BUDGET_TOKENS as a repair's is), then validated
 * in turn; up to the repository's `max_patch_retries`, under the operator's MAX_PATCH_RETRIES (0: none). Each
 * proposal is an inference of its own with its own patch_applied / validation_passed (the wrapped stage sends
 * them); pr_merged=false goes once, when the last one ends the job without a PR. A proposal repeating an earlier
 * try's patch is not run again (samePatchAgain). An operator's retry starts the tries over (startTriesOver).
 * Each try is recorded before the next proposal is asked for (PATCH_RETRIES), so a retry of the stage after a
 * crash or a gateway outage between the tries asks for that proposal, or validates the one stored, rather
 * than judging the refused patch again or asking twice. Not used on a repair attempt: its PR stays as it was.
 */
export function withPatchRetry(propose: Stage, validate: Stage): Stage {
  return {
    ...validate,
    async run(job, deps, ctx) {
      for (;;) {
        const tries = retriesOf(job);
        const last = tries.failed.at(-1);
        // The stored proposal is the last failed try (the stage stopped, crashed or hit an outage while the
        // next one was asked for): it was judged already, so straight to asking again.
        if (!last || last.inferenceId !== proposalOf(job)?.inferenceId) {
          try {
            const same = await samePatchAgain(job, deps, ctx, tries);
            if (same) throw same;
            if (tries.failed.length) await putBackEarlierTries(job, deps, ctx, tries);
            return await validate.run(job, deps, ctx);
          } catch (raw) {
            const err = toAppError(raw);
            if (err.retryable) throw raw;
            const why = noRetryBecause(job, deps, ctx, err, tries);
            const retry = !why && (await recordTry(job, deps, err, tries, validate.name));
            if (!retry) {
              if (ENDS_WITHOUT_PR.has(err.code)) ctx.log.info({ code: err.code, why: why ?? "the job was stopped" }, "no further proposal");
              await endWithoutPr(job, deps, ctx, err);
              const refusal = refusalOf(err);
              const refused = refusal && proposalOf(job);
              if (refused) await keepRefusedPatchRedacted(deps, job.id, refused.inferenceId, refusal);
              throw tries.failed.length ? afterRetries(err, tries) : raw;
            }
            job = retry;
            ctx.log.info({ code: err.code, rule: err.details?.rule, retry: tries.failed.length + 1 }, "first patch failed before any PR; proposing again with the reason");
          }
        }
        const asked = job;
        const p = await (ctx.dryRun && propose.dryRun ? propose.dryRun(job, deps, ctx) : propose.run(job, deps, ctx)).catch(async (raw: unknown) => {
          // An answer that leads nowhere ends the job (with-proposal-feedback scored it, and sent pr_merged=false).
          const err = toAppError(raw);
          if (err.retryable) throw raw;
          // The proposal stored is still the last try's: refused, it is kept redacted as the job ends.
          const last = retriesOf(asked).failed.at(-1);
          if (last?.rule) await keepRefusedPatchRedacted(deps, job.id, last.inferenceId, { rule: last.rule as RuleId, ...(last.file ? { file: last.file } : {}), reason: last.reason ?? last.outcome });
          throw afterRetries(err, retriesOf(asked), "the next proposal");
        });
        const at = new Date(deps.clock.now()).toISOString();
        job = await deps.store.updateJob(job.id, (j) => {
          j.results[PROPOSE_PATCH] = p.result;
          // The attempt's own context: a later proposal (a repair's) is made from the job's.
          delete j.results[REPAIR_CONTEXT];
          if (!isFinal(j.state)) transition(j, validate.state, at, { stage: validate.name });
        });
        // Stopped while the model answered: the stop's reason stands (the runner keeps it), nothing is validated.
        if (isFinal(job.state)) throw permanent("job_stopped", "The job was stopped while its next proposal was asked for; the proposal is kept.");
      }
    },
  };
}

/** Why this failure ends the job as it is, or undefined when another proposal may answer it. */
function noRetryBecause(job: Job, deps: Deps, ctx: StageContext, err: AppError, tries: PatchRetries): string | undefined {
  if (err.code !== "patch_refused" && err.code !== "validation_failed") return "not a refusal or a failed validation";
  const rule = typeof err.details?.rule === "string" ? err.details.rule : undefined;
  if (rule && NOT_RETRIED_RULES.has(rule)) return `refused for ${rule}`;
  if (prRecordOf(job)) return "the job has a PR";
  if (!proposalOf(job)) return "no proposal";
  const max = Math.min(repoConfigOf(job).max_patch_retries, deps.config.MAX_PATCH_RETRIES);
  if (currentTries(tries).length >= max) return `max_patch_retries (${max}${max < repoConfigOf(job).max_patch_retries ? `, the operator's MAX_PATCH_RETRIES` : ""}) reached`;
  // DRY_RUN turned on after this job was made to act: no model call for it (the runner stops its next stage).
  if (deps.config.DRY_RUN && !ctx.dryRun) return "DRY_RUN";
  if (!(job.results[BUILD_CONTEXT] as { context?: FailureContext } | undefined)?.context) return "no inline context";
  return undefined;
}

/**
 * Records the failed try and the next proposal's context, before that proposal is asked for; the job as
 * stored then, or undefined when the job was stopped meanwhile.
 */
async function recordTry(job: Job, deps: Deps, err: AppError, tries: PatchRetries, stage: string): Promise<Job | undefined> {
  const proposal = proposalOf(job)!;
  const rule = typeof err.details?.rule === "string" ? err.details.rule : undefined;
  // Stored on the job until the next proposal is (REPAIR_CONTEXT): redacted, as propose-patch sends it.
  const previous = failedTryAttempt(redact(proposal.patch), err);
  const sameAs = typeof err.details?.sameAs === "number" ? err.details.sameAs : undefined;
  const why = sameAs ? whyOf(tries.failed[sameAs - 1]!) : failedTryWhy(err);
  // Kept for the operator (jobs show's tries, GET /jobs/:id): which variant answered, and what stayed red.
  const failingTests = sameAs ? tries.failed[sameAs - 1]!.failingTests : (err.details?.validation as { failingTests?: string[] } | undefined)?.failingTests;
  const failed: FailedTry = {
    inferenceId: proposal.inferenceId, variant: proposal.variantName, code: err.code, ...(rule ? { rule } : {}), ...why,
    ...(failingTests?.length ? { failingTests } : {}),
    outcome: previous.outcome, ...(previous.excerpts?.length ? { excerpts: previous.excerpts } : {}),
    patchHash: patchHash(proposal.patch), ...(sameAs ? { sameAs } : {}), files: diffPaths(proposal.patch),
  };
  const base = (job.results[BUILD_CONTEXT] as { context: FailureContext }).context;
  const n = tries.failed.length + 1;
  const repairContext: RepairContextResult = { attempt: n + 1, context: fitRepairContext(base, previous, deps.config.CONTEXT_BUDGET_TOKENS, countTokens) };
  const at = new Date(deps.clock.now()).toISOString();
  let stopped = false;
  const stored = await deps.store.updateJob(job.id, (j) => {
    if ((stopped = isFinal(j.state))) return;
    const kept = retriesOf(j);
    j.results[PATCH_RETRIES] = { ...kept, failed: [...kept.failed, failed] } satisfies PatchRetries;
    // The job's context is left as build-context made it: a later try, or a repair, fits its own from it.
    j.results[REPAIR_CONTEXT] = repairContext;
    const verdict = rule ? `refused (${rule})` : err.code === "validation_failed" ? "not validated (validation_failed)" : err.code;
    const was = sameAs ? `the same patch as try ${sameAs}, ${verdict} without being run again` : verdict;
    transition(j, "patching", at, { stage, note: `patch retry ${n}: the proposal was ${was}; proposing again with the reason` });
  });
  return stopped ? undefined : stored;
}

/**
 * The proposal's patch is one an earlier try had (normalised, patchHash): validating it again would give
 * that try's verdict at a validation's cost, so it gets the verdict at once, as an error with that try's code
 * (`details.sameAs`), and its inference the same patch_applied / validation_passed feedback that try's got.
 * It counts as a try. Undefined when the patch is new.
 */
async function samePatchAgain(job: Job, deps: Deps, ctx: StageContext, tries: PatchRetries): Promise<AppError | undefined> {
  const proposal = proposalOf(job);
  if (!proposal || !tries.failed.length) return undefined;
  const hash = patchHash(proposal.patch);
  const from = tries.countFrom ?? 0;
  const i = tries.failed.findIndex((t, k) => k >= from && t.patchHash === hash);
  if (i < 0) return undefined;
  const earlier = tries.failed[i]!;
  const n = i + 1;
  ctx.log.info({ sameAs: n, code: earlier.code, rule: earlier.rule }, "the model proposed the same patch as an earlier try: its verdict stands, nothing is run");
  await recordAndSend(deps, job, verdictFeedback(job, earlier.code), ctx).catch((e) => ctx.log.warn({ err: e }, "could not record validation feedback"));
  const what = earlier.code === "patch_refused" ? `which the patch policy refused (${earlier.rule ?? "patch_refused"}${earlier.reason ? `: ${earlier.reason}` : ""})` : earlier.code === "validation_failed" ? `which failed validation${earlier.command ? ` (\`${earlier.command}\` ${earlier.ended ?? "failed"})` : ""}` : `which failed (${earlier.code})`;
  return permanent(earlier.code, `The model proposed the same patch as try ${n}, ${what}; it was not applied or validated again.`, {
    ...(earlier.rule ? { rule: earlier.rule } : {}),
    sameAs: n,
    previousOutcome: earlier.outcome,
    ...(earlier.excerpts ? { excerpts: earlier.excerpts } : {}),
  });
}

const whyOf = ({ reason, file, command, ended }: FailedTry) => ({ ...(reason ? { reason } : {}), ...(file ? { file } : {}), ...(command ? { command } : {}), ...(ended ? { ended } : {}) });

/** The earlier tries' files, back to the failing commit: a file only an earlier patch touched would stay patched. */
async function putBackEarlierTries(job: Job, deps: Deps, ctx: StageContext, tries: PatchRetries): Promise<void> {
  const ws = await ensureWorkspace(job, deps, ctx);
  const restored = await restoreFiles(ws.dir, [...new Set(tries.failed.flatMap((t) => t.files))]);
  if (restored.length) ctx.log.info({ restored }, "restored files an earlier try's patch left");
}

/** pr_merged=false on the episode of a first attempt that ends here, its patch judged and no PR opened. */
async function endWithoutPr(job: Job, deps: Deps, ctx: StageContext, err: AppError): Promise<void> {
  const ids = proposalIds(job);
  if (!ENDS_WITHOUT_PR.has(err.code) || !ids || prRecordOf(job)) return;
  await recordAndSend(deps, job, [noPrFeedback(job, ids.episodeId, err.code)], ctx).catch((e) => ctx.log.warn({ err: e }, "could not record the episode's pr_merged=false"));
}

/** The last try's error, saying that earlier ones were answered and how they failed. */
function afterRetries(err: AppError, tries: PatchRetries, what = "the patch"): AppError {
  const earlier = tries.failed.map((t, i) => `try ${i + 1}: ${t.rule ? `refused (${t.rule})` : t.code}`).join("; ");
  return permanent(err.code, `${err.message} (${what} of try ${tries.failed.length + 1}; ${earlier})`, { ...err.details, earlierTries: tries.failed });
}
