import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { Logger } from "../core/ports/index.js";
import type { DraftChangeTimelineEvent, GitHubClient, PrTimelineEvent } from "../core/ports/github-port.js";
import { draftChangeEventId } from "../feedback/pr-events.js";
import { recordDraftChange } from "../feedback/record-draft-change.js";
import { readPrTimeline } from "./read-pr-timeline.js";

/**
 * People's draft changes of fix PR `number` (marked ready for review, turned into a draft) as GitHub's timeline
 * has them, recorded as the pull_request webhook records them: their webhooks can be lost, and marking the PR
 * ready over a person's choice is what the recorded events exist to prevent. Left out, as the webhook handler
 * leaves them out: the app's own changes, and other apps' (`actor.type` Bot), which are no one's verdict.
 *
 * Ids: the webhook's is `draftChangeEventId` of the PR's `updated_at` in its payload, which the timeline does
 * not carry (its event has its own `created_at`, and the PR's `updated_at` moves on with every later change).
 * The same id is built from `created_at`: when GitHub stamped both alike, the late webhook is a duplicate by
 * id; when a moment apart, recordDraftChange takes it for the same change all the same (same kind, person and
 * moment), whichever of the two comes first.
 *
 * A timeline GitHub refuses (403: permission, 404) is not a reason to keep the PR a draft for good: nothing is
 * recorded, and why is logged and returned. One that may come back (outage, rate limit) throws, so the stage
 * is retried, as watch-pr's other GitHub reads are.
 */
export async function recordTimelineDraftChanges(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, gh: GitHubClient, number: number, log: Logger): Promise<{ unread?: string }> {
  const read = await readPrTimeline(gh, job.repo, number);
  if ("refused" in read) {
    const err = read.refused;
    const unread = `GitHub refused its timeline (${err.code}): people's draft changes whose webhooks were lost could not be checked`;
    log.warn({ err: { code: err.code, message: err.message } }, `marking PR #${number} ready for review: ${unread}`);
    return { unread };
  }
  await recordDraftChangesFrom(deps, job, number, read.events, new Date(deps.clock.now()).toISOString());
  return {};
}

/**
 * People's draft changes among `events`, PR `number`'s timeline already read (the parked-job reconciliation
 * reads it once for this and for who dismissed reviews), recorded as recordTimelineDraftChanges records them.
 * Those the job had not recorded yet, in the timeline's order.
 */
export async function recordDraftChangesFrom(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, number: number, events: readonly PrTimelineEvent[], at: string): Promise<DraftChangeTimelineEvent[]> {
  const app = deps.identity.logins();
  const peoples = events.filter((e): e is DraftChangeTimelineEvent => e.kind !== "review_dismissed" && e.byType !== "Bot" && !(e.by && app.has(e.by.toLowerCase())));
  const recorded: DraftChangeTimelineEvent[] = [];
  for (const e of peoples) {
    const ev = { id: draftChangeEventId(e.kind, number, e.at, e.at), kind: e.kind, ...(e.by ? { by: e.by } : {}), at, ghAt: e.at };
    if (await recordDraftChange(deps, job, ev, at)) recorded.push(e);
  }
  return recorded;
}
