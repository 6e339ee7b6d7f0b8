import { toAppError } from "../../core/errors.js";
import type { Stage } from "../stage.js";
import { openPullRequest } from "./open-pull-request.js";
import { keepPatchOnBranch, OPEN_PULL_REQUEST, type OpenPullRequestResult, prRecordOf, repairProposalCommitted } from "./open-pull-request-result.js";
import { keepRefusedPatchRedacted, refusalOf } from "./refused-patch-at-rest.js";
import type { RepairFn } from "./watch-pr.js";

/**
 * A repair attempt after CI failed on the fix branch, in the job's own episode: the same stages as the
 * first attempt (proposed from the attempt's own context, which carries `previous_attempt`: see watch-pr),
 * then the same branch and PR move forward.
 * A patch that does not validate ends the attempt with the reason; the PR stays as it was.
 */
export function createRepairFix(propose: Stage, validate: Stage): RepairFn {
  return async (job, deps, ctx) => {
    // Retried after this attempt committed its validated proposal (the branch move or the PR update after it
    // failed): that commit is finished, not answered again. A new answer would be committed on top of it,
    // and the commit's CI, already running, would be the verdict of an inference no record names any more.
    const open = prRecordOf(job);
    if (!open || !repairProposalCommitted(job, open)) {
      const p = await propose.run(job, deps, ctx);
      job = await deps.store.updateJob(job.id, (j) => {
        keepPatchOnBranch(j);
        j.results[propose.name] = p.result;
      });
      try {
        const v = await validate.run(job, deps, ctx);
        job = await deps.store.updateJob(job.id, (j) => void (j.results[validate.name] = v.result));
      } catch (raw) {
        const err = toAppError(raw);
        if (err.retryable) throw err;
        // The PR keeps its own patch (keepPatchOnBranch): the refused one stays on the job only to be read.
        const refusal = refusalOf(err);
        const inferenceId = (p.result as { inferenceId?: unknown } | undefined)?.inferenceId;
        if (refusal && typeof inferenceId === "string") await keepRefusedPatchRedacted(deps, job.id, inferenceId, refusal);
        return { ok: false, reason: `${err.code}: ${err.message}` };
      }
    }
    const o = await openPullRequest(job, deps, ctx);
    await deps.store.updateJob(job.id, (j) => void (j.results[OPEN_PULL_REQUEST] = o.result));
    // People closed or merged the PR while the attempt was proposed and validated: publishFix commits nothing
    // onto a PR that is theirs, and open-pull-request recorded the close, which watch-pr takes next.
    const pr = (o.result as Partial<OpenPullRequestResult>).pr;
    if (pr?.state === "closed") return { ok: false, closed: true, reason: `PR #${pr.number} was closed or merged while the attempt was being prepared` };
    return { ok: true };
  };
}
