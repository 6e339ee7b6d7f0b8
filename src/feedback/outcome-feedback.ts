import { BUILTIN_FEEDBACK, METRICS, TAG_KEYS } from "../adapters/tensorzero/metric-names.js";
import type { FeedbackItem, Job } from "../core/job.js";
import { redact, redactDeep } from "../core/redact.js";
import { proposalOf } from "../pr/proposal-of.js";
import type { NewFeedback } from "./outbox.js";

/** The TensorZero ids of the job's current proposal, when it got that far. */
export function proposalIds(job: Job): { episodeId: string; inferenceId: string } | undefined {
  const p = proposalOf(job);
  return p ? { episodeId: p.episodeId, inferenceId: p.inferenceId } : undefined;
}

/** The failing run an inference was made for: its tags describe it (a job, or a later job's fix on this one's PR). */
export interface FeedbackSource {
  repo: Pick<Job["repo"], "fullName">;
  run: Pick<Job["run"], "id">;
}

const tags = (job: FeedbackSource, extra: Record<string, string> = {}) => ({ [TAG_KEYS.repo]: job.repo.fullName, [TAG_KEYS.runId]: String(job.run.id), ...extra });

/**
 * The id of `value` as the next of a series of values of one metric for one target (`earlier`: those
 * recorded, in order), or undefined when it is the value last recorded. TensorZero does not de-duplicate
 * feedback and reads a metric's latest value per target, so a changed value is sent again under an id of its
 * own and corrects the one before; the first keeps `base`, the id a lone value always had.
 */
function nextInSeries(base: string, earlier: readonly FeedbackItem[], value: unknown): string | undefined {
  if (earlier.at(-1)?.value === value) return undefined;
  return `${base}${earlier.length ? `:${earlier.length + 1}` : ""}`;
}

const ofInference = (recorded: readonly FeedbackItem[], metric: string, inferenceId: string) =>
  recorded.filter((f) => f.metric === metric && "inferenceId" in f.target && f.target.inferenceId === inferenceId);

/**
 * Inference level: did the diff apply under the policy, did validation pass (after apply-and-validate).
 * Nothing for a value already recorded for the inference (`job.feedback`); a changed one (an operator's retry
 * validating the same proposal again, green this time, or allowed by a changed config) is sent again.
 */
export function validationFeedback(job: Job, applied: boolean, passed: boolean | undefined, reason?: string): NewFeedback[] {
  const ids = proposalIds(job);
  if (!ids) return [];
  const t = tags(job, reason ? { reason } : {});
  const verdicts: Array<[string, boolean | undefined]> = [[METRICS.patchApplied, applied], [METRICS.validationPassed, passed]];
  return verdicts.flatMap(([metric, value]) => {
    const id = value === undefined ? undefined : nextInSeries(`${metric}:${ids.inferenceId}`, ofInference(job.feedback, metric, ids.inferenceId), value);
    return id ? [{ id, metric, value, target: { inferenceId: ids.inferenceId }, tags: t }] : [];
  });
}

/**
 * Inference level: answers that could not be used at all (no patch, not a diff, not fitting the output
 * schema) count as a patch that did not apply, so the variant that gave them learns from it too.
 */
export function unusableAnswerFeedback(job: Job, inferenceIds: string[], reason: string): NewFeedback[] {
  const t = tags(job, { reason });
  return inferenceIds.map((inferenceId) => ({ id: `${METRICS.patchApplied}:${inferenceId}`, metric: METRICS.patchApplied, value: false, target: { inferenceId }, tags: t }));
}

/**
 * Episode level: the job ends without a PR, so no PR will ever be merged (reference §7: negative
 * feedback when no PR is produced). Its id is not mergedFeedback's: an operator's retry of the job can
 * still open a PR, and the outcome of that PR must not be taken for this one already recorded.
 */
export function noPrFeedback(job: Job, episodeId: string, reason: string): NewFeedback {
  return { id: noPrFeedbackId(episodeId), metric: METRICS.prMerged, value: false, target: { episodeId }, tags: tags(job, { reason }) };
}

const noPrFeedbackId = (episodeId: string) => `${METRICS.prMerged}:${episodeId}:no_pr`;

/**
 * Inference level: the fix commit's CI verdict (over all its runs), for the inference whose patch that
 * commit carries (`job`: whose inference); nothing when it is the value last recorded for that inference.
 * A changed verdict (a red run re-run green, a later run red) is sent again as an item of its own:
 * TensorZero does not de-duplicate feedback and reads a metric's latest value per target (its ClickHouse
 * query builder, tensorzero-core db/clickhouse/query_builder: `argMax(value, timestamp)` grouped by
 * `target_id`), so the new value corrects the old one. `decidedBy`: the run that made it this value.
 */
export function fixCiFeedback(job: FeedbackSource, inferenceId: string, passed: boolean, decidedBy: { id: number; attempt: number }, recorded: readonly FeedbackItem[]): NewFeedback | undefined {
  // The first change keeps the id the one verdict had before changes were sent: a job recorded then goes on from it.
  const id = nextInSeries(`${METRICS.ciPassedOnFixBranch}:${inferenceId}`, ofInference(recorded, METRICS.ciPassedOnFixBranch, inferenceId), passed);
  if (!id) return undefined;
  return {
    id,
    metric: METRICS.ciPassedOnFixBranch,
    value: passed,
    target: { inferenceId },
    tags: tags(job, { fix_run_id: String(decidedBy.id), fix_run_attempt: String(decidedBy.attempt) }),
  };
}

/**
 * Episode level: the PR was merged (true) or closed without merging (false) (`job`: whose episode);
 * nothing when it is the value last recorded for the episode's PR (`recorded`: the outbox it goes to). A PR
 * closed, reopened and then merged is sent again with an id of its own, like a changed CI verdict
 * (fixCiFeedback): TensorZero reads the latest value per target, so the merge corrects the close.
 * noPrFeedback's item is not this PR's outcome: a PR opened after it starts its own series.
 */
export function mergedFeedback(job: FeedbackSource, episodeId: string, merged: boolean, reason: string, recorded: readonly FeedbackItem[]): NewFeedback | undefined {
  const earlier = recorded.filter((f) => f.metric === METRICS.prMerged && "episodeId" in f.target && f.target.episodeId === episodeId && f.id !== noPrFeedbackId(episodeId));
  // The first keeps the id the one outcome had before changes were sent: a job recorded then goes on from it.
  const id = nextInSeries(`${METRICS.prMerged}:${episodeId}`, earlier, merged);
  if (!id) return undefined;
  return { id, metric: METRICS.prMerged, value: merged, target: { episodeId }, tags: tags(job, { reason }) };
}

/**
 * Episode level: a person marked the PR ready for review (true) or turned it back into a draft (false)
 * (`by`: who); nothing when it is the value last recorded for the episode (`recorded`: the outbox it goes
 * to). A change is sent again under an id of its own, like pr_merged, TensorZero reading the latest value.
 */
export function markedReadyFeedback(job: FeedbackSource, episodeId: string, ready: boolean, by: string | undefined, recorded: readonly FeedbackItem[]): NewFeedback | undefined {
  const earlier = recorded.filter((f) => f.metric === METRICS.prMarkedReady && "episodeId" in f.target && f.target.episodeId === episodeId);
  const id = nextInSeries(`${METRICS.prMarkedReady}:${episodeId}`, earlier, ready);
  if (!id) return undefined;
  return { id, metric: METRICS.prMarkedReady, value: ready, target: { episodeId }, tags: tags(job, by ? { author: by } : {}) };
}

/**
 * A person's review or review comment, as `comment` feedback on the episode. Without `recorded`, the text as
 * first written: its item keeps the id a review's text always had. With `recorded` (the outbox it goes to),
 * the text as edited since: nothing when it is the text last recorded for that review, else the next item of
 * the review's series. TensorZero keeps every comment row and has no "latest per target" for comments (many
 * reviews share the episode), so the versions of one review are told apart by their tags: `source_id` names
 * the review, `revision` counts its versions (the highest is the text as it stands), and the outbox item id
 * (`comment:review:31`, then `…:2`) is the series id. The outbox sends one episode's comments in order, so the
 * latest revision is also the latest row.
 */
export function reviewCommentFeedback(job: FeedbackSource, episodeId: string, sourceId: string, author: string, text: string): NewFeedback;
export function reviewCommentFeedback(job: FeedbackSource, episodeId: string, sourceId: string, author: string, text: string, recorded: readonly FeedbackItem[]): NewFeedback | undefined;
export function reviewCommentFeedback(job: FeedbackSource, episodeId: string, sourceId: string, author: string, text: string, recorded?: readonly FeedbackItem[]): NewFeedback | undefined {
  const base = `${BUILTIN_FEEDBACK.comment}:${sourceId}`;
  const value = commentValue(text);
  const earlier = recorded ? revisionsOf(recorded, sourceId) : [];
  // Written again after it was edited away, the text stands again, even when it says what it said before.
  const restated = !!recorded && earlier.length > 0 && withdrawnSinceLastRevision(recorded, sourceId);
  const id = restated ? `${base}:${earlier.length + 1}` : recorded ? nextInSeries(base, earlier, value) : base;
  if (!id) return undefined;
  return {
    id,
    metric: BUILTIN_FEEDBACK.comment,
    value,
    target: { episodeId },
    tags: tags(job, { author, source: sourceId.split(":")[0] ?? "review", source_id: sourceId, revision: String(earlier.length + 1) }),
  };
}

/** A person's text as its comment feedback holds it. */
export function commentValue(text: string): string {
  // What people write on a PR goes to the gateway: a pasted token must not. Redacted before the cap, as
  // a token cut by the cap no longer matches its pattern and would be sent in part.
  return redact(text).slice(0, 10_000);
}

/** The versions of one review's (or review comment's) text recorded in `recorded`, in order. */
export function revisionsOf(recorded: readonly FeedbackItem[], sourceId: string): FeedbackItem[] {
  const base = `${BUILTIN_FEEDBACK.comment}:${sourceId}`;
  return recorded.filter((f) => f.metric === BUILTIN_FEEDBACK.comment && (f.id === base || (f.id.startsWith(base) && /^:\d+$/.test(f.id.slice(base.length)))));
}

/** Whether the last comment item about `sourceId` in `recorded` withdraws its text (reviewWithdrawnFeedback). */
export function withdrawnSinceLastRevision(recorded: readonly FeedbackItem[], sourceId: string): boolean {
  const base = `${BUILTIN_FEEDBACK.comment}:${sourceId}`;
  const about = recorded.filter((f) => f.metric === BUILTIN_FEEDBACK.comment && (f.id === base || f.id.startsWith(`${base}:`)));
  return /:withdrawn(:\d+)?$/.test(about.at(-1)?.id.slice(base.length) ?? "");
}

/**
 * A review comment deleted, or a review's (a comment's) text edited away, once its text was recorded as comment
 * feedback (`earlier`: those items): a comment saying so, as for a dismissed review (reviewDismissedFeedback),
 * tagged `source: review_withdrawn`. A deletion is final (`…:withdrawn`); an emptying is the withdrawal of the
 * `earlier.length` texts recorded before it (`…:withdrawn:<n>`), as the text may be written and emptied again.
 * Nothing when none of its text was recorded.
 */
export function reviewWithdrawnFeedback(job: FeedbackSource, sourceId: string, how: "deleted" | "emptied", earlier: readonly FeedbackItem[], author: string | undefined, by: string | undefined): NewFeedback | undefined {
  const [kind, id] = sourceId.split(":");
  const what = `${kind === "review" ? "Review" : "Review comment"} ${id}${author ? ` by ${author}` : ""} was ${how === "deleted" ? "deleted" : "edited to say nothing"}`;
  return noLongerStands(job, sourceId, earlier, { suffix: how === "deleted" ? "withdrawn" : `withdrawn:${earlier.length}`, source: "review_withdrawn", what, by });
}

/**
 * A review dismissed by a maintainer, once its text was recorded as comment feedback (`earlier`: those items):
 * a comment saying so, on the episode those went to. A comment cannot be withdrawn from TensorZero, so the
 * review's rows stay; this row, tagged `source: review_dismissed` with the review's `source_id`, is how they are
 * told apart from standing reviews. Nothing when none of the review's text was recorded.
 */
export function reviewDismissedFeedback(job: FeedbackSource, sourceId: string, earlier: readonly FeedbackItem[], author: string | undefined, by: string | undefined): NewFeedback | undefined {
  const what = `Review ${sourceId.split(":")[1]}${author ? ` by ${author}` : ""} was dismissed`;
  return noLongerStands(job, sourceId, earlier, { suffix: "dismissed", source: "review_dismissed", what, by });
}

/** The comment item saying a recorded text no longer stands, on the episode its text went to (none if none did). */
function noLongerStands(job: FeedbackSource, sourceId: string, earlier: readonly FeedbackItem[], o: { suffix: string; source: string; what: string; by: string | undefined }): NewFeedback | undefined {
  const first = earlier[0];
  if (!first || !("episodeId" in first.target)) return undefined;
  return {
    id: `${BUILTIN_FEEDBACK.comment}:${sourceId}:${o.suffix}`,
    metric: BUILTIN_FEEDBACK.comment,
    value: `${o.what}${o.by ? ` by ${o.by}` : ""}: what it said no longer stands.`,
    target: { episodeId: first.target.episodeId },
    tags: tags(job, { ...(o.by ? { author: o.by } : {}), source: o.source, source_id: sourceId }),
  };
}

/**
 * The final diff a person pushed onto the fix branch, as `demonstration` of the right answer. It must fit
 * the function's output schema (every key required, tests_to_run nullable), or the gateway answers 400.
 */
export function demonstrationFeedback(job: Job, inferenceId: string, output: { diagnosis: string; patch: string; confidence: number; files: string[] }): NewFeedback {
  return {
    id: `${BUILTIN_FEEDBACK.demonstration}:${inferenceId}`,
    metric: BUILTIN_FEEDBACK.demonstration,
    value: redactDeep({ ...output, tests_to_run: null }),
    target: { inferenceId },
    tags: tags(job, { source: "human_edits" }),
  };
}
