import type { Handler } from "./decision.js";
import { parsePayload, pullRequestEventSchema } from "./payload-schemas.js";

/**
 * `pull_request` and `pull_request_review` deliveries. Today they are only recorded (`event_routed`);
 * this is the hook the PR/feedback work fills in: find the job whose fix branch this is, record the
 * outcome (merged, closed, review state) as feedback, and resume the parked job (`resumeJob` in
 * src/pipeline/job-control.ts) after the delivery is recorded. It must stay fast and make no GitHub calls.
 */
export const onPullRequest: Handler = async (payload, meta) => {
  const p = parsePayload(pullRequestEventSchema, payload, meta.event);
  const pr = p.pull_request;
  const what = p.review ? `review ${p.review.state}` : pr.merged ? "merged" : (p.action ?? "");
  return {
    repoFullName: p.repository.full_name,
    installationId: p.installation?.id,
    outcome: "event_routed",
    reason: `${meta.event}.${p.action} on #${pr.number} (${pr.head.ref}, ${what}); recorded for the PR-outcome work`,
  };
};
