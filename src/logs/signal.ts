import type { Classification, ErrorKind, FailedTest, SourceLocation } from "./types.js";

/** What one line says about the failure. `score` ranks it as evidence (0 = nothing, 10 = the error itself). */
export interface Signal {
  score: number;
  kind: ErrorKind;
  reason: string;
  category?: Classification;
  test?: FailedTest;
  location?: SourceLocation;
  /** Strong evidence that the job failed, even without an Actions `##[error]` marker (plain logs). */
  failure?: boolean;
  /** go: `test` is named by a package result line still to come (`goPackage`). */
  awaitsPackage?: boolean;
  /** go: a package's result line (`FAIL\tpkg\t0.1s`); the tests awaiting their package are this one's. */
  goPackage?: string;
}

export function signal(score: number, kind: ErrorKind, reason: string, extra: Partial<Signal> = {}): Signal {
  return { score, kind, reason, ...extra };
}

/** Keeps the stronger of two signals, carrying over a test name or location the winner lacks. */
export function stronger(a: Signal | null, b: Signal | null): Signal | null {
  if (!a) return b;
  if (!b) return a;
  const [win, lose] = b.score > a.score ? [b, a] : [a, b];
  return {
    ...win,
    test: win.test ?? lose.test,
    awaitsPackage: win.test ? win.awaitsPackage : lose.awaitsPackage,
    goPackage: win.goPackage ?? lose.goPackage,
    location: win.location ?? lose.location,
    category: win.category ?? lose.category,
    failure: win.failure || lose.failure,
  };
}
