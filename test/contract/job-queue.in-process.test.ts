import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { silentLogger } from "../../src/core/logger.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { jobQueueContract } from "./job-queue.contract.js";

jobQueueContract("in-process", async ({ concurrency, perRepo }) => {
  const clock = new FakeClock();
  const queue = new InProcessQueue({ concurrency, perRepo, clock, logger: silentLogger() });
  return {
    queue,
    advance: async (ms) => {
      await clock.advance(ms);
      await new Promise((r) => setTimeout(r, 1));
    },
    now: () => clock.now(),
  };
});
