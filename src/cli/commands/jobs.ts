import { systemClock } from "../../adapters/clock/system-clock.js";
import type { AppConfig } from "../../config/app-config.js";
import { isFinal, JOB_STATES, type Job, type JobState } from "../../core/job.js";
import { AppError } from "../../core/errors.js";
import { DEFAULT_LIST_LIMIT, LIMIT_RULE, parseListLimit, repoNameProblem } from "../../core/list-query.js";
import { redactDeep } from "../../core/redact.js";
import { patchTriesOf, type PatchTry } from "../../admin/patch-tries-of.js";
import type { JobQueue } from "../../core/ports/index.js";
import { retryJob } from "../../pipeline/job-control.js";
import { prEventsOf, type PrEvent } from "../../feedback/pr-events.js";
import { OPEN_PULL_REQUEST, type OpenPullRequestResult } from "../../pipeline/stages/open-pull-request-result.js";
import type { ApplyAndValidateResult } from "../../pipeline/stages/apply-and-validate.js";
import { feedbackRetriedMessage, retryFeedback } from "../../feedback/retry-feedback.js";
import { dataDirOwner } from "../../adapters/store/data-dir-lock.js";
import { loadCliConfig, openCliStore, parseArgs, stdio, type CliIo } from "./cli-store.js";
import { unexpectedArguments } from "./unexpected-arguments.js";
import { terminalJson, terminalLine } from "../terminal-text.js";

const USAGE = `usage:
  t0-ci-bot jobs list [--state S] [--repo owner/name] [--limit N] [--json]
  t0-ci-bot jobs show <id> [--json]
  t0-ci-bot jobs retry <id> [--feedback] [--url http://host:port]

Reads DATA_DIR (or REDIS_URL) from the environment and .env, like the server.
retry: while a server owns DATA_DIR it goes through the server's admin API (needs ADMIN_TOKEN; --url
defaults to http://HOST:PORT); with no server running it writes the store directly and the job runs
when the server next starts.
retry --feedback: the job's pending feedback (in any state of the job) is due again at once, its
backoff after the gateway's failures started over; the outbox's next sweep sends it.
`;

const OPTIONS: Record<string, Record<string, "bool" | "value">> = {
  list: { state: "value", repo: "value", limit: "value", json: "bool" },
  show: { json: "bool" },
  retry: { url: "value", feedback: "bool" },
};

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio): Promise<number> {
  const [sub, ...args] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    io.out(USAGE);
    return sub ? 0 : 2;
  }
  const spec = OPTIONS[sub];
  if (!spec) return usageError(io, `unknown subcommand "${sub}"`);
  if (args.includes("--help") || args.includes("-h")) {
    io.out(USAGE);
    return 0;
  }
  // Each subcommand's own options only, and no stray words: `jobs list failed` listed every job.
  const parsed = parseArgs(args, spec);
  if (parsed.error) return usageError(io, parsed.error);
  const stray =
    sub === "list" ? unexpectedArguments(parsed.rest, "jobs list takes no arguments (filter with --state S)") : unexpectedArguments(parsed.rest.slice(1), `jobs ${sub} takes one job id`);
  if (stray) return usageError(io, stray);
  if (typeof parsed.flags.url === "string" && !isServerUrl(parsed.flags.url)) {
    return usageError(io, `--url must be the server's http:// or https:// address, such as http://127.0.0.1:3000 (got "${parsed.flags.url}")`);
  }
  const config = loadCliConfig(env, io);
  if (!config) return 1;
  const { flags, rest } = parsed;
  try {
    switch (sub) {
      case "list":
        return await list(config, flags, io);
      case "show":
        if (!rest[0]?.trim()) return usageError(io, "jobs show needs exactly one job id");
        return await show(config, rest[0]!, flags.json === true, io);
      case "retry":
        if (!rest[0]?.trim()) return usageError(io, "jobs retry needs exactly one job id");
        return await retry(config, rest[0]!, typeof flags.url === "string" ? flags.url : undefined, io, flags.feedback === true);
      default:
        return usageError(io, `unknown subcommand "${sub}"`);
    }
  } catch (err) {
    // The store could not be opened (no store in DATA_DIR, another writer took it): its message says what to do.
    if (err instanceof AppError) return fail(io, err);
    throw err;
  }
}

/**
 * `--url localhost:3000` (no scheme) was fetched as is and failed as "cannot reach the server", exit 1, as if
 * the server were down; a usage error says what to pass instead.
 */
function isServerUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function usageError(io: CliIo, message: string): number {
  io.err(`t0-ci-bot jobs: ${message}\n\n${USAGE}`);
  return 2;
}

async function list(config: AppConfig, flags: Record<string, string | boolean>, io: CliIo): Promise<number> {
  const state = flags.state as string | undefined;
  if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
    return usageError(io, `--state must be one of ${JOB_STATES.join(", ")}`);
  }
  const limit = flags.limit === undefined ? DEFAULT_LIST_LIMIT : parseListLimit(flags.limit as string);
  if (limit === undefined) return usageError(io, `--limit must be ${LIMIT_RULE}`);
  // Not owner/name matches no job, and "no jobs" would read as "this repository has none".
  const badRepo = flags.repo === undefined ? undefined : repoNameProblem(flags.repo as string);
  if (badRepo) return usageError(io, `--repo ${badRepo}`);
  const store = await openCliStore(config, { write: false });
  try {
    // Redacted as the admin API does: a stored record can quote a token or URL credentials (see sendRecord).
    const jobs = redactDeep(await store.listJobs({ state: state as JobState | undefined, limit, repo: flags.repo as string | undefined }));
    if (flags.json) io.out(terminalJson(jobs));
    else io.out(jobs.length ? table(jobs) : "no jobs\n");
    return 0;
  } finally {
    await store.close();
  }
}

async function show(config: AppConfig, id: string, json: boolean, io: CliIo): Promise<number> {
  const store = await openCliStore(config, { write: false });
  try {
    const stored = await store.getJob(id).catch(() => undefined);
    // patchTries as GET /jobs/:id gives it; redacted with the rest (a try's reason quotes failure output).
    const job = stored && redactDeep({ ...stored, patchTries: patchTriesOf(stored) });
    if (!job) {
      io.err(`t0-ci-bot jobs: no job with id ${id}; list them with \`t0-ci-bot jobs list\`\n`);
      return 1;
    }
    io.out(json ? terminalJson(job) : describe(job));
    return 0;
  } finally {
    await store.close();
  }
}

async function retry(config: AppConfig, id: string, url: string | undefined, io: CliIo, feedback: boolean): Promise<number> {
  const owner = config.REDIS_URL ? undefined : dataDirOwner(config.dataDir);
  if (owner !== undefined || url) return retryViaServer(config, id, url, owner, io, feedback);
  if (feedback) return retryFeedbackInStore(config, id, io);
  if (config.REDIS_URL) {
    // Shared store and queue: any process may retry; a worker picks the job up.
    const { buildDeps } = await import("../../composition.js");
    const deps = await buildDeps(config);
    try {
      const job = await retryJob(deps, id);
      io.out(`job ${job.id} is ${job.state} again and queued\n`);
      return 0;
    } catch (err) {
      return fail(io, err);
    } finally {
      await deps.queue.stop({ drainMs: 0 });
      await deps.store.close();
    }
  }
  // No server: write the store directly. The job is left in a non-final state, so the next start resumes it.
  const store = await openCliStore(config, { write: true });
  const noQueue: JobQueue = {
    kind: "none",
    ping: async () => undefined,
    enqueue: async () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    stats: async () => ({ waiting: 0, active: 0, delayed: 0 }),
  };
  try {
    const job = await retryJob({ store, queue: noQueue, clock: systemClock() }, id);
    // A server started with T0_WORKERS=0 on this store only records jobs: it would not resume this one.
    const when = config.T0_WORKERS === 0 ? "a server with workers starts (T0_WORKERS=0 is set here: start it with T0_WORKERS=1 or more)" : "the server starts (npm start)";
    io.out(`job ${job.id} is ${job.state} again; no server is running, so it runs when ${when}\n`);
    return 0;
  } catch (err) {
    return fail(io, err);
  } finally {
    await store.close();
  }
}

/** No server owns the store (or it is Redis, shared): the items are made due there, for whichever process sweeps next. */
async function retryFeedbackInStore(config: AppConfig, id: string, io: CliIo): Promise<number> {
  const store = await openCliStore(config, { write: true });
  try {
    const { due } = await retryFeedback({ store }, id);
    io.out(`${feedbackRetriedMessage(id, due, config.REDIS_URL ? "server" : "store")}\n`);
    return 0;
  } catch (err) {
    return fail(io, err);
  } finally {
    await store.close();
  }
}

async function retryViaServer(config: AppConfig, id: string, url: string | undefined, owner: number | undefined, io: CliIo, feedback = false): Promise<number> {
  if (!config.ADMIN_TOKEN) {
    // With --url and no server owning DATA_DIR there is no pid to name.
    const who = owner === undefined ? `--url ${url}: retry goes through that server's admin API.` : `a server (pid ${owner}) owns DATA_DIR ${config.dataDir}; retry goes through its admin API.`;
    io.err(`t0-ci-bot jobs: ${who}\nSet ADMIN_TOKEN (the same value the server has) and try again${owner === undefined ? "" : ", or stop the server first"}.\n`);
    return 1;
  }
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
  const base = (url ?? `http://${host.includes(":") ? `[${host}]` : host}:${config.PORT}`).replace(/\/$/, "");
  let res: Response;
  try {
    res = await fetch(`${base}/jobs/${encodeURIComponent(id)}${feedback ? "/feedback" : ""}/retry`, { method: "POST", headers: { authorization: `Bearer ${config.ADMIN_TOKEN}` } });
  } catch (err) {
    io.err(`t0-ci-bot jobs: cannot reach the server at ${base} (${(err as Error).message}); pass --url if it listens elsewhere\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { state?: string; message?: string; error?: { code?: string; message?: string } };
  // The server's 403 text ("set ADMIN_TOKEN … and restart") reads as if this command lacked the token it sent.
  if (res.status === 403 && body.error?.code === "admin_disabled") {
    const around = owner === undefined ? "" : ", or stop it and run this again to retry in the store directly";
    io.err(`t0-ci-bot jobs: the server at ${base} has no ADMIN_TOKEN, so its admin API is off (403): restart it with ADMIN_TOKEN set to this value${around}\n`);
    return 1;
  }
  // The server's own 401 text ("Send `Authorization: Bearer <ADMIN_TOKEN>`") is for a client that sent none;
  // this one sent ADMIN_TOKEN, and it is not the server's.
  if (res.status === 401) {
    io.err(`t0-ci-bot jobs: the server at ${base} refused ADMIN_TOKEN (401): set it to the value the server has\n`);
    return 1;
  }
  if (res.status !== 202) {
    io.err(`t0-ci-bot jobs: ${terminalLine(body.error?.message ?? `server answered ${res.status}`)}\n`);
    return 1;
  }
  // The server knows who will run the job (with T0_WORKERS=0 nobody there will); an older server sends no message.
  // The server's words, and whatever answered at --url: shown, never acted on by the terminal.
  io.out(`${terminalLine(body.message ?? `job ${id} is ${body.state} again and queued on the running server`)}\n`);
  return 0;
}

function fail(io: CliIo, err: unknown): number {
  io.err(`t0-ci-bot jobs: ${terminalLine((err as Error).message)}\n`);
  return 1;
}

function table(jobs: Job[]): string {
  // Cells escaped before the widths are measured: a branch name's escape sequence is shown, and counted, as text.
  const rows = jobs.map((j) =>
    [j.id, j.state, j.repo.fullName, `${j.run.source === "check_suite" ? "suite" : "run"} ${j.run.id}`, j.run.headBranch, j.createdAt, j.error?.code ?? ""].map(terminalLine),
  );
  const head = ["ID", "STATE", "REPO", "RUN", "BRANCH", "CREATED", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}

function describe(j: Job & { patchTries: PatchTry[] }): string {
  const lines = [
    `job       ${j.id}`,
    `state     ${j.state}${j.stage ? ` (stage ${j.stage})` : ""}${j.waitingFor ? `, waiting for ${j.waitingFor}` : ""}`,
    `repo      ${j.repo.fullName} (installation ${j.installationId})`,
    `run       ${j.run.source} ${j.run.id} attempt ${j.run.attempt}: ${j.run.name ?? ""} ${j.run.conclusion} on ${j.run.headBranch} @ ${j.run.headSha.slice(0, 12)}`,
    `delivery  ${j.deliveryId}`,
    `created   ${j.createdAt}   updated ${j.updatedAt}`,
    `stages    ${j.completedStages.join(", ") || "(none completed)"}`,
  ];
  if (j.error) lines.push(errorLine(j, j.error));
  const validation = validationLine(j.results["apply-and-validate"] as Partial<ApplyAndValidateResult> | undefined);
  if (validation) lines.push(validation);
  const opened = j.results[OPEN_PULL_REQUEST] as OpenPullRequestResult | undefined;
  // The PR as the job recorded it; what people did with it since is under "pr events".
  if (opened?.pr) lines.push(`fix pr    #${opened.pr.number} ${opened.pr.htmlUrl}  branch ${opened.branch} @ ${opened.commitSha.slice(0, 12)}`);
  lines.push("history");
  for (const h of j.history) lines.push(`  ${h.at}  ${h.state}${h.stage ? ` [${h.stage}]` : ""}${h.note ? `  ${h.note}` : ""}`);
  // Each proposal of the first attempt: what a later try was told, and which inference and variant made it.
  if (j.patchTries.length) lines.push("tries");
  for (const t of j.patchTries) lines.push(tryLine(t));
  const events = prEventsOf(j);
  if (events.length) lines.push("pr events");
  for (const e of events) lines.push(`  ${e.at}  ${e.kind}  ${prEventDetail(e)}`.trimEnd());
  // What reached TensorZero: an item refused, or still failing, is the job's outcome not counted there.
  const feedback = j.feedback ?? [];
  if (feedback.length) {
    const count = (s: string) => feedback.filter((f) => f.status === s).length;
    lines.push(`feedback  ${count("sent")} sent, ${count("failed")} failed, ${count("pending")} pending`);
  }
  for (const f of feedback) {
    const target = "inferenceId" in f.target ? `inference ${f.target.inferenceId}` : `episode ${f.target.episodeId}`;
    // When a pending item goes next: backed off after the gateway failed it, it is not sent before then.
    const next = f.status === "pending" && f.nextAttemptAt ? `, next ${f.nextAttemptAt}` : "";
    const tries = `(${f.attempts} attempt${f.attempts === 1 ? "" : "s"}${next})`;
    lines.push(`  ${f.status.padEnd(7)}  ${f.metric}  ${target}  ${tries}${f.status !== "sent" && f.lastError ? `: ${f.lastError}` : ""}`);
  }
  // Each entry is one line: what a stored value holds (a branch name, a note quoting a log) cannot start another.
  return `${lines.map(terminalLine).join("\n")}\n`;
}

/**
 * The job's error: on a job still going, what it waits out (GitHub's rate limit, an outage, a full disk) or
 * backs off from, and when it tries next; read as "error", an operator took a rate limit for a failure.
 */
function errorLine(j: Job, e: NonNullable<Job["error"]>): string {
  const where = `${e.code}${e.stage ? ` in ${e.stage}` : ""}`;
  const next = j.nextAttemptAt ? `, next try ${j.nextAttemptAt}` : "";
  if (!isFinal(j.state) && e.retryable && j.attempts.waitsSince) return `waiting   ${where} since ${j.attempts.waitsSince}${next}: ${e.message}`;
  if (!isFinal(j.state) && e.retryable) return `retrying  ${where}${next}: ${e.message}`;
  return `error     ${where}: ${e.message}`;
}

/**
 * The last validation's red → green evidence and test counts, as the fix PR shows them: an operator asked "why did
 * the bot open this" or "why did it give up" reads it here without the PR. Undefined before validation ran.
 */
function validationLine(v: Partial<ApplyAndValidateResult> | undefined): string | undefined {
  if (!v?.verdict || !v.evidence) return undefined;
  const state = (s: "red" | "green" | null) => s ?? "not run";
  const parts = [`${v.verdict}: before the patch ${state(v.evidence.before)}, with it ${state(v.evidence.after)}`];
  if (v.evidence.note) parts.push(v.evidence.note);
  if (v.testsRan) parts.push(`tests run ${v.testsRan.before} before, ${v.testsRan.after} with the patch`);
  else if (v.ciTestsRan) parts.push(`tests run in CI's failing run ${v.ciTestsRan.ci === "cut" ? "unknown (its log was cut)" : v.ciTestsRan.ci}, here with the patch ${v.ciTestsRan.after ?? "unknown"}`);
  if (v.sandbox) parts.push(`sandbox ${v.sandbox}${v.network ? `, network ${v.network}` : ""}`);
  return `validated ${parts.join("; ")}`;
}

function tryLine(t: PatchTry): string {
  const files = t.files.length ? t.files.join(", ") : "(none)";
  const variant = t.variant ? ` (variant ${t.variant})` : "";
  const before = t.beforeRetry ? "  [before the operator's retry]" : "";
  return `  ${t.try}  ${t.outcome}${t.reason ? `  ${t.reason}` : ""}  files ${files}  inference ${t.inferenceId}${variant}${before}`;
}

/** What the fix PR's event says, beyond its kind and when it was heard. */
function prEventDetail(e: PrEvent): string {
  const by = "by" in e && e.by ? `by ${e.by}` : "";
  switch (e.kind) {
    case "ci":
      return `run ${e.runId}${e.attempt && e.attempt > 1 ? ` attempt ${e.attempt}` : ""} ${e.conclusion} on ${e.headSha.slice(0, 12)}`;
    case "closed":
      return `${e.merged ? "merged" : "closed without merging"} ${by}`;
    case "review_dismissed":
      return `review ${e.reviewId}${e.author ? ` of ${e.author}` : ""} ${by}${e.stale ? " (stale after the app's push)" : ""}`;
    case "review_withdrawn":
      return `${e.sourceId.replace(":", " ")}${e.author ? ` of ${e.author}` : ""} ${e.how} ${by}`;
    default:
      return by;
  }
}
