import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { loadConfigForProcess, logConfigWarnings, type AppConfig } from "../../config/app-config.js";
import type { Octokit } from "../../adapters/github/octokit-client.js";
import type { Deps } from "../../core/deps.js";
import type { GitHubAppPort } from "../../core/ports/index.js";
import { createLogger } from "../../core/logger.js";
import { refuseUnlessAdmin } from "../../http/bearer-auth.js";
import { createHealthRoutes } from "../../http/health-routes.js";
import { listenError } from "../../http/listen-error.js";
import { parseTarget } from "../../http/request-target.js";
import { sendError } from "../../http/respond.js";
import { sendMetrics } from "../../http/send-metrics.js";
import type { Runner } from "../../pipeline/runner.js";
import type { Stage } from "../../pipeline/stage.js";
import { noArgumentsExit } from "./no-arguments-exit.js";

const USAGE = `usage: t0-ci-bot worker

Runs jobs from the shared queue (BullMQ on REDIS_URL). Start any number of workers on any number of
machines beside one or more \`t0-ci-bot serve\` processes. Settings come from the environment and .env:
  REDIS_URL          required (redis://host:6379)
  APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH)  required: jobs call GitHub as the app, as the web processes do
  T0_WORKERS         jobs run at once by this process (default 2)
  WORKER_DRAIN_MS    how long SIGTERM waits for running jobs (default 60000); the rest resume elsewhere
  WORKER_HEALTH_PORT serve /healthz and /readyz on this port (default 0 = off), and /metrics (this
                     worker's stage, retry, failure, feedback and sandbox metrics) behind ADMIN_TOKEN
`;

export interface RunningWorker {
  deps: Deps;
  runner: Runner | undefined;
  health: Server | undefined;
  /** Stops taking jobs, waits up to `drainMs` for running ones, interrupts the rest, closes the store. */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

/** Builds the deps and starts consuming; exported for tests and for embedding. */
export interface WorkerOptions {
  overrides?: Partial<Deps>;
  /** A stage table other than the real one (tests and benches). */
  stages?: readonly Stage[];
  /** What GitHub says about the app, for the start-up check; default: through `probot.auth()` (app JWT). */
  githubApp?: GitHubAppPort;
}

export async function startWorker(config: AppConfig, opts: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = opts.overrides?.logger ?? createLogger({ level: config.LOG_LEVEL, name: "t0-ci-bot-worker" });
  logConfigWarnings(config, logger);
  const { buildDeps, closeDeps, startWorkers } = await import("../../composition.js");
  const { createProbot, ensureRedisReachable } = await import("../../app.js");
  if (!opts.overrides?.store) await ensureRedisReachable(config);
  // The GitHub adapter mints installation tokens through Probot, exactly as in `serve`.
  const probot = config.hasCredentials ? createProbot(config, logger.child({ name: "probot" })) : undefined;
  await probot?.ready();
  const deps = await buildDeps(config, { probot, logger, overrides: opts.overrides });
  // Before any job is taken: a worker that cannot serve its health port must not report "could not start"
  // and go on running jobs (its queue connection kept the process alive).
  let health: Server | undefined;
  try {
    health = config.WORKER_HEALTH_PORT ? await serveHealth(deps, config.WORKER_HEALTH_PORT, config.HOST) : undefined;
  } catch (err) {
    await deps.queue.stop({ drainMs: 0 });
    await closeDeps(deps).finally(() => probot?.close());
    throw listenError(err, "WORKER_HEALTH_PORT", config.WORKER_HEALTH_PORT, config.HOST);
  }
  // In the background: does Redis keep the jobs and locks (persistence, no eviction)?
  const { startRedisSettingsCheck } = await import("../../admin/check-redis-settings.js");
  const stopRedisCheck = startRedisSettingsCheck(deps);
  const runner = await startWorkers(deps, { role: "worker", stages: opts.stages });
  // A key GitHub refuses or a permission an installation lacks fails every job here: said once, at start.
  const { startAppRegistrationCheck } = await import("../../admin/check-app-registration.js");
  const { createOctokitGitHubApp } = await import("../../adapters/github/octokit-github-app.js");
  const githubApp = opts.githubApp ?? (probot ? createOctokitGitHubApp((await probot.auth()) as Octokit) : undefined);
  const stopAppCheck = githubApp ? startAppRegistrationCheck(githubApp, deps) : () => undefined;
  // Ten stalled-check intervals (5 min by default): rare enough to cost nothing, soon enough to matter.
  const { startResumeSweep } = await import("../../adapters/queue/resume-sweep.js");
  const stopSweep = runner ? startResumeSweep(deps, config.QUEUE_STALLED_INTERVAL_MS * 10) : () => undefined;
  logger.info({ concurrency: config.T0_WORKERS, store: deps.store.kind, queue: deps.queue.kind, healthPort: config.WORKER_HEALTH_PORT || undefined }, "worker running jobs");
  let stopping: Promise<void> | undefined;
  const stop = (o: { drainMs?: number } = {}) =>
    (stopping ??= (async () => {
      const drainMs = o.drainMs ?? config.WORKER_DRAIN_MS;
      logger.info({ drainMs }, "worker shutting down: no new jobs, draining running ones");
      stopSweep();
      stopAppCheck();
      stopRedisCheck();
      await deps.queue.stop({ drainMs });
      // Whatever still runs is interrupted; its job keeps its state and another worker resumes it.
      await runner?.stop(); // its jobs give their stage's start back before the store closes
      await new Promise<void>((r) => (health ? health.close(() => r()) : r()));
      await closeDeps(deps).finally(() => probot?.close());
      logger.info("worker stopped");
    })());
  return { deps, runner, health, stop };
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, opts: WorkerOptions = {}): Promise<number> {
  const refused = noArgumentsExit("worker", argv, USAGE, "worker takes no arguments (set T0_WORKERS and the rest in the environment or .env)");
  if (refused !== undefined) return refused;
  const config = loadConfigForProcess(env);
  if (!config) return 1;
  if (!config.REDIS_URL) {
    process.stderr.write("t0-ci-bot worker: REDIS_URL is not set. Workers share jobs through Redis; set REDIS_URL=redis://host:6379, or run `t0-ci-bot serve` alone, which runs jobs in-process.\n");
    return 2;
  }
  if (config.T0_WORKERS === 0) {
    process.stderr.write("t0-ci-bot worker: T0_WORKERS=0 means this worker would run nothing; set T0_WORKERS to 1 or more.\n");
    return 2;
  }
  // Without them it took jobs off the queue with no GitHub client (deps.github undefined) for their stages.
  // A stage table of its own (tests, benches) or a GitHub given in place of the app's needs none.
  if (!config.hasCredentials && !opts.overrides?.github && !opts.stages) {
    process.stderr.write("t0-ci-bot worker: needs the app's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH), as the web processes have them: jobs call GitHub as the app. See .env.example.\n");
    return 2;
  }
  let worker: RunningWorker;
  try {
    worker = await startWorker(config, opts);
  } catch (err) {
    process.stderr.write(`t0-ci-bot worker: could not start: ${(err as Error).message}\n`);
    // A start that failed part-way may leave a connection open (one opened before the step that failed): in a
    // real process, do not let it hold the process after the exit code is set.
    if (env === process.env) setTimeout(() => process.exit(1), 500).unref();
    return 1;
  }
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        // A second signal: leave now; BullMQ hands the jobs to others. Resolving is not leaving: the drain
        // still holds the queue, Redis and the running stages open, so the process went on for up to
        // WORKER_DRAIN_MS (docs/scaling.md promises an exit at once).
        worker.deps.logger.warn({ signal }, "second signal: exiting now; running jobs resume on another worker");
        if (env === process.env) setTimeout(() => process.exit(130), 100).unref();
        return resolve(130);
      }
      worker.deps.logger.info({ signal }, "signal received");
      worker.stop().then(
        () => {
          // Everything is closed (Probot's throttling connections too): a safety net, should a library
          // leave a handle behind, so that the process does not outlive its exit code.
          setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
          resolve(0);
        },
        (err) => {
          worker.deps.logger.error({ err }, "worker shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

/**
 * /healthz and /readyz for container health checks: the web server's own routes (health-routes.ts), so a
 * probe gets the same answer, methods and checks from either process. No StorageHealth: a worker writes
 * no intake journal (it needs REDIS_URL), so there is no local disk whose failure it could see.
 * /metrics too, behind ADMIN_TOKEN as on the web server: with REDIS_URL only workers run jobs, so stage
 * durations, retries, failures, feedback sends and the sandbox gauge are counted here and nowhere else. The
 * store-wide gauges (jobs by state, feedback backlog) are not: web processes serve them, once for the fleet.
 */
export function serveHealth(deps: Deps, port: number, host: string): Promise<Server> {
  const health = createHealthRoutes(deps);
  const metrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (refuseUnlessAdmin(req, res, deps.config.ADMIN_TOKEN)) return;
    if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "method_not_allowed", "use GET, HEAD", { allow: "GET, HEAD" });
    // This worker's own figures only: the store-wide gauges are the web process's (send-metrics.ts).
    await sendMetrics(deps, res, { fleet: false });
  };
  const server = createServer((req, res) => {
    const url = parseTarget(req.url);
    if (!url) {
      req.resume();
      return sendError(res, 400, "bad_request", "the request target is not a valid URL path");
    }
    (url.pathname === "/metrics" ? metrics(req, res).then(() => true) : health(req, res, url)).then(
      (handled) => {
        if (handled) return;
        req.resume();
        sendError(res, 404, "not_found", `No route ${req.method} ${url.pathname}: this is a worker's health port, serving /healthz, /readyz and /metrics only.`);
      },
      (err) => {
        deps.logger.error({ err, path: req.url }, "health request failed");
        if (res.headersSent) res.destroy();
        else sendError(res, 500, "internal", "internal error; see the worker's log");
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
