import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "../core/deps.js";
import { AppError } from "../core/errors.js";
import { JOB_STATES, type JobState } from "../core/job.js";
import { DEFAULT_LIST_LIMIT, LIMIT_RULE, parseListLimit, repoNameProblem } from "../core/list-query.js";
import { redactDeep } from "../core/redact.js";
import { patchTriesOf } from "../admin/patch-tries-of.js";
import { feedbackRetriedMessage, retryFeedback } from "../feedback/retry-feedback.js";
import { retryJob } from "../pipeline/job-control.js";
import { refuseUnlessAdmin } from "./bearer-auth.js";
import { createHealthRoutes } from "./health-routes.js";
import { sendError, sendJson } from "./respond.js";
import { sendMetrics } from "./send-metrics.js";
import type { StorageHealth } from "./storage-health.js";

export type AdminDeps = Pick<Deps, "config" | "store" | "queue" | "clock" | "logger" | "metrics">;

const JOB_PATH = /^\/jobs\/([A-Za-z0-9_-]{1,64})$/;
const RETRY_PATH = /^\/jobs\/([A-Za-z0-9_-]{1,64})\/retry$/;
const FEEDBACK_RETRY_PATH = /^\/jobs\/([A-Za-z0-9_-]{1,64})\/feedback\/retry$/;

/**
 * Operator endpoints. /healthz and /readyz are open (probes); everything else needs
 * `Authorization: Bearer $ADMIN_TOKEN`, and answers 403 with instructions when no token is configured.
 * Returns false when the path is not an admin route.
 */
export function createAdminRoutes(deps: AdminDeps, storage?: StorageHealth) {
  const health = createHealthRoutes(deps, storage);
  return async function adminRoutes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (await health(req, res, url)) return true;
    const path = url.pathname;
    const method = req.method ?? "GET";

    const guarded = path === "/metrics" || path === "/jobs" || path === "/deliveries" || JOB_PATH.test(path) || RETRY_PATH.test(path) || FEEDBACK_RETRY_PATH.test(path);
    if (!guarded) return false;
    if (refuseUnlessAdmin(req, res, deps.config.ADMIN_TOKEN)) return true;

    const retry = RETRY_PATH.exec(path);
    if (retry) {
      if (method !== "POST") return notAllowed(res, "POST");
      await retryRoute(deps, res, retry[1]!);
      return true;
    }
    const feedbackRetry = FEEDBACK_RETRY_PATH.exec(path);
    if (feedbackRetry) {
      if (method !== "POST") return notAllowed(res, "POST");
      await feedbackRetryRoute(deps, res, feedbackRetry[1]!);
      return true;
    }
    // HEAD is GET without the body (node:http drops it): HTTP requires it wherever GET works.
    if (method !== "GET" && method !== "HEAD") return notAllowed(res, "GET, HEAD");
    // The web process: the store-wide gauges are served here, and not on the workers' health ports.
    if (path === "/metrics") return await sendMetrics(deps, res, { fleet: true }), true;
    if (path === "/jobs") return await listJobs(deps, res, url), true;
    if (path === "/deliveries") return await listDeliveries(deps, res, url), true;
    const id = JOB_PATH.exec(path)![1]!;
    const job = await deps.store.getJob(id);
    if (!job) sendError(res, 404, "job_not_found", `No job with id ${id}; list jobs with GET /jobs.`);
    // The job's patch tries, read out of its stage results: the same field `jobs show --json` has.
    else sendRecord(res, 200, { ...job, patchTries: patchTriesOf(job) });
    return true;
  };
}

/**
 * A parameter a list route does not take is refused: `/jobs?status=failed` (state mistyped) answered every
 * job, which reads as "all of these failed". True when it answered.
 */
function refuseUnknownParameters(res: ServerResponse, url: URL, takes: readonly string[]): boolean {
  const unknown = [...url.searchParams.keys()].find((name) => !takes.includes(name));
  if (unknown === undefined) return false;
  sendError(res, 400, "unknown_parameter", `unknown query parameter "${unknown}"; ${url.pathname} takes ${takes.join(", ")}`);
  return true;
}

async function listJobs(deps: AdminDeps, res: ServerResponse, url: URL): Promise<void> {
  if (refuseUnknownParameters(res, url, ["state", "repo", "limit"])) return;
  // Empty means "not given", as for limit: `?state=&limit=` (a script's unset variable) lists every state.
  const state = url.searchParams.get("state") || undefined;
  if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
    return sendError(res, 400, "bad_state", `state must be one of ${JOB_STATES.join(", ")}`);
  }
  const limit = parseLimit(url.searchParams.get("limit"));
  if (limit === undefined) return sendError(res, 400, "bad_limit", `limit must be ${LIMIT_RULE}`);
  const repo = url.searchParams.get("repo") || undefined;
  // Not owner/name matches no job: the empty list would read as "this repository has none".
  const badRepo = repo === undefined ? undefined : repoNameProblem(repo);
  if (badRepo) return sendError(res, 400, "bad_repo", `repo ${badRepo}`);
  const jobs = await deps.store.listJobs({ state: state as JobState | undefined, limit, repo });
  sendRecord(res, 200, { jobs });
}

async function listDeliveries(deps: AdminDeps, res: ServerResponse, url: URL): Promise<void> {
  if (refuseUnknownParameters(res, url, ["limit"])) return;
  const limit = parseLimit(url.searchParams.get("limit"));
  if (limit === undefined) return sendError(res, 400, "bad_limit", `limit must be ${LIMIT_RULE}`);
  sendRecord(res, 200, { deliveries: await deps.store.listDeliveries({ limit }) });
}

async function retryRoute(deps: AdminDeps, res: ServerResponse, id: string): Promise<void> {
  try {
    const job = await retryJob(deps, id);
    deps.logger.info({ jobId: id, state: job.state, stage: job.stage }, "job retried by operator");
    sendRecord(res, 202, { ...job, message: retriedMessage(deps, job.id, job.state) });
  } catch (err) {
    if (err instanceof AppError && err.code === "job_not_found") return sendError(res, 404, err.code, err.message);
    // Archived: past the retention window, read-only in the store; the store's message says so.
    if (err instanceof AppError && (err.code === "job_not_failed" || err.code === "job_archived")) return sendError(res, 409, err.code, err.message);
    throw err;
  }
}

async function feedbackRetryRoute(deps: AdminDeps, res: ServerResponse, id: string): Promise<void> {
  try {
    const { job, due } = await retryFeedback(deps, id);
    deps.logger.info({ jobId: id, due }, "feedback made due by operator");
    sendRecord(res, 202, { ...job, message: feedbackRetriedMessage(id, due, "server") });
  } catch (err) {
    if (err instanceof AppError && err.code === "job_not_found") return sendError(res, 404, err.code, err.message);
    if (err instanceof AppError && (err.code === "no_pending_feedback" || err.code === "job_archived")) return sendError(res, 409, err.code, err.message);
    throw err;
  }
}

/** Says who runs the job: with T0_WORKERS=0 nothing in this process will, and "queued" alone would suggest it. */
function retriedMessage(deps: AdminDeps, id: string, state: string): string {
  if (deps.config.T0_WORKERS !== 0) return `job ${id} is ${state} again and queued; this server's workers run it`;
  return deps.queue.kind === "none"
    ? `job ${id} is ${state} again; this server only records jobs (T0_WORKERS=0) and its DATA_DIR store is single-process: restart it with T0_WORKERS=1 or more to run it`
    : `job ${id} is ${state} again and queued for the workers (T0_WORKERS=0 here: start a worker process, \`t0-ci-bot worker\`, or a server with workers, to run it)`;
}

/**
 * Stored records as an operator sees them. Not everything in a record was redacted when written (a feedback
 * item's lastError, a stage's result, a history note can quote an adapter's message, and an adapter's
 * message can quote a URL with credentials or a token), so every string is redacted on the way out; keys
 * and non-string values are left alone, so the JSON keeps its shape.
 */
function sendRecord(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, redactDeep(body));
}

/** Empty is absent (see listJobs). */
function parseLimit(raw: string | null): number | undefined {
  return raw === null || raw === "" ? DEFAULT_LIST_LIMIT : parseListLimit(raw);
}

function notAllowed(res: ServerResponse, allow: string): true {
  sendError(res, 405, "method_not_allowed", `use ${allow}`, { allow });
  return true;
}
