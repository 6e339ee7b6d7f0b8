import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { watchMemory, type MemoryLow } from "./watch-memory.js";

afterEach(() => {
  jest.useRealTimers();
});

/** Readings taken in turn (the last one repeated); every look is counted. */
function scripted(readings: (number | undefined | Error)[]) {
  let looks = 0;
  const availableBytes = async () => {
    const r = readings[Math.min(looks++, readings.length - 1)];
    if (r instanceof Error) throw r;
    return r;
  };
  return { looks: () => looks, availableBytes };
}

describe("watchMemory", () => {
  test("looks at once, then every interval, and reports once when available memory falls below the floor", async () => {
    jest.useFakeTimers();
    const { looks, availableBytes } = scripted([10_000, 10_000, 10_000, 500]);
    const lows: MemoryLow[] = [];
    const stop = watchMemory({ minAvailableBytes: 1_000, intervalMs: 1_000, availableBytes }, (l) => lows.push(l));
    await jest.advanceTimersByTimeAsync(0);
    expect(looks()).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(looks()).toBe(1);
    await jest.advanceTimersByTimeAsync(2_001);
    expect(lows).toEqual([{ availableBytes: 500, minAvailableBytes: 1_000 }]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(looks()).toBe(4);
    expect(lows).toHaveLength(1);
    stop();
  });

  test("a reading that cannot be taken, or fails, is skipped; the next one still counts", async () => {
    jest.useFakeTimers();
    const { looks, availableBytes } = scripted([undefined, new Error("EIO"), 10_000, 999]);
    const lows: MemoryLow[] = [];
    const stop = watchMemory({ minAvailableBytes: 1_000, intervalMs: 100, availableBytes }, (l) => lows.push(l));
    await jest.advanceTimersByTimeAsync(250);
    expect(looks()).toBe(3);
    expect(lows).toEqual([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(lows).toEqual([{ availableBytes: 999, minAvailableBytes: 1_000 }]);
    stop();
  });

  test("stopped, it looks no more and reports nothing", async () => {
    jest.useFakeTimers();
    const { looks, availableBytes } = scripted([10_000, 10_000, 0]);
    const lows: MemoryLow[] = [];
    const stop = watchMemory({ minAvailableBytes: 1_000, intervalMs: 100, availableBytes }, (l) => lows.push(l));
    await jest.advanceTimersByTimeAsync(150);
    stop();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(looks()).toBe(2);
    expect(lows).toEqual([]);
  });
});
