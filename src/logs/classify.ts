import type { Classification, LogStatus } from "./types.js";

export interface CategoryHit {
  line: number;
  category: Classification;
  score: number;
}

const PRECEDENCE: Classification[] = ["infra", "dependency", "compile", "lint", "test"];

/**
 * Picks the failure class from weighted evidence. Evidence inside the failing step counts fully, the
 * rest a little (earlier steps passed, post steps are cleanup). A test failure that mentions timeouts,
 * races or refused connections is reported as flaky-suspect, because a retry may pass.
 */
export function classify(
  status: LogStatus,
  hits: CategoryHit[],
  inFailingStep: (line: number) => boolean,
  flakyHints: number,
): Classification {
  if (status === "passed") return "unknown";
  const weight = new Map<Classification, number>();
  for (const h of hits) {
    const w = h.score * (inFailingStep(h.line) ? 1 : 0.25);
    weight.set(h.category, (weight.get(h.category) ?? 0) + w);
  }
  let best: Classification = "unknown";
  let bestW = 0;
  for (const c of PRECEDENCE) {
    // Compiler, dependency and infra errors explain the test failures they cause, so they win ties and
    // need less total weight than a list of failing tests.
    const w = (weight.get(c) ?? 0) * (c === "test" || c === "lint" ? 1 : 1.5);
    if (w > bestW) {
      best = c;
      bestW = w;
    }
  }
  if (best === "test" && flakyHints > 0) return "flaky-suspect";
  return best;
}

export const FLAKY_HINT = /\btimed? ?out\b|\btimeout\b|deadline exceeded|DATA RACE|race detected|\bflaky\b|intermittent|ECONNREFUSED|Address already in use|socket hang up|ECONNRESET/i;
