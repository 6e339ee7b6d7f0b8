import type { Deps } from "../../core/deps.js";
import { type AppError, permanent } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { lastOpenOrClose, prEventsOf } from "../../feedback/pr-events.js";
import { prRecordOf } from "./open-pull-request-result.js";

/**
 * A repository's jobs parked on a fix PR that the noise guards read: more than the listing's default page
 * (50), which a busy repository passes, and a guard that misses one opens a second PR for one breakage.
 */
export const PARKED_JOBS_LIMIT = 1_000;

/** The code of a fix held back because the repository has MAX_OPEN_FIX_PRS_PER_REPO of the bot's PRs open. */
export const OPEN_FIX_PRS_CAPPED = "open_fix_prs_capped";

/**
 * Fails the job (permanent, so `jobs retry` can open its PR later) when the repository already has
 * MAX_OPEN_FIX_PRS_PER_REPO fix PRs of the bot open (openFixPrCap).
 */
export async function checkOpenFixPrCap(job: Job, deps: Pick<Deps, "store" | "config">): Promise<void> {
  const capped = await openFixPrCap(job, deps);
  if (capped) throw capped;
}

/**
 * The error a new fix PR is refused with when the repository already has MAX_OPEN_FIX_PRS_PER_REPO fix PRs of
 * the bot open, else undefined: the real run throws it, a dry run says it. Counted from the jobs parked on
 * their own open PR: the store knows them without a GitHub request, and a PR people closed is one no webhook
 * has left open.
 */
export async function openFixPrCap(job: Job, deps: Pick<Deps, "store" | "config">): Promise<AppError | undefined> {
  const max = deps.config.MAX_OPEN_FIX_PRS_PER_REPO;
  if (max === 0) return undefined;
  // By id, not name: the PRs opened before a rename or transfer are still open on it.
  const parked = await deps.store.listJobs({ state: "pr", repoId: job.repo.id, limit: PARKED_JOBS_LIMIT });
  const open = parked.flatMap((other) => {
    const r = other.id === job.id ? undefined : prRecordOf(other);
    if (!r?.pr || r.sharedWithJob || r.pr.state !== "open" || lastOpenOrClose(prEventsOf(other))?.kind === "closed") return [];
    return [r.pr.number];
  });
  if (open.length < max) return undefined;
  const list = open.sort((a, b) => a - b).map((n) => `#${n}`).join(", ");
  return permanent(
    OPEN_FIX_PRS_CAPPED,
    `${job.repo.fullName} already has ${open.length} open fix PRs of the bot (${list}), and MAX_OPEN_FIX_PRS_PER_REPO=${max}: no PR was opened for this failure, so as not to flood the repository. Merge or close some of them, then run \`t0-ci-bot jobs retry ${job.id}\` to open this fix (or raise MAX_OPEN_FIX_PRS_PER_REPO).`,
    { open, max },
  );
}
