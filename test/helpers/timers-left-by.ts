import { jest } from "@jest/globals";

/** The timers created while `run` runs that are still pending, and would hold the process, after it. */
export async function timersLeftBy(run: () => Promise<void>): Promise<number[]> {
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
