import { permanent, toAppError } from "../core/errors.js";
import type { JobRepo } from "../core/job.js";
import type { FileChange, GitHubWriteClient, PullRequestRef } from "../core/ports/github-port.js";
import { editedByPeople, markPrText } from "./pr-text-mark.js";

/** The branch's head is not one of `ownHeads`: the bot commits nothing over it. */
export const FIX_BRANCH_MOVED = "fix_branch_moved";

export interface PublishInput {
  repo: JobRepo;
  branch: string;
  /** Commit the fix branch starts from when it does not exist yet (the failing head sha). */
  baseSha: string;
  /** Commits the bot pushed to the branch (a repair attempt): any other head is people's work. */
  ownHeads?: string[];
  /** The commit CI failed on (a repair): the same tree again would be a "new attempt" with nothing new. */
  ciFailedOn?: string;
  /**
   * Called with a new commit before the branch is moved to it, so a retry knows that head as the bot's own:
   * the move can land at GitHub and its answer still be lost (a 502, a timeout), or a later step can fail.
   */
  onCommit?: (sha: string) => Promise<void>;
  /**
   * `baseSha` is a later commit of the failing branch than the one the existing fix branch was made from, and
   * the fix was validated on it: the new commit is that commit's tree plus `files`, with the branch's head
   * and `baseSha` as parents (a merge). The branch moves forward, never forced: a push people make meanwhile
   * makes the move fail rather than be lost, and GitHub's diff of the PR against the failing branch is this
   * fix alone. The earlier fix's content is replaced, not kept on top: it was made for the older commit.
   */
  bringToBase?: boolean;
  /**
   * This fix's commits an earlier try already made (noted by `onCommit`): a branch at one of them has it.
   * With `bringToBase` the tree alone cannot tell (the earlier fix's tree may equal the new one).
   */
  landed?: string[];
  /** Branch the PR targets (the failing branch). */
  baseBranch: string;
  files: FileChange[];
  message: string;
  title: string;
  body: string;
  labels: string[];
  /**
   * The caller has no record of the PR a retry may find (this job's first attempt, resumed after a crash):
   * it may have died between opening the PR and labelling it, so a PR found is labelled too. GitHub adds a
   * label once, so labelling again is harmless; later attempts leave the labels people may have changed.
   */
  labelFound?: boolean;
  /**
   * Open PRs of the failing run: each has one comment of the bot's (its marker per PR, whatever the job),
   * created or edited in place to list this fix beside the ones other jobs added for that PR's other runs.
   */
  commentOn: number[];
  commentMarker: (onPr: number) => string;
  /** The comment on PR `onPr` with this fix in it, made from its current text (undefined: none yet). */
  commentBody: (fix: PullRequestRef, onPr: number, current: string | undefined) => string;
  /** Marker of an earlier form of that comment, edited into it rather than a second comment posted. */
  commentAdopts?: string;
  /**
   * PRs whose comment an earlier attempt of this job wrote: it is edited in place, and not posted again by
   * this job when people deleted it (as labels people removed are not added again).
   */
  commentedBefore?: number[];
  /**
   * PRs whose comment another job of the repository wrote (the PR's earlier failed runs): edited in place
   * when it is still there. Gone, people deleted it: their "not here" holds for the PR's later failures too,
   * and it is not posted again.
   */
  commentedByOthers?: number[];
}

export interface PublishResult {
  branch: string;
  commitSha: string;
  verified: boolean;
  /** False when a retried stage found its own commit already on the branch. */
  newCommit: boolean;
  createdBranch: boolean;
  pr: PullRequestRef;
  createdPr: boolean;
  commentedOn: number[];
  /** PRs of `commentOn` whose comment the bot wrote before and people deleted: not posted again. */
  commentRemovedOn?: number[];
  /** PRs whose comment other writers kept rewriting: it may lack this fix (see UpsertedComment.unsettled). */
  commentUnsettledOn?: number[];
  /** People edited the PR's title or body since the bot wrote them: they were left as they are. */
  textKept?: boolean;
  /** Why the labels could not be added (the PR is open without them), when GitHub refused them. */
  labelsRefused?: string;
}

/**
 * Branch → verified commit → draft PR → label → comment, idempotently: a retry (or a second repair
 * attempt) finds the branch and the PR and moves them forward instead of making new ones. The tree is
 * built with inline contents on the branch's current tree, so n files cost one tree call, not n blobs.
 */
export async function publishFix(w: GitHubWriteClient, input: PublishInput): Promise<PublishResult> {
  const { repo, branch } = input;
  const start = await readPublishStart(w, input);
  if (start.kind === "closed") {
    const found = start.pr;
    return { branch, commitSha: found.headSha, verified: true, newCommit: false, createdBranch: false, pr: found, createdPr: false, commentedOn: [] };
  }
  const { found, existing } = start;
  const parent = existing ?? input.baseSha;
  const landed = !!existing && !!input.landed?.includes(existing);
  const merge = !!input.bringToBase && !!existing && !landed && existing !== input.baseSha;
  const baseTree = await w.getCommitTree(repo, merge ? input.baseSha : parent);
  const tree = landed ? baseTree : await w.createTree(repo, baseTree, input.files);

  let commitSha = parent;
  let verified = true;
  let newCommit = false;
  let createdBranch = false;
  if (input.ciFailedOn && existing === input.ciFailedOn && tree === baseTree) {
    throw permanent("repair_unchanged", `The repair attempt proposed the same files as commit ${existing.slice(0, 7)}, which CI already failed on; nothing new was pushed.`);
  }
  // Same tree as the branch head: this exact fix is already committed (a retry after a crash). A merge is
  // new whatever its tree: it brings the branch to the later commit.
  if (merge || !(existing && tree === baseTree)) {
    const c = await w.createCommit(repo, { message: input.message, tree, parents: merge ? [parent, input.baseSha] : [parent] });
    commitSha = c.sha;
    verified = c.verified;
    newCommit = true;
    await input.onCommit?.(commitSha);
  }
  if (!existing) {
    createdBranch = await w.createBranch(repo, branch, commitSha);
    // Lost a race with another worker: move it forward (fails loudly if that is not a fast-forward).
    if (!createdBranch) await w.updateBranch(repo, branch, commitSha);
  } else if (newCommit) {
    await w.updateBranch(repo, branch, commitSha).catch(async (raw: unknown) => {
      // People pushed between the read above and this move: GitHub refuses it (not a fast-forward) and their
      // commit stays. Said as FIX_BRANCH_MOVED, as when found before the commit: the caller leaves it to them.
      const now = input.ownHeads?.length && !toAppError(raw).retryable ? await w.getBranchSha(repo, branch).catch(() => existing) : existing;
      if (now !== existing && now !== commitSha) {
        throw permanent(FIX_BRANCH_MOVED, `People pushed to ${branch} (now ${now ? `at ${now.slice(0, 7)}` : "deleted"}) while the bot committed onto ${existing.slice(0, 7)}; the bot does not commit over their work. Their commit gets its own CI run.`);
      }
      throw raw;
    });
  }

  let pr = found;
  let createdPr = false;
  let labelsRefused: string | undefined;
  let textKept = false;
  const body = markPrText(input.title, input.body);
  if (!pr) {
    try {
      pr = await w.createPullRequest(repo, { title: input.title, body, head: branch, base: input.baseBranch, draft: true });
    } catch (raw) {
      await dropOrphanBranch(w, repo, branch, commitSha, raw);
      throw raw;
    }
    createdPr = true;
    labelsRefused = await addLabels(w, repo, pr.number, input.labels);
  } else {
    if (editedByPeople(pr.title, pr.body)) {
      // The description is theirs now; the new commit and the comment still say what changed.
      textKept = true;
    } else if (pr.title !== input.title || pr.body !== body) {
      // Unchanged text (a retry of the same attempt) is not written again: each write counts against
      // GitHub's content-creation limit, and an edit shows as activity on the PR.
      await w.updatePullRequest(repo, pr.number, { title: input.title, body });
    }
    if (input.labelFound) labelsRefused = await addLabels(w, repo, pr.number, input.labels);
  }

  const commentedOn: number[] = [];
  const removedOn: number[] = [];
  const unsettledOn: number[] = [];
  for (const n of input.commentOn) {
    const mine = !!input.commentedBefore?.includes(n);
    const made = await w.upsertComment(repo, n, input.commentMarker(n), (current) => input.commentBody(pr, n, current), {
      create: !mine && !input.commentedByOthers?.includes(n),
      // Other jobs of the same PR write this comment too, maybe at this moment.
      shared: true,
      ...(input.commentAdopts ? { adopt: input.commentAdopts } : {}),
    });
    if (!made) removedOn.push(n);
    if (made?.unsettled) unsettledOn.push(n);
    // Still one this job commented on: a later attempt must not post it again either.
    if (made || mine) commentedOn.push(n);
  }
  return {
    branch, commitSha, verified, newCommit, createdBranch, pr, createdPr, commentedOn,
    ...(removedOn.length ? { commentRemovedOn: removedOn } : {}),
    ...(unsettledOn.length ? { commentUnsettledOn: unsettledOn } : {}),
    ...(textKept ? { textKept } : {}),
    ...(labelsRefused ? { labelsRefused } : {}),
  };
}

/**
 * What publishFix finds before its first write, read-only, so that a dry run reads and decides the same: the
 * branch's PR closed (nothing is written), or the PR (open, or none yet) and the branch's head (none yet).
 */
export type PublishStart = { kind: "closed"; pr: PullRequestRef } | { kind: "open"; found: PullRequestRef | null; existing: string | null };

/** Throws FIX_BRANCH_MOVED when the branch's head is not one of `ownHeads` (people pushed onto it). */
export async function readPublishStart(w: Pick<GitHubWriteClient, "findPullRequest" | "getBranchSha">, input: Pick<PublishInput, "repo" | "branch" | "ownHeads">): Promise<PublishStart> {
  const { repo, branch } = input;
  // Looked up before any write: a fix PR people closed or merged is theirs. Its branch gets no new commit
  // (a repair or a retry would push onto a rejected fix) and is not re-created after they deleted it.
  const found = await w.findPullRequest(repo, branch);
  if (found?.state === "closed") return { kind: "closed", pr: found };
  const existing = await w.getBranchSha(repo, branch);
  // A fast-forward on top of their commits would pass, and replace their version of the fixed files.
  if (input.ownHeads?.length && existing && !input.ownHeads.includes(existing)) {
    throw permanent(FIX_BRANCH_MOVED, `People pushed to ${branch} (now at ${existing.slice(0, 7)}) after the bot's commit ${input.ownHeads[0]!.slice(0, 7)}; the bot does not commit over their work. Their commit gets its own CI run.`);
  }
  return { kind: "open", found, existing };
}

/**
 * A PR GitHub refuses for good (the failing branch was deleted while the job ran): the fix branch would
 * stay in the repository with no PR to find it by, and the job fails. Deleted only while it has no PR and
 * is still at the bot's commit; a retryable refusal keeps it, for the retry to find.
 */
async function dropOrphanBranch(w: GitHubWriteClient, repo: JobRepo, branch: string, commitSha: string, raw: unknown): Promise<void> {
  const err = toAppError(raw);
  // "Already exists" with the PR not found yet (GitHub's list lags): deleting its head would close that PR.
  if (err.retryable || /already exists/i.test(err.message)) return;
  try {
    if ((await w.findPullRequest(repo, branch)) === null && (await w.getBranchSha(repo, branch)) === commitSha) await w.deleteBranch(repo, branch);
  } catch {
    // The PR's refusal is what a person has to act on; a branch left behind is only untidy.
  }
}

/**
 * Labels are a convenience: a name GitHub refuses (too long, or one the app may not create) must not fail
 * a job whose PR is already open, where a retry would find the PR and never watch it. A retryable error
 * still retries.
 */
async function addLabels(w: GitHubWriteClient, repo: JobRepo, number: number, labels: string[]): Promise<string | undefined> {
  try {
    await w.addLabels(repo, number, labels);
    return undefined;
  } catch (raw) {
    const err = toAppError(raw);
    if (err.retryable) throw err;
    return err.message;
  }
}
