import { isInstallationRefusal } from "../adapters/github/installation-refusal.js";
import { toAppError, type AppError } from "../core/errors.js";
import type { JobRepo } from "../core/job.js";
import type { GitHubClient, PrTimelineEvent } from "../core/ports/github-port.js";

/**
 * PR `number`'s timeline, or GitHub's refusal of it (403: permission; 404) for the caller to fall back on: what
 * the timeline adds (who dismissed a review, people's draft changes whose webhooks were lost) is not worth
 * stopping for for good. A failure that may pass (outage, rate limit) throws, for the caller's retry, and so
 * does an installation GitHub refuses a token for, which the installation events handle.
 */
export async function readPrTimeline(gh: GitHubClient, repo: JobRepo, number: number): Promise<{ events: PrTimelineEvent[] } | { refused: AppError }> {
  try {
    return { events: await gh.listPrTimeline(repo, number) };
  } catch (raw) {
    const err = toAppError(raw);
    if (err.retryable || isInstallationRefusal(err)) throw err;
    return { refused: err };
  }
}
