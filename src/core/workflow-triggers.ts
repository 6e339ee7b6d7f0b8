type Obj = Record<string, unknown>;

/** `on: push`, `on: [push, pull_request]` and `on: {push: …}` all name their events. */
export function triggersOf(on: unknown): Obj | undefined {
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.filter((e): e is string => typeof e === "string").map((e) => [e, null]));
  return on && typeof on === "object" && !Array.isArray(on) ? (on as Obj) : undefined;
}
