import type { Deps } from "../core/deps.js";
import { GITHUB_RATE_LIMITED, JOB_TAKEN_OVER, LOCK_BUSY, permanent, toAppError, transient, type AppError } from "../core/errors.js";
import { isFinal, transition, type Job } from "../core/job.js";
import { allowlistFilter } from "../handlers/filters.js";
import type { QueueItem, RunContext } from "../core/ports/job-queue.js";
import type { WriteFence } from "../core/ports/job-store.js";
import type { KeyedLock, LockHold } from "../core/ports/keyed-lock.js";
import type { Logger } from "../core/ports/logger.js";
import { MemoryKeyedLock } from "../adapters/lock/memory-keyed-lock.js";
import { redact, redactDeep } from "../core/redact.js";
import { backoffDelay, rateLimitDelay } from "./backoff.js";
import { FencedGitHub } from "./fenced-github.js";
import { FencedJobStore } from "./fenced-job-store.js";
import type { Stage, StageOutcome } from "./stage.js";
import { markStageStarted, recordStageOutcome, startsSinceCompleted } from "./stage-writes.js";

/**
 * A dependency down (the gateway's open circuit breaker, GitHub not answering), GitHub's rate limit, a disk
 * full or refusing writes, or another job of the repository holding the fix-PR lock: the job waits with
 * backoff (a rate limit: until the time GitHub gave) for up to WAIT_MAX_HOURS, and these tries do not count
 * against the stage's retry budget. JOB_MAX_RETRIES at their backoff last about five minutes: a disk filled
 * overnight, or an installation's spent hourly rate limit, failed every job caught by it for good, and a busy
 * monorepo's jobs must not fail for good queueing for the lock.
 */
const WAIT_CODES = new Set(["model_unavailable", "github_unavailable", GITHUB_RATE_LIMITED, "disk_full", "disk_error", "disk_low", LOCK_BUSY]);

export const queueItemFor = (job: Job): QueueItem => ({ jobId: job.id, installationId: job.installationId, repo: job.repo.fullName });

/**
 * The one loop that walks the stage table. It owns the lifecycle state (written before and after each
 * stage), timing, structured logs, retry with backoff, permanent failure with a reason, dry-run, and
 * resume from the first stage not yet completed.
 */
export class Runner {
  readonly #deps: Deps;
  readonly #stages: readonly Stage[];
  /** Deps' lock (the composition root's, shared by the fleet with REDIS_URL), or this runner's own in-process one. */
  readonly #locks: KeyedLock;
  readonly #inflight = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  /** Runs in a row, per job, that failed outside their stage: the backoff step of the next one. */
  readonly #escapes = new Map<string, number>();
  /** What a run in flight knows of its job (ids, current stage), for the lines logged if it escapes. */
  readonly #where = new Map<string, JobBindings>();
  #stopping = false;

  constructor(deps: Deps, stages: readonly Stage[]) {
    this.#deps = deps;
    this.#stages = stages;
    this.#locks = deps.locks ?? new MemoryKeyedLock({ clock: deps.clock });
  }

  /** Re-enqueues every job left unfinished by a previous process (not those parked waiting for an event). */
  async resumeUnfinished(): Promise<number> {
    let n = 0;
    for (const id of await this.#deps.store.listUnfinishedJobIds()) {
      const job = await this.#deps.store.getJob(id);
      if (!job || job.waitingFor) continue;
      const delayMs = job.nextAttemptAt ? Math.max(0, Date.parse(job.nextAttemptAt) - this.#deps.clock.now()) : 0;
      await this.#deps.queue.enqueue(queueItemFor(job), { delayMs });
      n++;
    }
    return n;
  }

  /**
   * Aborts running stages; their jobs stay in their current state and resume on the next start. Resolves
   * once every job in flight has given its stage's start back, so the caller may close the store after it.
   */
  stop(): Promise<void> {
    this.#stopping = true;
    for (const ac of this.#inflight.values()) ac.abort(new Error("t0-ci-bot is shutting down"));
    return Promise.allSettled([...this.#running]).then(() => undefined);
  }

  async runJob(item: QueueItem, ctx: RunContext = {}): Promise<void> {
    const run = this.#runJob(item, ctx);
    this.#running.add(run);
    try {
      await run;
      this.#escapes.delete(item.jobId);
    } catch (raw) {
      const err = toAppError(raw);
      if (err.code === JOB_TAKEN_OVER) return this.#takenOver(item, err);
      await this.#requeueAfterEscape(item, err);
    } finally {
      this.#running.delete(run);
      this.#where.delete(item.jobId);
    }
  }

  /**
   * The store refused a write of this run: the queue's lease on the job, its fence, is lost, and the worker
   * that holds it now runs the job. Nothing more is written (a failure or a backoff would be written over
   * that worker's progress) and nothing queued; a lease that merely lapsed, with no one else running the
   * job, is found by the shared queue's resume sweep.
   */
  #takenOver(item: QueueItem, err: AppError): void {
    this.#escapes.delete(item.jobId);
    const log = this.#deps.logger.child(this.#where.get(item.jobId) ?? { jobId: item.jobId, repo: item.repo });
    log.warn({ err: { code: err.code, message: err.message } }, "this worker's lease on the job is lost and the store refused the run's write; another worker runs the job now, and this run stops without writing anything more");
  }

  /**
   * An error outside the stage (the store failing a state write) leaves the job mid-state with nothing
   * queued, and the in-process queue has no sweep to find it before the next start: queue it again with
   * backoff. A retryable error is retried as long as it lasts, at most every RETRY_MAX_MS; any other (a
   * bug, a job deleted under us) only JOB_MAX_RETRIES times, then the job waits for the next start.
   */
  async #requeueAfterEscape(item: QueueItem, err: AppError): Promise<void> {
    const { config, queue } = this.#deps;
    const log = this.#deps.logger.child(this.#where.get(item.jobId) ?? (await this.#lookUp(item)));
    const n = this.#escapes.get(item.jobId) ?? 0;
    const e = { code: err.code, message: err.message, retryable: err.retryable };
    if (this.#stopping || (!err.retryable && n >= config.JOB_MAX_RETRIES)) {
      this.#escapes.delete(item.jobId);
      log.error({ err: e, tries: n + 1 }, "job run failed outside its stage; it is left as it is and resumes on the next start");
      return;
    }
    const delayMs = backoffDelay(Math.min(n, 30), { baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS, retryAfterMs: err.retryAfterMs });
    this.#escapes.set(item.jobId, n + 1);
    log.warn({ err: e, delayMs, tries: n + 1 }, "job run failed outside its stage; queued again with backoff");
    try {
      await queue.enqueue(item, { delayMs });
    } catch (qerr) {
      log.error({ err: qerr }, "could not queue the job again; it resumes on the next start (or the shared queue's sweep)");
    }
  }

  /**
   * The run's view of the store and GitHub under the queue's lease: its writes to the job, and its visible
   * GitHub writes, are refused once the lease is lost, so they cannot land beside the new owner's.
   */
  #fenced(jobId: string, fence: WriteFence): Deps {
    const store = this.#deps.store;
    const github = store.holdsFence ? new FencedGitHub(this.#deps.github, jobId, fence, store.holdsFence.bind(store)) : this.#deps.github;
    return { ...this.#deps, store: new FencedJobStore(store, jobId, fence), github };
  }

  /**
   * The bindings of a job that escaped before its run knew them (the store failed its first read): read
   * again, once; a store still down leaves the ids null rather than the line out.
   */
  async #lookUp(item: QueueItem): Promise<JobBindings> {
    const job = await this.#deps.store.getJob(item.jobId).catch(() => undefined);
    return job ? { ...bindingsOf(job), stage: job.stage ?? null } : { jobId: item.jobId, deliveryId: null, repo: item.repo, runId: null, stage: null };
  }

  async #runJob(item: QueueItem, { signal: lost, fence }: RunContext): Promise<void> {
    const { clock } = this.#deps;
    // Every write of this run to its job, the stages' too, carries the queue's lease: once it is lost the
    // store refuses the write (JOB_TAKEN_OVER) rather than let it land over the new owner's.
    const deps: Deps = fence ? this.#fenced(item.jobId, fence) : this.#deps;
    const { store } = deps;
    let job = await store.getJob(item.jobId);
    if (job && isFinal(job.state) && !this.#stopping && !lost?.aborted) {
      // Stopped while it waited in the queue (a retry's backoff): no run of it ends, so none removed its
      // workspace, and its raw logs would stay there until the next start's sweep.
      return await this.#cleanup(job, this.#deps.logger.child(bindingsOf(job)));
    }
    if (!job || isFinal(job.state) || job.waitingFor || this.#stopping || lost?.aborted) return;
    const where: JobBindings = { ...bindingsOf(job), stage: job.stage ?? null };
    this.#where.set(job.id, where);
    const log = this.#deps.logger.child(bindingsOf(job));
    const ac = new AbortController();
    this.#inflight.set(job.id, ac);
    const onLost = () => ac.abort(lost!.reason);
    lost?.addEventListener("abort", onLost, { once: true });
    try {
      for (const stage of this.#stages) {
        if (ac.signal.aborted) return;
        if (job.completedStages.includes(stage.name)) continue;
        const slog = log.child({ stage: stage.name });
        where.stage = stage.name;
        const now = () => new Date(clock.now()).toISOString();
        // Every start is counted before the stage runs, and a clean shutdown gives its start back: starts
        // beyond the retry budget mean the process running the stage died each time (out of memory,
        // killed). Running it again would only repeat that, so the job fails here instead of looping.
        const starts = startsSinceCompleted(job, stage.name);
        if (starts > this.#deps.config.JOB_MAX_RETRIES) {
          const err = permanent(
            "stage_crashed",
            `Stage ${stage.name} was started ${starts} times and never finished: the process running it died each time (out of memory or killed?). See the worker's log, then \`t0-ci-bot jobs retry ${job.id}\`.`,
          );
          await this.#fail(deps, job, stage, err, starts, slog);
          return;
        }
        // Judged inside the write: the job may have been stopped since the last one (see stopJob).
        job = await store.updateJob(job.id, (j) => markStageStarted(j, stage, now()));
        if (isFinal(job.state)) return await this.#stopped(job, slog);
        const wakesAtStart = job.wakes ?? 0;
        const attempt = Math.max(1, startsSinceCompleted(job, stage.name));
        slog.info({ attempt, state: stage.state }, "stage started");
        const started = clock.now();
        // A stage that decides from the other jobs of its repository holds their lock from before it runs until
        // its outcome is on the job (see Stage.lock): released, its record is what the next one reads.
        let hold: LockHold | undefined;
        let work: Promise<StageOutcome> | undefined;
        try {
          let outcome: StageOutcome;
          try {
            // A stop that came during the start write: the stage must not start (its start is given back below,
            // so the next process runs it; started now, a side effect would happen twice).
            if (ac.signal.aborted) throw ac.signal.reason;
            hold = await this.#lock(stage, job, ac.signal);
            work = this.#invoke(stage, job, deps, { log: slog, signal: ac.signal, dryRun: job.dryRun, attempt });
            outcome = await untilAborted(work, ac.signal);
          } catch (raw) {
            const err = toAppError(raw);
            const seconds = (clock.now() - started) / 1000;
            this.#deps.metrics.stageDuration.observe({ stage: stage.name, outcome: "error" }, seconds);
            // A clean stop, or a take-over (the worker that has the job now counted a start of its own): this
            // start ended in no crash, so it is given back.
            if (ac.signal.aborted && (this.#stopping || lost?.aborted)) {
              if (lost?.aborted) slog.warn({ err }, "stage interrupted: another worker took the job over and runs it now");
              else slog.warn({ err }, "stage interrupted by shutdown; the job resumes on the next start");
              // Not fenced: after a take-over the lease is the other worker's, and this only takes back this
              // run's own start (a relative change, applied on top of whatever that worker wrote).
              await this.#deps.store.updateJob(job.id, (j) => {
                j.attempts.byStage[stage.name] = Math.max(0, (j.attempts.byStage[stage.name] ?? 1) - 1);
              });
              return;
            }
            // The stage's own write to the job was refused: the lease is lost (see #takenOver).
            if (err.code === JOB_TAKEN_OVER) throw err;
            await this.#fail(deps, job, stage, err, attempt, slog);
            return;
          }
          const seconds = (clock.now() - started) / 1000;
          this.#deps.metrics.stageDuration.observe({ stage: stage.name, outcome: "ok" }, seconds);
          slog.info({ durationMs: Math.round(seconds * 1000), waitFor: outcome.wait, finish: outcome.finish }, "stage completed");
          let woken = false;
          let stopped = false;
          // Judged inside the write: an event recorded while the stage ran is one it has not seen.
          job = await store.updateJob(job.id, (j) => void ({ stopped, woken } = recordStageOutcome(j, stage.name, outcome, wakesAtStart, now())));
          if (stopped) return await this.#stopped(job, slog);
          if (outcome.finish) return await this.#cleanup(job, slog);
          if (woken) {
            slog.info({ waitFor: outcome.wait }, "woken while the stage ran: the job runs again from its first stage not completed");
            // The waking webhook queued the job too; the queues keep one run of it either way.
            await this.#deps.queue.enqueue(queueItemFor(job)).catch((err) => slog.warn({ err }, "could not queue the job again; it resumes on the next start"));
            return;
          }
          if (outcome.wait) return;
        } finally {
          // A stage abandoned on a stop may still be writing: its lock is released once it has ended.
          if (hold) await this.#release(hold, ac.signal.aborted ? work : undefined, slog);
        }
      }
      let due: string | undefined;
      job = await store.updateJob(job.id, (j) => {
        if (isFinal(j.state)) return;
        // An event recorded after the last stage's write made a stage due again (a fix PR reopened while
        // its close's feedback was sent): the job is not done.
        due = this.#stages.find((s) => !j.completedStages.includes(s.name))?.name;
        if (due) return;
        transition(j, "completed", new Date(clock.now()).toISOString());
        j.stage = undefined;
        j.updatedAt = new Date(clock.now()).toISOString();
      });
      if (due) {
        log.info({ stage: due }, "a stage became due again as the job finished; it runs again");
        await this.#deps.queue.enqueue(queueItemFor(job)).catch((err) => log.warn({ err }, "could not queue the job again; it resumes on the next start"));
        return;
      }
      if (job.state !== "completed") return await this.#stopped(job, log);
      log.info("job completed");
      await this.#cleanup(job, log);
    } finally {
      lost?.removeEventListener("abort", onLost);
      this.#inflight.delete(item.jobId);
    }
  }

  /**
   * The stage's lock, when it has one and acts (a dry run writes nothing another job reads). Not taken
   * within the stage's wait: a retryable error the runner waits out like a dependency that is down.
   */
  async #lock(stage: Stage, job: Job, signal: AbortSignal): Promise<LockHold | undefined> {
    if (!stage.lock || job.dryRun || this.#deps.config.DRY_RUN) return undefined;
    const key = stage.lock.key(job);
    const hold = await this.#locks.acquire(key, { waitMs: stage.lock.waitMs, signal });
    if (signal.aborted) {
      await hold?.release();
      throw signal.reason;
    }
    if (hold) return hold;
    throw transient(
      LOCK_BUSY,
      `Another job of ${job.repo.fullName} held the lock ${key} for more than ${Math.round(stage.lock.waitMs / 1000)} s while deciding its fix PR; job ${job.id} did nothing in ${stage.name} and tries again after a backoff.`,
      { details: { lock: key, waitMs: stage.lock.waitMs } },
    );
  }

  async #release(hold: LockHold, pending: Promise<unknown> | undefined, log: Logger): Promise<void> {
    const release = () => hold.release().catch((err) => log.warn({ err, lock: hold.key }, "could not release the lock; it frees itself when its lease expires"));
    if (pending) return void pending.then(release, release);
    await release();
  }

  async #invoke(stage: Stage, job: Job, deps: Deps, ctx: Parameters<Stage["run"]>[2]): Promise<StageOutcome> {
    // REPO_ALLOWLIST is judged at intake, and read at start: a job queued, parked or interrupted before the
    // repository was taken out of it (a restart with the new list) must not go on acting there.
    const notAllowed = allowlistFilter(this.#deps.config, job.repo.fullName);
    if (notAllowed) {
      throw permanent(
        "repo_not_allowed",
        `${notAllowed.reason} (any more); the job stopped before ${stage.name} and did nothing there. To fix this failure after all, add the repository to REPO_ALLOWLIST and run \`t0-ci-bot jobs retry ${job.id}\`.`,
      );
    }
    if (stage.sideEffects && !ctx.dryRun && this.#deps.config.DRY_RUN) {
      // DRY_RUN is the switch that stops every write; a job made to act before it was turned on (queued,
      // parked on its PR, waiting for a retry) stops here, kept for a retry, rather than acting anyway or
      // half-describing a fix whose PR may already be open.
      throw permanent(
        "dry_run_on",
        `DRY_RUN is on, and job ${job.id} was created to act before it was; it stopped before ${stage.name} without acting. Turn DRY_RUN off and run \`t0-ci-bot jobs retry ${job.id}\` to let it go on.`,
      );
    }
    if (ctx.dryRun && stage.sideEffects) {
      if (stage.dryRun) return stage.dryRun(job, deps, ctx);
      ctx.log.info(`dry run: would run "${stage.name}"`);
      return { result: { dryRun: true, wouldRun: stage.name } };
    }
    return stage.run(job, deps, ctx);
  }

  /** `deps`: the run's, whose store fences its writes to the job. */
  async #fail(deps: Deps, job: Job, stage: Stage, err: AppError, attempt: number, log: Logger): Promise<void> {
    const { store, clock, config, queue } = deps;
    const at = new Date(clock.now()).toISOString();
    const waiting = WAIT_CODES.has(err.code);
    // A dependency down for longer than WAIT_MAX_HOURS ends the wait: a GitHub that answers one request with
    // 502 every time (a query too heavy for it) would otherwise be polled for ever.
    const waitsSince = job.attempts.waitsSince ?? at;
    const waitedTooLong = waiting && clock.now() - Date.parse(waitsSince) >= config.WAIT_MAX_HOURS * 3_600_000;
    const waitOnly = waiting && !waitedTooLong;
    const retries = attempt - 1;
    if (err.retryable && (waitOnly || (!waiting && retries < config.JOB_MAX_RETRIES))) {
      // A wait gives its start back, so `attempt` stays 1: its backoff grows with the waits in a row instead,
      // or a dependency down for an hour would be polled at the base delay all that time.
      const step = waitOnly ? (job.attempts.waits ?? 0) : retries;
      const delay = err.code === GITHUB_RATE_LIMITED ? rateLimitDelay : backoffDelay;
      const delayMs = delay(Math.min(step, 30), { baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS, retryAfterMs: err.retryAfterMs });
      const backingOff = await store.updateJob(job.id, (j) => {
        if (isFinal(j.state)) return;
        j.error = storedError({ code: err.code, message: err.message, retryable: true, stage: stage.name, at, details: err.details });
        j.nextAttemptAt = new Date(clock.now() + delayMs).toISOString();
        if (waitOnly) {
          j.attempts.byStage[stage.name] = Math.max(0, (j.attempts.byStage[stage.name] ?? 1) - 1);
          j.attempts.waits = (j.attempts.waits ?? 0) + 1;
          j.attempts.waitsSince ??= at;
        } else {
          // Another error means the dependency answered: that outage is over, and a later one gets its own
          // WAIT_MAX_HOURS and backoff from the base, not the remainder of this one's.
          delete j.attempts.waits;
          delete j.attempts.waitsSince;
        }
        j.updatedAt = at;
      });
      if (isFinal(backingOff.state)) return await this.#stopped(backingOff, log, err);
      // A wait is not a failure of the job: counted apart, an alert on retries does not fire for an outage or a rate limit.
      (waitOnly ? this.#deps.metrics.waits : this.#deps.metrics.retries).inc({ stage: stage.name, code: err.code });
      if (waitOnly) log.warn({ err: { code: err.code, message: err.message }, delayMs, waits: (job.attempts.waits ?? 0) + 1 }, "waiting: the job tries again later, without using up its retries");
      else log.warn({ err: { code: err.code, message: err.message }, delayMs, attempt }, "retryable failure; backing off");
      await queue.enqueue(queueItemFor(job), { delayMs });
      return;
    }
    const message = waitedTooLong
      ? `${err.message} (still so after waiting since ${waitsSince}, longer than WAIT_MAX_HOURS=${config.WAIT_MAX_HOURS}; \`t0-ci-bot jobs retry ${job.id}\` runs it again)`
      : err.retryable
        ? `${err.message} (gave up after ${attempt} attempts)`
        : err.message;
    let stopped = false;
    const failed = await store.updateJob(job.id, (j) => {
      // A job stopped while the stage ran keeps the reason it was stopped for: this error most likely follows from it.
      if ((stopped = isFinal(j.state))) return;
      j.error = storedError({ code: err.code, message, retryable: err.retryable, stage: stage.name, at, details: err.details });
      transition(j, "failed", at, { stage: stage.name, note: err.code });
      j.updatedAt = at;
    });
    if (stopped) return await this.#stopped(failed, log, err);
    // By code, as the retries are: an operator alerts on a rise of one kind (validation_failed after a toolchain
    // change, fix_branch_moved, a refused installation) rather than reading the jobs one by one.
    this.#deps.metrics.failures.inc({ stage: stage.name, code: err.code });
    log.error({ err: { code: err.code, message, retryable: err.retryable } }, "job failed");
    await this.#cleanup(failed, log);
  }

  /** The job was stopped from outside while this run held it (see stopJob): it ends here, without a further write. */
  async #stopped(job: Job, log: Logger, err?: AppError): Promise<void> {
    const stageErr = err && { code: err.code, message: err.message };
    log.info({ reason: job.error?.code, stageError: stageErr }, `job was stopped while it ran: ${job.error?.message ?? job.state}; it goes no further`);
    await this.#cleanup(job, log);
  }

  async #cleanup(job: Job, log: Logger): Promise<void> {
    if (this.#deps.config.KEEP_WORKSPACE) return;
    try {
      await this.#deps.workspace.remove(job.id);
    } catch (err) {
      log.warn({ err }, "could not remove the workspace; the start-up sweep will");
    }
  }
}

/** The fields every log line of a job carries (`stage` is null outside any stage). */
type JobBindings = { jobId: string; deliveryId: string | null; repo: string; runId: number | null; stage?: string | null };

const bindingsOf = (job: Job): JobBindings => ({ jobId: job.id, deliveryId: job.deliveryId, repo: job.repo.fullName, runId: job.run.id });

/**
 * The stage's outcome, or the abort reason as soon as stop() aborts: a stage that ignores its signal must
 * not keep its start counted past a clean stop, or the restart would take it for a crash.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    // Also handles a late failure of an abandoned stage, which must not surface as an unhandled rejection.
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A job's error is kept on the job and shown by the admin API and `jobs show`: redacted like a log line
 * (an adapter's message can hold a URL with credentials, e.g. TENSORZERO_URL's).
 */
function storedError<E extends { message: string; details?: Record<string, unknown> | undefined }>(e: E): E {
  return { ...e, message: redact(e.message), ...(e.details ? { details: redactDeep(e.details) } : {}) };
}
