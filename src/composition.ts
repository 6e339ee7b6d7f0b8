import type { Probot } from "probot";
import { AppIdentity } from "./core/app-identity.js";
import { ConfigError, type AppConfig } from "./config/app-config.js";
import { settingDirProblem } from "./config/setting-dir-problem.js";
import type { Deps } from "./core/deps.js";
import { permanent } from "./core/errors.js";
import type { Clock, GitHubPort, JobQueue, JobStore, KeyedLock, Logger, WebhookDeliveriesPort } from "./core/ports/index.js";
import { createLogger } from "./core/logger.js";
import { createMetrics } from "./admin/metrics.js";
import { checkSandbox } from "./admin/check-sandbox.js";
import { systemClock } from "./adapters/clock/system-clock.js";
import { InProcessQueue } from "./adapters/queue/in-process-queue.js";
import { MemoryKeyedLock } from "./adapters/lock/memory-keyed-lock.js";
import { RecordOnlyQueue } from "./adapters/queue/record-only-queue.js";
import { LowdbJobStore } from "./adapters/store/lowdb-store.js";
import { closeStoreWithin } from "./adapters/store/close-store-within.js";
import { createGitHubPort } from "./adapters/github/create-github-port.js";
import { openWritePacer } from "./adapters/queue/write-pacer.js";
import { writeLeaseTimes } from "./adapters/github/write-lease.js";
import { createTensorZeroModel } from "./adapters/tensorzero/tensorzero-model.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "./adapters/workspace/fs-workspace.js";
import { Runner } from "./pipeline/runner.js";
import { STAGES } from "./pipeline/stages.js";
import { BUILD_CONTEXT } from "./pipeline/stages/propose-patch.js";
import { startFeedbackOutbox } from "./feedback/outbox.js";
import { startParkedReconciler } from "./pipeline/reconcile-parked.js";
import { runNowAndEvery, takesLease } from "./core/periodic.js";
import type { Stage } from "./pipeline/stage.js";
import type { SandboxProbe } from "./validate/sandbox.js";
import { recordedDeliveries, redeliverFailed } from "./handlers/redeliver-failed.js";

export interface BuildOptions {
  /** The Probot instance whose installation Octokits the GitHub adapter uses. */
  probot?: Probot;
  logger?: Logger;
  /** Anything given here replaces the adapter the config would choose (tests, benches, the demo). */
  overrides?: Partial<Deps>;
}

/**
 * The composition root: the only place that picks adapters from config. With no REDIS_URL it gives the
 * embedded defaults (lowdb file in DATA_DIR, in-process queue; with T0_WORKERS=0 no queue at all, since
 * nothing else can run the jobs of a single-process store).
 */
export async function buildDeps(config: AppConfig, opts: BuildOptions = {}): Promise<Deps> {
  const o = opts.overrides ?? {};
  const logger = o.logger ?? opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = o.clock ?? systemClock();
  const metrics = o.metrics ?? createMetrics({ defaultMetrics: true });
  const store = o.store ?? (await openStore(config, logger));
  const closers: Array<() => Promise<void>> = [];
  // One identity for the handlers and the GitHub adapter: the start-up check teaches both the real bot login.
  const identity = o.identity ?? new AppIdentity(config.BOT_LOGIN);
  // The fix-PR decisions of a repository's jobs (Stage.lock): across the fleet when it shares REDIS_URL.
  // Leases last as the queue's job locks do, and are renewed the same way while held.
  const locks = o.locks ?? (config.REDIS_URL ? await openSharedLocks(config, config.REDIS_URL, clock, logger) : new MemoryKeyedLock({ clock }));
  closers.push(() => locks.close());
  let github = o.github;
  if (!github && opts.probot) {
    // GitHub writes of an installation ≥ 1 s apart, across every process when REDIS_URL is shared.
    const paced = await openWritePacer(config, { minIntervalMs: 1000, clock });
    closers.push(paced.close);
    const appId = config.APP_ID ? Number(config.APP_ID) : undefined;
    // With REDIS_URL, one at a time across the fleet too (the lease); one process's own lane does that alone.
    const writeLease = config.REDIS_URL ? { lock: locks, ...writeLeaseTimes(config), logger } : undefined;
    github = createGitHubPort({ probot: opts.probot, writePacer: paced.pacer, writeLease, self: { appId, identity }, requestTimeoutMs: config.GITHUB_REQUEST_TIMEOUT_MS });
  }
  const queue: JobQueue =
    o.queue ??
    (config.REDIS_URL
      ? await openSharedQueue(config, config.REDIS_URL, logger)
      : config.T0_WORKERS === 0
        ? new RecordOnlyQueue()
        : new InProcessQueue({ concurrency: Math.max(1, config.T0_WORKERS), perRepo: config.T0_PER_REPO_CONCURRENCY, clock, logger }));
  return {
    config,
    store,
    queue,
    locks,
    github: github ?? unavailableGitHub(),
    workspace: o.workspace ?? createFsWorkspace({ ...workspaceOptionsFromConfig(config), logger }),
    model: o.model ?? createTensorZeroModel(config, { clock, logger }),
    clock,
    logger,
    metrics,
    identity,
    closers,
  };
}

/** Closes the store and whatever else the composition root opened; the queue is stopped by its owner. */
export async function closeDeps(deps: Deps): Promise<void> {
  // Bounded: a dead disk would hold the stop for ever. The other closers run either way.
  let failure: { err: unknown } | undefined;
  await closeStoreWithin(deps.store, deps).catch((err: unknown) => void (failure = { err }));
  for (const close of deps.closers ?? []) await close().catch(() => undefined);
  if (failure) throw failure.err;
}

async function openStore(config: AppConfig, logger: Logger): Promise<JobStore> {
  if (config.REDIS_URL) {
    // Loaded only when used, so the embedded default does not pay for ioredis/BullMQ.
    const { RedisJobStore } = await import("./adapters/store/redis-store.js");
    return RedisJobStore.forSettings(config.REDIS_URL, config);
  }
  return LowdbJobStore.open(config.dataDir, { retentionDays: config.RETENTION_DAYS, fsync: config.STORE_FSYNC, logger });
}

/** REDIS_URL: the BullMQ queue shared by every web and worker process. */
async function openSharedQueue(config: AppConfig, url: string, logger: Logger): Promise<JobQueue> {
  const { BullmqQueue } = await import("./adapters/queue/bullmq-queue.js");
  return new BullmqQueue({
    url,
    prefix: config.REDIS_PREFIX,
    concurrency: Math.max(1, config.T0_WORKERS),
    perRepo: config.T0_PER_REPO_CONCURRENCY,
    logger,
    lockDurationMs: config.QUEUE_LOCK_MS,
    stalledIntervalMs: config.QUEUE_STALLED_INTERVAL_MS,
    repoBusyDelayMs: config.QUEUE_REPO_BUSY_DELAY_MS,
  });
}

async function openSharedLocks(config: AppConfig, url: string, clock: Clock, logger: Logger): Promise<KeyedLock> {
  const { RedisKeyedLock } = await import("./adapters/lock/redis-keyed-lock.js");
  return RedisKeyedLock.open(url, { prefix: `${config.REDIS_PREFIX}:`, ttlMs: config.QUEUE_LOCK_MS, clock, logger });
}

/**
 * Starts job execution in this process: resumes what a previous process left unfinished and consumes
 * the queue. With T0_WORKERS=0 nothing runs here (web-only process). With a shared queue (REDIS_URL)
 * only `t0-ci-bot worker` processes (role "worker") run jobs; web processes record and enqueue.
 */
export async function startWorkers(
  deps: Deps,
  opts: { role?: "serve" | "worker"; stages?: readonly Stage[]; probeSandbox?: () => Promise<SandboxProbe> } = {},
): Promise<Runner | undefined> {
  if (deps.config.T0_WORKERS === 0) return undefined;
  if (deps.queue.kind === "bullmq" && opts.role !== "worker") return undefined;
  // Every clone goes there: a path that cannot hold one fails the start, not each job at its clone.
  const workspaceProblem = settingDirProblem("WORKSPACE_ROOT", deps.config.WORKSPACE_ROOT, "<os tmpdir>/t0-ci-bot");
  if (workspaceProblem) throw new ConfigError([workspaceProblem]);
  // Beside the sweep and the resume: said before the first job, not after its validation fails.
  const sandboxChecked = checkSandbox(deps, opts.probeSandbox);
  const runner = new Runner(deps, opts.stages ?? STAGES);
  const keep = new Set(await deps.store.listUnfinishedJobIds());
  const swept = await deps.workspace.sweep(keep, await pastBuildContext(deps, keep));
  if (swept) deps.logger.info({ swept }, "removed stale workspaces");
  // Queued before consuming: a resume that fails (Redis refusing writes) fails the start with nothing taken,
  // where a queue already consuming ran jobs in a process about to exit (embedded: left running after it).
  const resumed = await runner.resumeUnfinished();
  await deps.queue.start((item, ctx) => runner.runJob(item, ctx));
  if (resumed) deps.logger.info({ resumed }, "resumed unfinished jobs");
  await sandboxChecked;
  // Feedback left pending by a crash or a gateway outage is resent now and every minute; stops with the runner.
  const stopOutbox = startFeedbackOutbox(deps);
  // Jobs parked for a webhook that never came (past GitHub's redelivery window) are checked against GitHub.
  const stopReconciler = startParkedReconciler(deps);
  const stopRunner = runner.stop.bind(runner);
  // The outbox's last sweep writes back the item it was sending before the caller closes the store.
  runner.stop = () => (stopReconciler(), Promise.all([stopOutbox(), stopRunner()]).then(() => undefined));
  return runner;
}

// Without credentials (e.g. the CLI) there is no GitHub client: a job run here stops with a reason.
function unavailableGitHub(): GitHubPort {
  return {
    forInstallation: async () => {
      throw permanent("github_not_configured", "This process has no GitHub App credentials; set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) and run the job with `t0-ci-bot serve` or `worker`.");
    },
  };
}


/**
 * Housekeeping that belongs to whoever owns the store: retention/compaction now and then every
 * `everyMs`. Returns a function that stops it.
 */
export function startMaintenance(deps: Deps, everyMs = 6 * 3600_000): () => void {
  const store = deps.store as JobStore & { compact?: () => Promise<Record<string, number>> };
  if (!store.compact) return () => undefined;
  const run = () =>
    store.compact!().then(
      (r) => Object.values(r).some((n) => n > 0) && deps.logger.info(r, "store compacted"),
      (err) => deps.logger.warn({ err }, "store compaction failed; will try again"),
    );
  return runNowAndEvery(everyMs, run);
}

/**
 * Webhooks GitHub could not hand us (process down, restarting, 5xx) are asked for again: now and every
 * `everyMs`, over the last REDELIVER_WINDOW_HOURS. A store shared by a fleet (Redis) lets one web process
 * do it per period. Returns a function that stops it.
 */
export function startRedelivery(deps: Deps, api: WebhookDeliveriesPort | undefined, everyMs = 3600_000): () => void {
  const hours = deps.config.REDELIVER_WINDOW_HOURS;
  if (!api || hours === 0) return () => undefined;
  const run = async (first: boolean) => {
    try {
      // The start-up pass holds its lease ten minutes, not the hour: a process restarted after an outage
      // must not find the lease of its previous life still held, while the web processes of one deploy
      // still do one pass between them. The hourly passes share a lease of nearly the period, or a fleet
      // whose timers drifted apart would read GitHub's delivery log once per process per hour.
      const [lease, ms] = first ? ["redeliver", 10 * 60_000] : ["redeliver:periodic", Math.max(10 * 60_000, everyMs - 60_000)];
      if (!(await takesLease(deps.store, lease, ms))) return;
      const since = new Date(deps.clock.now() - hours * 3600_000);
      // Also what we acknowledged but no longer have (the previous process lost it in a power cut with
      // STORE_FSYNC=false): on every pass, as one that found too many, or whose request GitHub refused,
      // leaves some for the next.
      const recorded = async () => recordedDeliveries(await deps.store.listDeliveries({ limit: 1000 }));
      const r = await redeliverFailed(api, { since, dryRun: deps.config.DRY_RUN, logger: deps.logger, recorded });
      if (r.failed || r.lost.length) {
        deps.logger.info({ checked: r.checked, failed: r.failed, lost: r.lost.length, redelivered: r.redelivered.length, gaveUp: r.gaveUp.length }, "checked GitHub for unacknowledged webhooks");
      }
    } catch (err) {
      deps.logger.warn({ err }, "could not read the app's webhook deliveries from GitHub; will try again in an hour");
    }
  };
  return runNowAndEvery(everyMs, run);
}

/**
 * The unfinished jobs whose raw logs no stage reads any more: build-context made the redacted context from
 * them. A job waiting days for CI on its fix PR would otherwise keep them from before that was so.
 */
async function pastBuildContext(deps: Deps, ids: ReadonlySet<string>): Promise<Set<string>> {
  const done = new Set<string>();
  for (const id of ids) {
    const job = await deps.store.getJob(id);
    if (job?.completedStages.includes(BUILD_CONTEXT)) done.add(id);
  }
  return done;
}
