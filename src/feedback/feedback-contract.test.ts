import { expect, test } from "@jest/globals";
import { episodeIdForJob } from "../adapters/tensorzero/episode-id.js";
import { loadGatewayConfig } from "../adapters/tensorzero/gateway-config.js";
import { BUILTIN_FEEDBACK, FIX_FUNCTION, METRIC_LEVELS, METRICS } from "../adapters/tensorzero/metric-names.js";
import { TensorZeroModel } from "../adapters/tensorzero/tensorzero-model.js";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import { silentLogger } from "../core/logger.js";
import type { FeedbackItem } from "../core/job.js";
import { sampleFailureContext } from "../../test/fakes/fake-tensorzero-context.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { useFakeGateway } from "../../test/helpers/fake-gateway-suite.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { flushFeedback, recordFeedback, type NewFeedback } from "./outbox.js";
import {
  demonstrationFeedback,
  fixCiFeedback,
  markedReadyFeedback,
  mergedFeedback,
  noPrFeedback,
  reviewCommentFeedback,
  reviewDismissedFeedback,
  reviewWithdrawnFeedback,
  unusableAnswerFeedback,
  validationFeedback,
} from "./outcome-feedback.js";

/**
 * Every kind of feedback item the app builds, sent through the real client to the fake gateway loading the
 * shipped tensorzero.toml: a metric the config does not declare (404), a target of the wrong level, or a
 * value of the wrong type (400) would be refused there as the real gateway refuses it (reference §2).
 */
const gw = useFakeGateway();

test("every feedback item the app builds is accepted by a gateway running the shipped config: known metric, its level's id, its type's value", async () => {
  const model = new TensorZeroModel(gw.client());
  const store = new MemoryJobStore();
  const clock = new FakeClock();
  const job = makeJob();
  await store.recordIntake(makeDelivery(job), "{}", job);
  // A stored inference for the inference-level items, and its episode for the episode-level ones.
  const res = await model.proposePatch(sampleFailureContext(), { episodeId: episodeIdForJob(job, Date.now()), tags: { repo: job.repo.fullName } });
  // An answer of the same episode that was discarded (unusable): an inference of its own.
  const discarded = await model.proposePatch(sampleFailureContext(), { episodeId: res.episodeId, tags: { repo: job.repo.fullName } });
  job.results["propose-patch"] = { episodeId: res.episodeId, inferenceId: res.inferenceId, variantName: res.variantName, proposal: { diagnosis: res.proposal.diagnosis, diff: res.proposal.patch, confidence: res.proposal.confidence, files: res.proposal.files } };
  const recorded: FeedbackItem[] = [];
  const built: NewFeedback[] = [
    ...validationFeedback(job, true, false, "validation_failed"),
    ...unusableAnswerFeedback(job, [discarded.inferenceId], "model_output_invalid"),
    noPrFeedback(job, res.episodeId, "validation_failed"),
    fixCiFeedback(job, res.inferenceId, true, { id: 1, attempt: 1 }, recorded)!,
    mergedFeedback(job, res.episodeId, true, "merged", recorded)!,
    markedReadyFeedback(job, res.episodeId, true, "octocat", recorded)!,
    reviewCommentFeedback(job, res.episodeId, "review:31", "octocat", "Please also cover the empty case."),
    demonstrationFeedback(job, res.inferenceId, { diagnosis: res.proposal.diagnosis, patch: res.proposal.patch, confidence: 1, files: res.proposal.files }),
  ];
  const comment = { ...built.at(-2)!, status: "sent" as const, attempts: 1, createdAt: job.createdAt };
  built.push(reviewDismissedFeedback(job, "review:31", [comment], "octocat", "maintainer")!, reviewWithdrawnFeedback(job, "review:31", "emptied", [comment], "octocat", "octocat")!);

  // Every name the app knows is built above, and nothing else is.
  const names = new Set(built.map((f) => f.metric));
  expect([...names].sort()).toEqual([...Object.values(METRICS), ...Object.values(BUILTIN_FEEDBACK)].sort());
  // Each metric's target is the id its level (the shipped config's, which METRIC_LEVELS mirrors) names.
  const cfg = await loadGatewayConfig();
  for (const f of built) {
    const level = f.metric === BUILTIN_FEEDBACK.demonstration ? "inference" : f.metric === BUILTIN_FEEDBACK.comment ? undefined : cfg.metrics[f.metric]?.level;
    if (level) expect([f.id, "inferenceId" in f.target ? "inference" : "episode"]).toEqual([f.id, level]);
    if (f.metric in METRIC_LEVELS) expect(METRIC_LEVELS[f.metric as keyof typeof METRIC_LEVELS]).toBe(cfg.metrics[f.metric]?.level);
  }
  expect(cfg.functions[FIX_FUNCTION]).toBeDefined();

  await recordFeedback({ store, clock }, job.id, built);
  const before = gw.fake.feedback.length;
  expect(await flushFeedback({ store, clock, logger: silentLogger(), model }, job.id)).toEqual({ sent: built.length, pending: 0, failed: 0, unknownTarget: 0 });
  expect(gw.fake.feedback.slice(before).map((f) => [f.metric, f.inferenceId ?? f.episodeId])).toEqual(built.map((f) => [f.metric, "inferenceId" in f.target ? f.target.inferenceId : f.target.episodeId]));
});
