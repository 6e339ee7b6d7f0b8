import type { Job } from "../../core/job.js";
import type { SiblingFix } from "./open-sibling-fix.js";
import { RERUN_FLAKY, type RerunFlakyResult } from "./rerun-flaky-result.js";

/**
 * What a dry run cannot know without writing, said beside what it would write: GitHub's answer to the
 * writes themselves (permissions, branch rules), the labels, a fix already on an existing branch (a tree
 * made on GitHub would tell), a comment people deleted, the outcome of a re-run the real run waits for
 * first, and other jobs deciding at the same moment.
 */
export function notCheckedWithoutWriting(
  job: Job,
  branch: string,
  files: Array<{ path: string }>,
  o: { sibling?: SiblingFix; found?: { number: number }; existing?: string; labels: string[]; commentedByOthers: number[]; canRead: boolean },
): string[] {
  const out = [
    o.sibling || o.found
      ? `whether GitHub accepts the push onto ${branch}: the app's permission to push to ${job.repo.fullName}, branch protection or rulesets on ${branch}`
      : `whether GitHub accepts the writes: the app's permission to push to ${job.repo.fullName} and open PRs there, branch protection or rulesets on ${branch}, ${job.run.headBranch} still there to open the PR against`,
  ];
  if (files.some((f) => /^\.github\/workflows\//i.test(f.path))) out.push("the workflows: write permission GitHub asks of a commit that changes .github/workflows/**");
  if (o.labels.length) out.push(`whether GitHub accepts the labels ${o.labels.join(", ")} (refused, the PR is opened without them)`);
  if (o.existing && !o.sibling) out.push(`whether this fix is on ${branch} already (then no new commit is made)`);
  const shared = job.run.pullRequests.filter((n) => o.commentedByOthers.includes(n));
  if (shared.length) out.push(`whether the bot's comment on ${shared.map((n) => `#${n}`).join(", ")} is still there (deleted by people, it is not posted again)`);
  const rerun = job.results[RERUN_FLAKY] as RerunFlakyResult | undefined;
  if (rerun?.rerun && rerun.awaitingAttempt) {
    out.push(`the re-run the real run waits for first (rerun_flaky): re-run attempt ${rerun.awaitingAttempt} of run ${job.run.id} may pass, and the job end there without a patch; the dry run went on as if it failed again`);
  }
  out.push(`other jobs of ${job.repo.fullName} deciding their fix PR at the same moment: the real run holds the repository's fix-PR lock; the dry run read what they had recorded`);
  if (!o.canRead) out.push(`${branch} and its PR on GitHub: this build's GitHub adapter has no write side to read them through, and the real run would stop with github_read_only`);
  return out;
}
