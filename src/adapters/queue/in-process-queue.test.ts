import { expect, test } from "@jest/globals";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { silentLogger } from "../../core/logger.js";
import type { QueueHandler } from "../../core/ports/job-queue.js";
import { InProcessQueue } from "./in-process-queue.js";

test.each([
  ["an async handler that rejects", (async () => {
    throw new Error("boom");
  }) as QueueHandler],
  ["a handler that throws before returning its promise", (() => {
    throw new Error("boom");
  }) as QueueHandler],
])("%s does not hold its concurrency slot for ever", async (_name, failing) => {
  const clock = new FakeClock();
  const q = new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger: silentLogger() });
  const ran: string[] = [];
  await q.enqueue({ jobId: "bad", installationId: 1, repo: "o/a" });
  for (let i = 0; i < 3; i++) await q.enqueue({ jobId: `ok${i}`, installationId: 2, repo: `o/b${i}` });
  await q.start((i) => (ran.push(i.jobId), i.jobId === "bad" ? failing(i) : Promise.resolve()));
  await clock.advance(100);
  expect(ran).toEqual(["bad", "ok0", "ok1", "ok2"]);
  expect(await q.stats()).toEqual({ waiting: 0, active: 0, delayed: 0 });
});
