/**
 * Polls `cond` until it holds (a truthy value, returned) or `ms` have passed, then throws naming `what`.
 *
 * For a state a test cannot be told about by an event (a killed process gone from /proc, a file written by
 * a background loop). It returns as soon as the condition holds, so the generous default costs a passing
 * test nothing, while a CI machine slowed 25-50x by other work still gets there: a fixed short sleep
 * before an assertion, or a loop of 100 x 5 ms, fails there although nothing is wrong.
 */
export async function eventually<T>(what: string, cond: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
