/** The run conclusions that make jobs (a failed run to repair); each is its own failure fingerprint. */
export const FAILING: ReadonlySet<string> = new Set(["failure", "timed_out"]);

/**
 * A run cancelled (by a person, or superseded in its concurrency group), skipped, neutral, stale or waiting for
 * approval says nothing of a fix: taken for red, it started a repair round and told the model the fix failed.
 */
export function isVerdict(conclusion: string | null | undefined): boolean {
  return conclusion === "success" || (!!conclusion && FAILING.has(conclusion));
}
