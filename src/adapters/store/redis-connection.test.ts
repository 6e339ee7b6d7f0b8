import { expect, jest, test } from "@jest/globals";
import { Redis } from "ioredis";
import { redisUrlIfAvailable } from "../../../test/helpers/redis-env.js";
import { closeRedis } from "./redis-connection.js";

const url = await redisUrlIfAvailable();

/** The timers created while `run` runs that are still pending, and would hold the process, after it. */
async function timersLeftBy(run: () => Promise<void>): Promise<number[]> {
  const pending = new Map<NodeJS.Timeout, number>();
  const [set, clear] = [globalThis.setTimeout, globalThis.clearTimeout];
  const spy = jest.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
    const t: NodeJS.Timeout = set(() => (pending.delete(t), fn()), ms);
    pending.set(t, ms ?? 0);
    return t;
  }) as typeof setTimeout);
  const spyClear = jest.spyOn(globalThis, "clearTimeout").mockImplementation(((t: NodeJS.Timeout) => (pending.delete(t), clear(t))) as typeof clearTimeout);
  try {
    await run();
    // What the closed socket's callbacks do, they do on the turns after it closed.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    return [...pending].filter(([t]) => t.hasRef()).map(([, ms]) => ms);
  } finally {
    spy.mockRestore();
    spyClear.mockRestore();
    for (const t of pending.keys()) clear(t);
  }
}

/**
 * ioredis, closed while connected but before its ready check answered (a stop right after a start), failed
 * that check on the closed socket and closed it again behind a 2 s timer that nothing cleared: the process
 * (jest: "did not exit one second after the test run") stayed 2 s after everything was closed.
 */
(url ? test : test.skip)("a client closed during its ready check leaves no timer holding the process", async () => {
  const left = await timersLeftBy(async () => {
    const redis = new Redis(url!);
    redis.on("error", () => undefined);
    await new Promise((r) => redis.once("connect", r));
    expect(redis.status).toBe("connect");
    const ended = new Promise((r) => redis.once("end", r));
    await closeRedis(redis);
    await ended;
  });
  expect(left).toEqual([]);
});
