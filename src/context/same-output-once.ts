import type { ContextExcerpt } from "../core/failure-context.js";

/**
 * A matrix failing one way (the same test on each OS and version) prints the same output in each job: it
 * goes to the model once, named after the first job and how many others printed it, not once per job,
 * which would spend the excerpt budget on copies and crowd out the rest. Timings and path separators
 * differ between runners, so they do not make two outputs different.
 */
export function sameOutputOnce(excerpts: ContextExcerpt[]): ContextExcerpt[] {
  const key = (e: ContextExcerpt) => `${e.reason}\n${e.text.replace(/\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds)\b/g, "#").replaceAll("\\", "/")}`;
  const first = new Map<string, { excerpt: ContextExcerpt; jobs: Set<string> }>();
  for (const e of excerpts) {
    const seen = first.get(key(e));
    if (seen) seen.jobs.add(e.job);
    else first.set(key(e), { excerpt: e, jobs: new Set([e.job]) });
  }
  return [...first.values()].map(({ excerpt, jobs }) => (jobs.size > 1 ? { ...excerpt, job: `${excerpt.job} (the same in ${jobs.size - 1} other failed job${jobs.size > 2 ? "s" : ""})` } : excerpt));
}
