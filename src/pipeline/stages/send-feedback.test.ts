import { expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import { AppError } from "../../core/errors.js";
import type { Deps } from "../../core/deps.js";
import { silentLogger } from "../../core/logger.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { gatewayError } from "../../adapters/tensorzero/gateway-errors.js";
import { flushFeedback, recordFeedback } from "../../feedback/outbox.js";
import { sendFeedbackStage } from "./send-feedback.js";

async function stageFailure(answer: AppError) {
  const store = new MemoryJobStore();
  const clock = new FakeClock();
  const job = makeJob();
  await store.recordIntake(makeDelivery(job), "{}", job);
  const deps = { store, clock, logger: silentLogger(), model: { feedback: async () => Promise.reject(answer) } } as unknown as Deps;
  await recordFeedback(deps, job.id, [{ id: "merged", metric: "fix_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" } }]);
  return sendFeedbackStage.run(job, deps, { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

test("a gateway that is down is waited for (model_unavailable: no retry budget spent)", async () => {
  expect(await stageFailure(new AppError("model_network", "Cannot reach TensorZero", { retryable: true }))).toMatchObject({ code: "model_unavailable", retryable: true });
});

test("a gateway that answers but has no record of the target is an ordinary retry, not an outage waited on for WAIT_MAX_HOURS", async () => {
  expect(await stageFailure(new AppError("feedback_target_missing", "TensorZero has no record of episode …", { retryable: true }))).toMatchObject({
    code: "feedback_target_missing",
    retryable: true,
    message: "TensorZero has no record yet of what 1 feedback item(s) are about; they are sent again, up to 10 times each.",
  });
});

test("a refused API key is waited on like an outage, with the reason a person must act on", async () => {
  const err = await stageFailure(gatewayError(401, "TensorZero authentication error: Error performing authentication: Provided API key does not exist in the database", { path: "/feedback" }));
  expect(err).toMatchObject({ code: "model_unavailable", retryable: true, message: expect.stringMatching(/Last error: model_auth: .*TENSORZERO_API_KEY/) });
});

// The sweep and the job's own stage flush one outbox at once. An item the other sent after this flush read
// the job is done, not "could not reach TensorZero": counted pending, the job waited and backed off for nothing.
test("items another flush sent meanwhile are not pending: the stage completes", async () => {
  const store = new MemoryJobStore();
  const clock = new FakeClock();
  const job = makeJob();
  await store.recordIntake(makeDelivery(job), "{}", job);
  const sent: string[] = [];
  let other: Promise<unknown> | undefined;
  const deps = {
    store,
    clock,
    logger: silentLogger(),
    model: {
      feedback: async (r: { metric: string; tags?: Record<string, string> }) => {
        sent.push(r.tags!["outbox_item_id"]!);
        // While the stage's first send is out, the sweep runs over the same outbox.
        if (sent.length === 1) await (other = flushFeedback(deps, job.id));
        return { feedbackId: "x" };
      },
    },
  } as unknown as Deps;
  await recordFeedback(deps, job.id, [
    { id: "merged", metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" } },
    { id: "ci", metric: "ci_passed_on_fix_branch", value: true, target: { inferenceId: "0192f5a0-0000-7000-8000-000000000002" } },
  ]);
  const out = await sendFeedbackStage.run(job, deps, { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 });
  expect(await other).toMatchObject({ sent: 1, pending: 1 });
  expect(out.result).toMatchObject({ sent: 1, failed: 0, total: 2 });
  expect(sent).toEqual(["merged", "ci"]);
});

// The item is not sent before its nextAttemptAt: waking the job sooner only runs a flush that sends nothing.
test("items backed off after the gateway failed them: the job waits until the first is due", async () => {
  const err = (await stageFailure(gatewayError(502, "All variants failed", { path: "/feedback" }))) as AppError;
  expect(err).toMatchObject({ code: "model_unavailable", retryable: true, retryAfterMs: 60_000, message: expect.stringMatching(/Last error: model_gateway_error/) });
  // Not backed off (a refused key): no wait beyond the runner's own.
  expect(((await stageFailure(gatewayError(401, "API key expired", { path: "/feedback" }))) as AppError).retryAfterMs).toBeUndefined();
});
