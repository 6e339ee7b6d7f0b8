import type { ProbotOctokit } from "probot";
import { isScalar, parseDocument } from "yaml";
import { GITHUB_REQUEST_TIMEOUT_DEFAULT_MS } from "../../config/app-config.js";
import { notMappingKind, notMappingReason } from "../../config/repo-config.js";
import { AppError, permanent, toAppError, transient } from "../../core/errors.js";
import type { JobRepo } from "../../core/job.js";
import { redactHead } from "../../core/redact.js";
import { installationToken } from "./installation-refusal.js";
import { branchHead } from "./branch-head.js";
import { githubOutage } from "./github-outage.js";
import { logDownloadFailure, logHostUnreachable, type LogDownload } from "./log-download-failure.js";
import { GitHubRequestTimeout } from "./request-timeout.js";
import { systemClock } from "../clock/system-clock.js";
import type { Clock } from "../../core/ports/clock.js";
import type { Annotation, CommitRun, GitHubClient, PrTimelineEvent, PullReview, PullReviewComment, RunJob } from "../../core/ports/github-port.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;
type FetchLike = (url: string, init: { redirect: "follow"; signal?: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

export interface OctokitClientOptions {
  /** Fetch used for the log download from the storage host (no GitHub credentials are sent there). */
  fetch?: FetchLike;
  configPath?: string;
  /**
   * GITHUB_REQUEST_TIMEOUT_MS: the log download from its storage host (not through Octokit's timed fetch,
   * and possibly large) fails when no answer or no byte comes for this long. Default: the setting's default.
   */
  requestTimeoutMs?: number;
  clock?: Pick<Clock, "setTimeout">;
}

/** The read side of `GitHubClient` on an installation-scoped Octokit (Probot's, with throttling and retry). */
export function createOctokitClient(octokit: Octokit, opts: OctokitClientOptions = {}): GitHubClient {
  const fetchImpl: FetchLike = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const stallMs = opts.requestTimeoutMs ?? GITHUB_REQUEST_TIMEOUT_DEFAULT_MS;
  const clock = opts.clock ?? systemClock();
  const configPath = opts.configPath ?? ".github/ci-bot.yml";

  return {
    async getRepoConfig(repo) {
      try {
        const { config, files } = await octokit.config.get({ owner: repo.owner, repo: repo.name, path: configPath });
        // Probot's loader merges every file with Object.assign: a list would come back as `{ "0": … }` and a
        // number or `true` as `{}`, i.e. the defaults (bot on). Such a file is refused before that.
        const odd = files.find((f) => f.config !== null && (typeof f.config !== "object" || Array.isArray(f.config)));
        if (odd) throw permanent("repo_config_not_mapping", notMappingReason(`${odd.path} in ${odd.owner}/${odd.repo}`, notMappingKind(odd.config)));
        const last = files.at(-1);
        if (last && last.config !== null && !Object.keys(last.config).length && (await isPlainValue(octokit, last))) {
          throw permanent("repo_config_not_mapping", notMappingReason(`${last.path} in ${last.owner}/${last.repo}`, "a plain value"));
        }
        // Probot's config plugin already merged the org `.github` repo and `_extends`.
        return files.some((f) => f.config !== null) ? config : null;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof Error && /YAML is not an object/.test(err.message)) {
          // A bare string: Probot's loader throws without handing it over.
          throw permanent("repo_config_not_mapping", notMappingReason(`${configPath} in ${loaderRepo(err, repo)}`, "a plain value"));
        }
        if (err instanceof Error && /is either a directory or a submodule/.test(err.message)) {
          // Probot's loader says "Ignoring.", but a person put something at that path: off until it is a file,
          // as for a file that is not a mapping, rather than an `internal` failure or silently the defaults.
          throw permanent("repo_config_not_a_file", `${configPath} in ${loaderRepo(err, repo)} is a directory or a submodule, not a file; the bot stays off for this repository until it is a file (see the README) or is removed.`);
        }
        if (err instanceof Error && /could not be parsed/.test(err.message)) {
          throw permanent("repo_config_unreadable", `${configPath} in ${repo.fullName} is not valid YAML (${err.message}); fix its syntax or delete the file.`);
        }
        throw readFailure(err, `reading ${configPath} of ${repo.fullName}`, { repo, needs: CONTENTS });
      }
    },

    async installationToken(opts) {
      const token = await installationToken(octokit, opts?.renew === true);
      if (!token) throw permanent("no_installation_token", "GitHub did not return an installation token; check the app's installation and its private key.");
      return token;
    },

    async getBranchHead(repo, branch) {
      try {
        return await branchHead(octokit, repo, branch);
      } catch (err) {
        throw readFailure(err, `reading branch ${branch} of ${repo.fullName}`, { repo, needs: CONTENTS });
      }
    },

    async listRunJobs(repo, runId, attempt) {
      try {
        const jobs = await octokit.paginate("GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs", {
          owner: repo.owner, repo: repo.name, run_id: runId, attempt_number: attempt, per_page: 100,
        });
        return jobs.map(toRunJob);
      } catch (err) {
        throw notFoundAs(err, "run_not_found", `Workflow run ${runId} (attempt ${attempt}) of ${repo.fullName} is not visible to the app; check that it is installed with Actions: read.`, `listing the jobs of run ${runId} (attempt ${attempt}) of ${repo.fullName}`, { repo, needs: ACTIONS });
      }
    },

    async downloadJobLog(repo, jobId, signal) {
      let location: string | undefined;
      try {
        // `redirect: manual` so the Authorization header never follows the 302 to the storage host.
        const res = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", {
          owner: repo.owner, repo: repo.name, job_id: jobId,
          request: { redirect: "manual", signal, parseSuccessResponseBody: false },
        });
        location = (res.headers as Record<string, string | undefined>).location;
        if (!location && (res.status as number) === 200 && res.data) return logStream(res.data as unknown, repo, jobId, signal);
        // Left streaming (redirect: manual), an unread body holds its connection until garbage collection.
        await cancel(res.data);
      } catch (err) {
        if ((err as { status?: number }).status === 410) {
          throw permanent("log_expired", `The log of job ${jobId} in ${repo.fullName} has expired (retention period); re-run the workflow to get a fresh one.`);
        }
        throw notFoundAs(err, "log_not_found", `The log of job ${jobId} in ${repo.fullName} is not available; it may have expired, or the app lacks Actions: read.`, `asking for the log of job ${jobId} of ${repo.fullName}`, { repo, needs: ACTIONS });
      }
      if (!location) throw transient("log_no_redirect", `GitHub answered the log request for job ${jobId} without a download location; will retry.`);
      // Only Node's 300 s per stalled read bounded it: a storage host that stops sending held the worker.
      const download: LogDownload = { jobId, repoFullName: repo.fullName, host: storageHost(location) };
      const stall = stallWatch(clock, stallMs, `GET ${download.host} (the log of job ${jobId})`, signal);
      const res = await fetchImpl(location, { redirect: "follow", signal: stall.signal, headers: { accept: "text/plain" } }).catch((err) => {
        stall.stop();
        throw githubOutage(err) ?? logHostUnreachable(err, download) ?? readFailure(err, `downloading the log of job ${jobId} of ${repo.fullName} from its storage host`);
      });
      if (!res.ok || !res.body) {
        stall.stop();
        await cancel(res.body);
        throw logDownloadFailure(res.status, Object.fromEntries(res.headers), download);
      }
      return logStream(res.body, repo, jobId, signal, stall);
    },

    async listAnnotations(repo, checkRunId) {
      try {
        const items = await octokit.paginate("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", {
          owner: repo.owner, repo: repo.name, check_run_id: checkRunId, per_page: 100,
        });
        return items.map((a): Annotation => ({
          path: a.path,
          startLine: a.start_line,
          endLine: a.end_line,
          level: a.annotation_level ?? "failure",
          ...(a.title ? { title: a.title } : {}),
          message: a.message ?? "",
        }));
      } catch (err) {
        // Annotations are a bonus: without Checks: read the context is built from the log alone.
        // A 403 that is a secondary rate limit is not a missing permission: it is retried like any other.
        const status = (err as { status?: number }).status;
        if (status === 404 || (status === 403 && !toAppError(err).retryable)) return [];
        throw readFailure(err, `reading the annotations of check run ${checkRunId} of ${repo.fullName}`);
      }
    },

    async listCommitRuns(repo, headSha) {
      try {
        const runs = await octokit.paginate("GET /repos/{owner}/{repo}/actions/runs", {
          owner: repo.owner, repo: repo.name, head_sha: headSha, exclude_pull_requests: true, per_page: 100,
        });
        return runs.map(toCommitRun);
      } catch (err) {
        throw readFailure(err, `listing the workflow runs of ${headSha.slice(0, 7)} in ${repo.fullName}`, { repo, needs: ACTIONS });
      }
    },

    async listBranchWorkflowRuns(repo, workflowFile, branch, headSha) {
      try {
        const runs = await octokit.paginate("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
          owner: repo.owner, repo: repo.name, workflow_id: workflowFile, branch, head_sha: headSha, exclude_pull_requests: true, per_page: 100,
        });
        return runs.map(toCommitRun);
      } catch (err) {
        throw readFailure(err, `listing the runs of ${workflowFile} on ${branch} at ${headSha.slice(0, 7)} in ${repo.fullName}`, { repo, needs: ACTIONS });
      }
    },

    async listPullReviews(repo, number) {
      try {
        const reviews = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
          owner: repo.owner, repo: repo.name, pull_number: number, per_page: 100,
        });
        return reviews.map((r): PullReview => ({ id: r.id, ...authorOf(r.user), body: r.body ?? "", state: r.state, ...(r.commit_id ? { commitId: r.commit_id } : {}) }));
      } catch (err) {
        throw readFailure(err, `listing the reviews of PR #${number} in ${repo.fullName}`, { repo, needs: PULLS });
      }
    },

    async listPullReviewComments(repo, number) {
      try {
        const comments = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments", {
          owner: repo.owner, repo: repo.name, pull_number: number, per_page: 100,
        });
        return comments.map(toReviewComment);
      } catch (err) {
        throw readFailure(err, `listing the review comments of PR #${number} in ${repo.fullName}`, { repo, needs: PULLS });
      }
    },

    async getPullReviewComment(repo, commentId) {
      try {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/comments/{comment_id}", { owner: repo.owner, repo: repo.name, comment_id: commentId });
        return toReviewComment(data);
      } catch (err) {
        // The list it was read from just now needed the same permission: a 404 is the comment, deleted.
        if ((err as { status?: number }).status === 404) return null;
        throw readFailure(err, `reading review comment ${commentId} in ${repo.fullName}`, { repo, needs: PULLS });
      }
    },

    async listPrTimeline(repo, number) {
      try {
        const events = await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/timeline", {
          owner: repo.owner, repo: repo.name, issue_number: number, per_page: 100,
        });
        return events.flatMap((e) => timelineEventOf(e as ApiTimelineEvent));
      } catch (err) {
        // The timeline endpoint takes either permission (GitHub's "List timeline events for an issue" docs).
        throw readFailure(err, `reading the timeline of PR #${number} in ${repo.fullName}`, { repo, needs: "Pull requests: read (or Issues: read)" });
      }
    },

    async getFileContent(repo, path, ref, maxBytes = Infinity) {
      let res;
      try {
        // The body as a stream: a file at a head commit can be as large as GitHub allows, and only
        // `maxBytes` of it are ever held.
        res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
          owner: repo.owner, repo: repo.name, path, ref, mediaType: { format: "raw" },
          request: { parseSuccessResponseBody: false },
        });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw readFailure(err, `reading ${path} of ${repo.fullName} at ${ref}`, { repo, needs: CONTENTS });
      }
      const headers = res.headers as Record<string, string | undefined>;
      const body = res.data as unknown as AsyncIterable<Uint8Array> | null;
      const tooLarge = (bytes: number) =>
        permanent("file_too_large", `${path} of ${repo.fullName} at ${ref} is larger than ${maxBytes} bytes; it was not read.`, { path, bytes, maxBytes });
      // A directory listing or a submodule comes back as JSON whatever the raw media type asked for.
      if (/^application\/json\b/i.test(headers["content-type"] ?? "")) {
        await cancel(body);
        return null;
      }
      const declared = Number(headers["content-length"]);
      if (declared > maxBytes) {
        await cancel(body);
        throw tooLarge(declared);
      }
      if (!body) return "";
      const chunks: Buffer[] = [];
      let bytes = 0;
      try {
        for await (const chunk of body) {
          bytes += chunk.length;
          // Leaving the loop cancels the rest of the download.
          if (bytes > maxBytes) throw tooLarge(bytes);
          chunks.push(Buffer.from(chunk));
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw readFailure(err, `reading ${path} of ${repo.fullName} at ${ref}`);
      }
      return Buffer.concat(chunks).toString("utf8");
    },

    async getCommitDiff(repo, sha, maxBytes) {
      try {
        const res = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
          owner: repo.owner, repo: repo.name, ref: sha, mediaType: { format: "diff" },
        });
        const text = typeof res.data === "string" ? res.data : Buffer.from(res.data as unknown as ArrayBuffer).toString("utf8");
        return capDiff(text, maxBytes);
      } catch (err) {
        // 404: commit gone; or a diff too large. The context does without.
        if ((err as { status?: number }).status === 404 || isDiffTooLarge(err)) return null;
        throw readFailure(err, `reading the diff of ${sha.slice(0, 7)} in ${repo.fullName}`, { repo, needs: CONTENTS });
      }
    },
  };
}

type ApiJob = {
  id: number; name: string; status: string; conclusion: string | null; run_attempt?: number;
  check_run_url?: string; html_url?: string | null;
  steps?: Array<{ number: number; name: string; status: string; conclusion: string | null; started_at?: string | null; completed_at?: string | null }>;
};

function toCommitRun(r: { id: number; run_attempt?: number; path?: string; name?: string | null; status: string | null; conclusion: string | null; html_url?: string }): CommitRun {
  return {
    id: r.id,
    attempt: r.run_attempt ?? 1,
    workflow: r.path || r.name || "",
    status: r.status ?? "unknown",
    conclusion: r.conclusion,
    ...(r.html_url ? { htmlUrl: r.html_url } : {}),
  };
}

function toRunJob(j: ApiJob): RunJob {
  const checkRunId = Number(j.check_run_url?.split("/").pop());
  return {
    id: j.id,
    name: j.name,
    status: j.status,
    conclusion: j.conclusion,
    ...(j.run_attempt !== undefined ? { runAttempt: j.run_attempt } : {}),
    ...(Number.isInteger(checkRunId) && checkRunId > 0 ? { checkRunId } : {}),
    ...(j.html_url ? { htmlUrl: j.html_url } : {}),
    steps: (j.steps ?? []).map((s) => ({
      number: s.number,
      name: s.name,
      status: s.status,
      conclusion: s.conclusion,
      ...(s.started_at ? { startedAt: s.started_at } : {}),
      ...(s.completed_at ? { completedAt: s.completed_at } : {}),
    })),
  };
}

type ApiTimelineEvent = { event?: string; created_at?: string; actor?: { login?: string; type?: string } | null; dismissed_review?: { review_id?: number } };

/**
 * The timeline mixes some thirty event shapes (GitHub's `timeline-issue-events`). A review_dismissed one
 * carries `dismissed_review` (`review-dismissed-issue-event`). `ready_for_review` and `convert_to_draft` have
 * only the properties every issue event has (GitHub's "Issue event types" docs; in the REST description,
 * the `state-change-issue-event` shape: `actor`, `event`, `created_at`…). `actor` is who did it.
 */
function timelineEventOf(e: ApiTimelineEvent): PrTimelineEvent[] {
  const by = e.actor?.login ? { by: e.actor.login } : {};
  if (e.event === "review_dismissed" && typeof e.dismissed_review?.review_id === "number") return [{ kind: "review_dismissed", reviewId: e.dismissed_review.review_id, ...by }];
  if ((e.event === "ready_for_review" || e.event === "convert_to_draft") && typeof e.created_at === "string") {
    return [{ kind: e.event === "ready_for_review" ? "ready_for_review" : "converted_to_draft", ...by, ...(e.actor?.type ? { byType: e.actor.type } : {}), at: e.created_at }];
  }
  return [];
}

type ApiReviewComment = { id: number | bigint; user?: { login?: string; type?: string } | null; body?: string | null; path?: string; line?: number | null; original_commit_id?: string };

function toReviewComment(c: ApiReviewComment): PullReviewComment {
  return { id: Number(c.id), ...authorOf(c.user), body: c.body ?? "", ...(c.path ? { path: c.path } : {}), ...(c.line ? { line: c.line } : {}), ...(c.original_commit_id ? { commitId: c.original_commit_id } : {}) };
}

/** Who wrote a review or review comment: login and `user.type` (none for a deleted account). */
function authorOf(user: { login?: string; type?: string } | null | undefined): Pick<PullReview, "author" | "authorType"> {
  return { ...(user?.login ? { author: user.login } : {}), ...(user?.type ? { authorType: user.type } : {}) };
}

/** GitHub refusing to render a diff over its limits: 406 (`too_large`), or 422 from older servers. */
export function isDiffTooLarge(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === 406 || status === 422;
}

/** Keeps whole file sections of a unified diff up to `maxBytes`, and says what was left out. */
export function capDiff(diff: string, maxBytes: number): string {
  if (Buffer.byteLength(diff) <= maxBytes) return diff;
  const parts = diff.split(/(?=^diff --git )/m);
  let out = "";
  let omitted = 0;
  for (const p of parts) {
    if (Buffer.byteLength(out + p) <= maxBytes) out += p;
    else omitted++;
  }
  if (!out) {
    // Cut mid-file, often mid-line: redacted first, as the context's redaction would see only a secret's head.
    const head = Buffer.from(diff).subarray(0, Math.max(0, maxBytes - 64)).toString("utf8").replace(/\uFFFD*$/, "");
    out = redactHead(diff, head.length) + "\n";
  }
  return `${out}[... diff cut: ${omitted} file section(s) left out to stay under ${maxBytes} bytes]\n`;
}

/**
 * Whether a config file Probot's loader read as `{}` holds a plain value. The loader parses with
 * `yaml.parse(data) || {}`, so `false`, `0`, `null`, `~` and `""` come back exactly like an empty file; the
 * raw text is read once more to tell them apart. Only the file a chain ends with can be such a file: one
 * with `_extends` (whose key the loader deleted, leaving `{}`) is a mapping and is followed by another.
 */
async function isPlainValue(octokit: Octokit, file: { owner: string; repo: string; path: string }): Promise<boolean> {
  let data: unknown;
  try {
    ({ data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: file.owner, repo: file.repo, path: file.path, mediaType: { format: "raw" } }));
  } catch (err) {
    // Deleted since the loader read it: no file, so nothing to refuse (the loader's empty reading stands).
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
  // An empty or comment-only document has no contents node (or, after a bare `---`, an empty null scalar
  // that spans no text); an explicit `null` or `~` is a scalar with a source.
  const node = parseDocument(String(data)).contents;
  return isScalar(node) && !(node.value === null && node.range?.[0] === node.range?.[1]);
}

/** The repository a Probot config-loader error is about (its message names the file's URL: maybe the org's `.github`). */
function loaderRepo(err: Error, repo: JobRepo): string {
  const at = /\/repos\/([^/]+)\/([^/]+)\/contents\//.exec(err.message);
  return at ? `${at[1]}/${at[2]}` : repo.fullName;
}

async function cancel(body: unknown): Promise<void> {
  const stream = body as { cancel?: () => Promise<void> } | null;
  await stream?.cancel?.().catch(() => {});
}

function notFoundAs(err: unknown, code: string, message: string, what: string, refused: Refused): AppError {
  if ((err as { status?: number }).status === 404) return permanent(code, message);
  return readFailure(err, what, refused);
}

const ACTIONS = "Actions: read";
const CONTENTS = "Contents: read";
const PULLS = "Pull requests: read";
/** The permission a read needs, named when GitHub refuses it. */
interface Refused { repo: JobRepo; needs: string }

/**
 * GitHub's words alone ("Resource not accessible by integration") do not say which call of which job
 * failed: the call is named, as the write side does. Code, retryability and the cause (where
 * github-outage.ts reads the status) are kept.
 */
function readFailure(err: unknown, what: string, refused?: Refused): AppError {
  if (err instanceof AppError) return err;
  const e = toAppError(err);
  // A 403 that is not a rate limit: an installation that has Contents but not Actions still gets
  // workflow_run, and "Resource not accessible by integration" does not say what to grant.
  if (refused && e.details?.["status"] === 403 && !e.retryable) {
    const how = `check that the app's installation on ${refused.repo.fullName} has ${refused.needs} (an owner accepts a permission the app asks for in the installation's settings).`;
    return new AppError(e.code, `GitHub refused ${what} (HTTP 403): ${how} (${e.message})`, { retryable: false, details: e.details, cause: err });
  }
  return new AppError(e.code, `GitHub failed ${what}: ${e.message}`, { retryable: e.retryable, details: e.details, cause: err, retryAfterMs: e.retryAfterMs });
}

/**
 * The log's bytes as they arrive. A connection that drops mid-body surfaces from fetch as a bare
 * `TypeError: terminated`, which would read as a bug and fail the job for good: it is a retryable download
 * failure. A stop (the signal) is left as it is.
 */
async function* logStream(body: unknown, repo: JobRepo, jobId: number, signal: AbortSignal | undefined, stall?: StallWatch): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) return yield body;
  if (typeof body === "string") return yield Buffer.from(body);
  if (body instanceof ArrayBuffer) return yield new Uint8Array(body);
  let bytes = 0;
  try {
    stall?.rearm();
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      // Not counting the time the consumer takes with the chunk: the clock runs only while we wait for bytes.
      stall?.stop();
      yield chunk;
      stall?.rearm();
    }
  } catch (err) {
    const outage = githubOutage(err);
    if (outage) throw new AppError(outage.code, `${outage.message} (after ${bytes} bytes)`, { retryable: true, cause: err, details: outage.details });
    if (signal?.aborted) throw err;
    // toAppError names the network error fetch keeps in `cause` ("terminated (UND_ERR_SOCKET: other side closed)").
    throw transient("log_download_interrupted", `Downloading the log of job ${jobId} of ${repo.fullName} was cut off after ${bytes} bytes (${toAppError(err).message}); will retry.`, { cause: err });
  } finally {
    stall?.stop();
  }
}

interface StallWatch {
  readonly signal: AbortSignal;
  /** (Re)starts the wait for the next byte. */
  rearm(): void;
  stop(): void;
}

/** A signal that aborts with GitHubRequestTimeout when `ms` pass without a rearm (or with `outer`'s reason). */
function stallWatch(clock: Pick<Clock, "setTimeout">, ms: number, what: string, outer: AbortSignal | undefined): StallWatch {
  const controller = new AbortController();
  let timer: { cancel(): void } | undefined;
  const stop = () => {
    timer?.cancel();
    timer = undefined;
  };
  const rearm = () => {
    stop();
    timer = clock.setTimeout(() => controller.abort(new GitHubRequestTimeout(what, ms)), ms);
  };
  rearm();
  return { signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal, rearm, stop };
}

/** The storage URL's host: its path and query carry the signature. */
function storageHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the storage host";
  }
}

export type { JobRepo, RunJob };
