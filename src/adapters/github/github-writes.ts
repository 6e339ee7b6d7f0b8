import { AppError, permanent, toAppError, waitFor } from "../../core/errors.js";
import { isInstallationRefusal } from "./installation-refusal.js";
import type { JobRepo } from "../../core/job.js";
import type { GitHubWriteClient, PullRequestRef } from "../../core/ports/github-port.js";
import type { WritePacer } from "../queue/write-pacer.js";
import { KeyedSerial } from "../../core/keyed-serial.js";
import type { AppIdentity } from "../../core/app-identity.js";
import { isDiffTooLarge, type Octokit } from "./octokit-client.js";
import { branchHead } from "./branch-head.js";
import { upsertComment } from "./upsert-comment.js";
import { underWriteLease, type WriteLease } from "./write-lease.js";

interface RawPull {
  number: number;
  html_url: string;
  node_id: string;
  state: string;
  draft?: boolean;
  merged?: boolean;
  merged_at?: string | null;
  closed_at?: string | null;
  merged_by?: { login?: string } | null;
  head: { ref: string; sha: string };
  title?: string;
  body?: string | null;
}

const toPull = (p: RawPull): PullRequestRef => ({
  number: p.number,
  htmlUrl: p.html_url,
  nodeId: p.node_id,
  headRef: p.head.ref,
  headSha: p.head.sha,
  state: p.state === "closed" ? "closed" : "open",
  draft: !!p.draft,
  merged: !!(p.merged ?? p.merged_at),
  ...(p.closed_at !== undefined ? { closedAt: p.closed_at } : {}),
  ...(p.merged_by?.login ? { mergedBy: p.merged_by.login } : {}),
  title: p.title,
  body: p.body,
});

/** Who the app is, to tell its own comments from anyone else's. */
export interface AppSelf {
  /** APP_ID, which GitHub puts in `performed_via_github_app.id` of what the app writes. */
  appId?: number;
  /** Read at each call: the start-up check learns the real bot login after the adapter is built. */
  identity: Pick<AppIdentity, "logins">;
}

interface RawComment {
  id: number;
  body?: string;
  user?: { login: string; type: string } | null;
  performed_via_github_app?: { id: number } | null;
}

/**
 * Written by this app: its bot user, and the app GitHub names on it when it names one. The marker alone
 * is not enough: people quote it, and another registration of this app (staging, a second install under
 * another name) writes the same marker under its own bot.
 */
function writtenBy(self: AppSelf, c: RawComment): boolean {
  if (c.user?.type !== "Bot") return false;
  const via = c.performed_via_github_app?.id;
  if (via !== undefined && self.appId !== undefined) return via === self.appId;
  return self.identity.logins().has(c.user.login.toLowerCase());
}

export interface GitHubWritesOptions {
  installationId: number;
  pacer: WritePacer;
  self: AppSelf;
  /**
   * Where the process's writes of each installation queue, one at a time: shared by every job's client
   * (createGitHubPort makes one). Without it, this client's writes queue among themselves only.
   */
  lane?: KeyedSerial;
  /** The fleet's lease on the installation's writes (REDIS_URL), taken inside the lane; none: this process's lane alone. */
  lease?: WriteLease;
  /** The job's: once aborted (stopped, shutting down), its writes still waiting for their turn are not made. */
  signal?: AbortSignal;
}

/**
 * The write side of the GitHub adapter. Every mutating request waits for the installation's previous one
 * in this process to end (the lane), then for the one of any other process (the lease, with REDIS_URL),
 * then takes a slot from the pacer (≥ 1 s apart per installation, across processes), as GitHub's secondary
 * rate limits ask: serially, never in parallel, a second apart. The pacer alone spaced their starts, so a
 * write slower than that (a tree, a PR) overlapped the next, and each worker's lane saw its own writes only.
 */
export function createGitHubWrites(octokit: Octokit, opts: GitHubWritesOptions): GitHubWriteClient {
  const r = (repo: JobRepo) => ({ owner: repo.owner, repo: repo.name });
  const lane = opts.lane ?? new KeyedSerial();
  const key = String(opts.installationId);
  const { installationId, signal } = opts;
  /** `fn` in the installation's turn: the lane, the lease, then a pacer slot. */
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> =>
    lane.run(key, () =>
      underWriteLease(opts.lease, installationId, signal, async () => {
        await opts.pacer.acquire(installationId, signal);
        return fn();
      }),
    );
  const mutate = <T>(what: string, fn: () => Promise<T>, needs?: string): Promise<T> =>
    inTurn(async () => {
      try {
        return await fn();
      } catch (err) {
        throw explain(err, what, needs);
      }
    });
  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what);
    }
  };

  /** The issue's comments the app wrote (see writtenBy). */
  const ownComments = async (repo: JobRepo, issueNumber: number) => {
    const comments = await read(`reading comments of #${issueNumber}`, () =>
      octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...r(repo), issue_number: issueNumber, per_page: 100 }),
    );
    return (comments as RawComment[]).filter((c) => writtenBy(opts.self, c)).map((c) => ({ id: c.id, body: c.body ?? "" }));
  };

  const findPull = (repo: JobRepo, branch: string, state: "open" | "all") =>
    read(`looking for the PR of ${branch}`, async () => {
      const res = await octokit.request("GET /repos/{owner}/{repo}/pulls", { ...r(repo), head: `${repo.owner}:${branch}`, state, per_page: 10 });
      const first = (res.data as RawPull[])[0];
      return first ? toPull(first) : null;
    });

  const getPull = (repo: JobRepo, number: number) =>
    read(`reading PR #${number}`, async () => toPull((await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...r(repo), pull_number: number })).data as RawPull));

  return {
    getBranchSha: (repo, branch) => read(`reading branch ${branch}`, () => branchHead(octokit, repo, branch)),
    getCommitTree: (repo, sha) =>
      read(`reading commit ${sha}`, async () => (await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { ...r(repo), commit_sha: sha })).data.tree.sha),
    createTree: (repo, baseTree, files) =>
      mutate("creating the fix tree", async () => {
        const tree = files.map((f) =>
          f.content === null
            ? { path: f.path, mode: "100644" as const, type: "blob" as const, sha: null }
            : { path: f.path, mode: f.mode ?? ("100644" as const), type: "blob" as const, content: f.content },
        );
        return (await octokit.request("POST /repos/{owner}/{repo}/git/trees", { ...r(repo), base_tree: baseTree, tree })).data.sha;
      }),
    createCommit: (repo, input) =>
      mutate("creating the fix commit", async () => {
        // No author/committer/signature: GitHub then signs the commit as the app (Verified).
        const res = await octokit.request("POST /repos/{owner}/{repo}/git/commits", { ...r(repo), message: input.message, tree: input.tree, parents: input.parents });
        return { sha: res.data.sha, verified: !!res.data.verification?.verified };
      }),
    async createBranch(repo, branch, sha) {
      try {
        await mutate(`creating branch ${branch}`, () => octokit.request("POST /repos/{owner}/{repo}/git/refs", { ...r(repo), ref: `refs/heads/${branch}`, sha }));
        return true;
      } catch (err) {
        if (err instanceof AppError && err.details?.status === 422 && /already exists/i.test(err.message)) return false;
        throw err;
      }
    },
    updateBranch: (repo, branch, sha) =>
      mutate(`updating branch ${branch}`, async () => {
        await octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...r(repo), ref: `heads/${branch}`, sha, force: false });
      }),
    async deleteBranch(repo, branch) {
      try {
        await mutate(`deleting branch ${branch}`, () => octokit.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { ...r(repo), ref: `heads/${branch}` }));
      } catch (err) {
        // Already gone (people deleted it, or an earlier try's answer was lost): what was asked is done.
        if (err instanceof AppError && err.details?.status === 422 && /reference does not exist/i.test(err.message)) return;
        throw err;
      }
    },
    findPullRequest: (repo, branch) => findPull(repo, branch, "all"),
    getPullRequest: getPull,
    async createPullRequest(repo, input) {
      const open = (draft: boolean) =>
        mutate("opening the fix PR", async () => toPull((await octokit.request("POST /repos/{owner}/{repo}/pulls", { ...r(repo), ...input, draft })).data as RawPull));
      try {
        try {
          return await open(input.draft);
        } catch (err) {
          // Private repositories on GitHub Free/Pro have no drafts (422): the fix opens as a regular PR, which
          // the caller sees from `draft: false`, rather than not at all.
          if (input.draft && err instanceof AppError && err.details?.status === 422 && /draft pull requests are not supported/i.test(err.message)) return await open(false);
          throw err;
        }
      } catch (err) {
        // An earlier request opened it and its answer was lost (a 502 Octokit's retry sent again, a crash
        // before the job recorded it while the PR list lagged): it is this head's PR, adopted, not a failure.
        if (!(err instanceof AppError && err.details?.status === 422 && /a pull request already exists/i.test(err.message))) throw err;
        const existing = await findPull(repo, input.head, "open");
        if (!existing) throw err;
        return existing;
      }
    },
    updatePullRequest: (repo, number, input) =>
      mutate(`updating PR #${number}`, async () => {
        await octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { ...r(repo), pull_number: number, ...input });
      }),
    addLabels: (repo, issueNumber, labels) =>
      mutate(`labelling #${issueNumber}`, async () => {
        if (labels.length) await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { ...r(repo), issue_number: issueNumber, labels });
      }),
    upsertComment: (repo, issueNumber, marker, body, o) =>
      upsertComment(
        {
          ownComments: () => ownComments(repo, issueNumber),
          ownCommentsAfterQueuedWrites: async () => {
            // A read, yet it takes a turn as a write does: given in turn, it comes once the writes queued before
            // it in this process have ended, and (the lease) those of other processes too.
            await inTurn(async () => undefined);
            return ownComments(repo, issueNumber);
          },
          create: async (text) => {
            const res = await mutate(`commenting on #${issueNumber}`, () => octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...r(repo), issue_number: issueNumber, body: text }));
            return Number(res.data.id);
          },
          edit: async (id, text) => {
            await mutate(`updating comment ${id}`, () => octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { ...r(repo), comment_id: id, body: text }));
          },
          remove: async (id) => {
            try {
              await mutate(`deleting comment ${id}`, () => octokit.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", { ...r(repo), comment_id: id }));
            } catch (err) {
              // Already gone: what the delete was for.
              if (!(err instanceof AppError && err.details?.status === 404)) throw err;
            }
          },
        },
        marker,
        body,
        o,
      ),
    async markReadyForReview(repo, pr) {
      try {
        await mutate(`marking PR #${pr.number} ready for review`, async () => {
          await octokit.graphql(
            "mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }",
            { id: pr.nodeId },
          );
        });
      } catch (err) {
        // Sent again for a PR that is already ready (a crash before the job recorded the first one, or people
        // undrafted it): GitHub refuses, in words it does not promise. The PR's own state says whether it is done.
        const refusedAsIs = err instanceof AppError && !err.retryable && (err.cause as Error | undefined)?.name === "GraphqlResponseError";
        if (!refusedAsIs) throw err;
        if (!(await getPull(repo, pr.number)).draft) return;
        throw err;
      }
    },
    async pullRequestDiff(repo, number, maxBytes) {
      let res;
      try {
        res = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          ...r(repo), pull_number: number, headers: { accept: "application/vnd.github.diff" },
        });
      } catch (err) {
        // GitHub renders no diff past its limits (300 files, 20,000 lines): a diff too large, as below.
        if (isDiffTooLarge(err)) return null;
        throw explain(err, `reading the diff of PR #${number}`);
      }
      const text = typeof res.data === "string" ? res.data : String(res.data);
      return Buffer.byteLength(text) > maxBytes ? null : text;
    },
    rerunFailedJobs: (repo, runId) =>
      mutate(
        `re-running failed jobs of run ${runId}`,
        async () => {
          await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", { ...r(repo), run_id: runId });
        },
        // app.yml asks for actions: read; only rerun_flaky needs more.
        "actions: write (raise it in the app's settings and have each installation accept it), or set rerun_flaky: false in .github/ci-bot.yml",
      ),
    getRun: (repo, runId) =>
      read(`reading run ${runId}`, async () => {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", { ...r(repo), run_id: runId, exclude_pull_requests: true });
        return { attempt: data.run_attempt ?? 1, status: data.status ?? "completed", conclusion: data.conclusion ?? null };
      }),
  };
}

/**
 * GitHub's wording when a write touches .github/workflows/** without the `workflows` permission. Matched on
 * this phrase, not on "workflow" alone: other 403s ("This workflow run cannot be retried", "This workflow is
 * already running") have nothing to do with that permission, and granting it would not help. Matched
 * whatever the status: GitHub documents the words, not a status (reference/github.md §4), and a ref write
 * it refuses with them as a 404 or 422 read as "check contents: write", or as GitHub's words alone.
 */
const WORKFLOWS_REFUSAL = /refusing to allow .*\bto create or update workflow/i;

function explain(err: unknown, what: string, needs = "contents: write and pull_requests: write"): AppError {
  if (isInstallationRefusal(err)) return err;
  const refused = graphqlRefusal(err, what, needs);
  if (refused) return refused;
  const e = toAppError(err);
  const status = e.details?.status;
  if (WORKFLOWS_REFUSAL.test(e.message)) {
    return permanent("github_workflows_permission", `GitHub refused ${what}: the fix edits .github/workflows/** and the app lacks the workflows: write permission. Grant it, or disallow workflow edits in .github/ci-bot.yml. (${e.message})`, { status });
  }
  if ((status === 403 || status === 404) && !e.retryable) {
    return permanent("github_write_forbidden", `GitHub refused ${what} (HTTP ${status}): check that the app is installed on the repository with ${needs}. (${e.message})`, { status });
  }
  return new AppError(e.code, `GitHub failed ${what}: ${e.message}`, { retryable: e.retryable, details: e.details, cause: err, retryAfterMs: e.retryAfterMs });
}

const GRAPHQL_TIMEOUT = /something went wrong while executing your query|\btimed? ?out\b|\btimeout\b/i;

/**
 * GitHub answers GraphQL errors with HTTP 200 and `errors[]` (each with a `type`); octokit throws them as a
 * GraphqlResponseError, which has no status, so toAppError took a missing permission or a spent rate limit
 * for a bug ("internal"). The types that mean what a REST 403/404/429 means are worded and retried alike;
 * others keep their message (markReadyForReview checks the PR for the one that means "already done").
 */
function graphqlRefusal(err: unknown, what: string, needs: string): AppError | undefined {
  if ((err as Error | undefined)?.name !== "GraphqlResponseError") return undefined;
  const g = err as { errors?: Array<{ type?: string; message?: string }>; headers?: Record<string, string | undefined> };
  const errors = g.errors ?? [];
  const message = errors.map((x) => x.message).filter(Boolean).join("; ") || (err as Error).message;
  const type = (t: string) => errors.some((x) => x.type === t);
  if (type("RATE_LIMITED")) {
    // A primary limit gives its reset in x-ratelimit-*; without it, the minute GitHub asks to wait at least.
    return new AppError("github_rate_limited", `GitHub rate-limited ${what} (GraphQL RATE_LIMITED: ${message}); will retry once the limit resets.`, {
      retryable: true, cause: err, details: { graphql: "RATE_LIMITED" }, retryAfterMs: waitFor(g.headers ?? {}, message) ?? 60_000,
    });
  }
  const denied = type("FORBIDDEN") ? "FORBIDDEN" : type("NOT_FOUND") ? "NOT_FOUND" : undefined;
  if (denied) {
    return permanent("github_write_forbidden", `GitHub refused ${what} (GraphQL ${denied}): check that the app is installed on the repository with ${needs}. (${message})`, { graphql: denied });
  }
  // GitHub's answer for a query that ran out of time on its side (no type): the same request later goes through.
  if (errors.length && errors.every((x) => !x.type && GRAPHQL_TIMEOUT.test(x.message ?? ""))) {
    return new AppError("github_graphql_failed", `GitHub failed ${what} on its side (${message}); will retry.`, { retryable: true, cause: err, details: { graphql: "timeout" } });
  }
  return undefined;
}
