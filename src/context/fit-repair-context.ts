import type { FailureContext } from "../core/failure-context.js";

export type PreviousAttempt = NonNullable<FailureContext["previous_attempt"]>;

/**
 * The context of a repair attempt: the job's context (sized to the budget by build-context) with the failed
 * attempt added, fitted back into `budgetTokens` as counted by `countTokens` (the budget's own tokenizer).
 * The attempt's outcome and patch are what a repair is for, so room is made in the base first, least
 * useful part first (the reverse of CONTEXT_PRIORITY), with the fix run's excerpts ranked among them:
 * beyond its last one they count for less than the source snippets; that last one (where the new failure
 * is) for more than anything but the first run's own excerpts. The patch is cut in the middle only when
 * nothing else is left. Each cut is named in `budget.dropped`.
 */
export function fitRepairContext(base: FailureContext, previous: PreviousAttempt, budgetTokens: number, countTokens: (text: string) => number): FailureContext {
  const ctx: FailureContext = structuredClone(base);
  ctx.previous_attempt = structuredClone(previous);
  const dropped = [...base.budget.dropped];
  // Measured with `used` at the budget: the real figure, written last, has no more digits than that.
  ctx.budget = { tokens: budgetTokens, used: budgetTokens, dropped };
  const size = () => countTokens(JSON.stringify(ctx));
  const fits = () => size() <= budgetTokens;
  const prev = ctx.previous_attempt;

  /** Keeps as many items as fit (at least `min`), from the head or the tail; returns whether it now fits. */
  const trim = <T>(name: string, get: () => T[] | undefined, set: (v: T[]) => void, keep: "head" | "tail", min = 0): boolean => {
    const items = get();
    if (fits() || !items || items.length <= min) return fits();
    const take = (k: number) => (keep === "head" ? items.slice(0, k) : items.slice(items.length - k));
    let lo = min;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      set(take(mid));
      if (fits()) lo = mid;
      else hi = mid - 1;
    }
    set(take(lo));
    dropped.push(`${name} (${lo === 0 ? `all ${items.length}` : `${items.length - lo} of ${items.length}`}, to make room for the previous attempt)`);
    return fits();
  };

  const steps: Array<() => boolean> = [
    () => trim("test_config", () => ctx.test_config, (v) => (ctx.test_config = v), "head"),
    () => trim("languages", () => ctx.languages, (v) => (ctx.languages = v), "head"),
    () => trim("manifests", () => ctx.manifests, (v) => (ctx.manifests = v), "head"),
    () => {
      if (ctx.head_commit_diff === undefined) return fits();
      delete ctx.head_commit_diff;
      dropped.push("head_commit_diff (to make room for the previous attempt)");
      return fits();
    },
    () => trim("annotations", () => ctx.annotations, (v) => (ctx.annotations = v), "head"),
    // Log order: the failure is at the end, so the fix run's excerpts are kept from the tail.
    () => trim("previous_attempt.excerpts", () => prev.excerpts, (v) => (prev.excerpts = v), "tail", 1),
    () => trim("snippets", () => ctx.snippets, (v) => (ctx.snippets = v), "head"),
    () => trim("locations", () => ctx.locations, (v) => (ctx.locations = v), "head"),
    () => trim("failed_tests", () => ctx.failed_tests, (v) => (ctx.failed_tests = v), "head"),
    () => trim("previous_attempt.excerpts", () => prev.excerpts, (v) => (prev.excerpts = v), "tail"),
    () => trim("excerpts", () => ctx.excerpts, (v) => (ctx.excerpts = v), "tail"),
    () => cutPatch(prev, fits, dropped),
  ];
  for (const step of steps) if (fits() || step()) break;

  if (!ctx.test_config?.length) delete ctx.test_config;
  if (!ctx.annotations?.length) delete ctx.annotations;
  if (!prev.excerpts?.length) delete prev.excerpts;
  ctx.budget.used = size();
  return ctx;
}

/** The patch's first and last lines, as many as fit, around a marker saying how many were cut. */
function cutPatch(prev: PreviousAttempt, fits: () => boolean, dropped: string[]): boolean {
  const lines = prev.patch.split("\n");
  const cut = (keep: number) => {
    const head = Math.ceil(keep / 3);
    return [...lines.slice(0, head), `[... ${lines.length - keep} lines of the previous patch cut to fit the context budget ...]`, ...lines.slice(lines.length - (keep - head))].join("\n");
  };
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    prev.patch = cut(mid);
    if (fits()) lo = mid;
    else hi = mid - 1;
  }
  prev.patch = cut(lo);
  dropped.push(`previous_attempt.patch (cut to ${lo} of ${lines.length} lines)`);
  return fits();
}
