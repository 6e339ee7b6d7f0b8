import { describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import { gatewayError } from "../adapters/tensorzero/gateway-errors.js";
import { silentLogger } from "../core/logger.js";
import type { FeedbackRequest } from "../core/ports/model-port.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { flushFeedback, recordFeedback } from "./outbox.js";
import { feedbackRetriedMessage, retryFeedback } from "./retry-feedback.js";

const item = (id: string, metric = "pr_merged") => ({ id, metric, value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" } });

describe("retryFeedback (operator's send now)", () => {
  test("a backed-off item is due at once, its backoff started over; sent and refused items are left as they are", async () => {
    const store = new MemoryJobStore();
    const clock = new FakeClock();
    let failing = true;
    const sent: string[] = [];
    const model = {
      proposePatch: async () => { throw new Error("unused"); },
      status: async () => ({ status: "ok" }),
      feedback: async (r: FeedbackRequest) => {
        if (r.metric === "comment") throw gatewayError(400, "Demonstration does not fit", { path: "/feedback" });
        if (failing && r.metric === "pr_merged") throw gatewayError(500, "ClickHouse rejected the row", { path: "/feedback" });
        sent.push(r.metric);
        return { feedbackId: "x" };
      },
    };
    const deps = { store, clock, logger: silentLogger(), model };
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    await recordFeedback(deps, job.id, [item("a"), item("b", "comment"), item("c", "patch_applied")]);
    await flushFeedback(deps, job.id);
    for (const wait of [60_000, 120_000]) {
      await clock.advance(wait);
      await flushFeedback(deps, job.id);
    }
    expect((await store.getJob(job.id))!.feedback[0]).toMatchObject({ status: "pending", backoffs: 3, nextAttemptAt: new Date(clock.now() + 4 * 60_000).toISOString() });
    failing = false; // the operator fixed what the gateway failed on
    expect(await flushFeedback(deps, job.id)).toMatchObject({ sent: 0, pending: 1 });

    const { due } = await retryFeedback(deps, job.id);
    expect(due).toBe(1);
    const [a, b, c] = (await store.getJob(job.id))!.feedback;
    expect(a!.nextAttemptAt).toBeUndefined();
    expect(a!.backoffs).toBeUndefined();
    expect([a!.status, b!.status, c!.status]).toEqual(["pending", "failed", "sent"]);
    expect(await flushFeedback(deps, job.id)).toMatchObject({ sent: 1, pending: 0 });
    expect(sent).toEqual(["patch_applied", "pr_merged"]);

    await expect(retryFeedback(deps, job.id)).rejects.toMatchObject({ code: "no_pending_feedback", message: expect.stringMatching(/no feedback waiting to be sent/) });
    await expect(retryFeedback(deps, "nope")).rejects.toMatchObject({ code: "job_not_found" });
  });

  test("the message says where the items go from", () => {
    expect(feedbackRetriedMessage("j1", 1, "server")).toBe("job j1: 1 pending feedback item due again; the outbox sends it at its next sweep (within a minute where jobs run)");
    expect(feedbackRetriedMessage("j1", 2, "store")).toBe("job j1: 2 pending feedback items due again; the outbox sends them at its next sweep, once a server or worker runs jobs on this store");
  });
});
