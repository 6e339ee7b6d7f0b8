import { describe, expect, test } from "@jest/globals";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { createLocalWritePacer, openWritePacer } from "./write-pacer.js";

describe("local write pacer (no Redis)", () => {
  test("spaces one installation's writes by minIntervalMs, in arrival order, and leaves others alone", async () => {
    const clock = new FakeClock();
    const pacer = createLocalWritePacer({ minIntervalMs: 1000, clock });
    const t0 = clock.now();
    const done: Array<[string, number]> = [];
    const go = (name: string, inst: number) => pacer.acquire(inst).then(() => void done.push([name, clock.now() - t0]));
    const all = Promise.all([go("a", 1), go("b", 1), go("c", 1), go("x", 2)]);
    await clock.advance(2500);
    await all;
    expect(done).toEqual([["a", 0], ["x", 0], ["b", 1000], ["c", 2000]]);
  });

  test("an aborted wait rejects; a zero interval never waits; without REDIS_URL openWritePacer is local", async () => {
    const clock = new FakeClock();
    const { pacer, close } = await openWritePacer({}, { minIntervalMs: 500, clock });
    await pacer.acquire(3);
    const ac = new AbortController();
    const waiting = pacer.acquire(3, ac.signal);
    ac.abort(new Error("shutting down"));
    await expect(waiting).rejects.toThrow("shutting down");
    expect(await createLocalWritePacer({ minIntervalMs: 0, clock }).acquire(3)).toBe(0);
    await close();
  });
});
