import { Probot, ProbotOctokit } from "probot";
import { logConfigWarnings, type AppConfig } from "./config/app-config.js";
import { buildDeps, closeDeps, startMaintenance, startRedelivery, startWorkers } from "./composition.js";
import { startAppRegistrationCheck } from "./admin/check-app-registration.js";
import { startRedisSettingsCheck } from "./admin/check-redis-settings.js";
import { createOctokitGitHubApp } from "./adapters/github/octokit-github-app.js";
import { createOctokitWebhookDeliveries } from "./adapters/github/octokit-webhook-deliveries.js";
import { githubUrls } from "./adapters/github/github-urls.js";
import { wholeBodyFetch } from "./adapters/github/whole-body-fetch.js";
import { withRequestTimeout } from "./adapters/github/request-timeout.js";
import type { Octokit } from "./adapters/github/octokit-client.js";
import type { GitHubAppPort, WebhookDeliveriesPort } from "./core/ports/index.js";
import type { Deps } from "./core/deps.js";
import { createLogger } from "./core/logger.js";
import type { Logger } from "./core/ports/logger.js";
import { within } from "./adapters/store/redis-connection.js";
import { createHttpServer, type HttpServer } from "./http/http-server.js";
import { listenError } from "./http/listen-error.js";
import type { Runner } from "./pipeline/runner.js";

export interface StartOptions {
  logger?: Logger;
  /** Adapters to use instead of the configured ones (tests, benches). */
  overrides?: Partial<Deps>;
  /** GitHub's log of the app's webhook deliveries; default: through `probot.auth()` (app JWT). */
  webhookDeliveries?: WebhookDeliveriesPort;
  /** What GitHub says about the app, for the start-up check; default: through `probot.auth()` (app JWT). */
  githubApp?: GitHubAppPort;
  /** Port/host to listen on instead of PORT/HOST (tests pass 0). */
  port?: number;
  host?: string;
}

export interface RunningApp {
  url: string;
  port: number;
  deps: Deps;
  probot: AppProbot;
  http: HttpServer;
  runner: Runner | undefined;
  /** Graceful stop: refuse new webhooks, let running jobs finish for up to `drainMs`, then close the store. */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

/**
 * Octokit's own retries of a failing GitHub request (network errors, 5xx). Its default, 3, nests: an
 * installation's request retries the token request, which retries itself, so with GitHub unreachable one
 * stage waited 16 token requests and 157 s without a log line. The runner already retries a failed stage
 * with backoff and says so; one retry here covers a blip, and an outage reaches the runner after 4 requests
 * and about 14 s, as `github_unavailable` (github-outage.ts): the job then waits with backoff up to
 * RETRY_MAX_MS between tries, without using up JOB_MAX_RETRIES, for up to WAIT_MAX_HOURS.
 */
export const GITHUB_REQUEST_RETRIES = 1;

/**
 * Statuses Octokit's retry plugin leaves to the caller: its defaults, and 429. A 429 is a rate limit
 * (reference/github.md §5), which the retry plugin retried after a second, against GitHub's retry-after
 * (or the minute it asks for without one); the throttling below and the runner's wait handle it.
 */
const GITHUB_NOT_RETRIED = [400, 401, 403, 404, 410, 422, 429, 451];

/**
 * Probot is used for what it is good at: verifying signatures and minting installation Octokits.
 * `retryAfterBaseMs` (tests) shortens Octokit's wait between retries, 1 s times the square of the try.
 */
export function createProbot(config: AppConfig, log: Logger, opts: { retryAfterBaseMs?: number } = {}): AppProbot {
  const base = opts.retryAfterBaseMs === undefined ? {} : { retryAfterBaseValue: opts.retryAfterBaseMs };
  // Probot opens them and never closes them: seen as they pass through the Octokit options, closed by close().
  const throttleConnections = new Set<ThrottleConnection>();
  // Given to Probot as well: the installation-token request goes through Probot's own `request`, not the Octokit's.
  const request = { fetch: withRequestTimeout(wholeBodyFetch, { timeoutMs: config.GITHUB_REQUEST_TIMEOUT_MS }) };
  const defaults = { retry: { retries: GITHUB_REQUEST_RETRIES, doNotRetry: GITHUB_NOT_RETRIED, ...base }, request };
  const probot = new Probot({
    Octokit: ProbotOctokit.defaults((options: ProbotOctokitOptions) => {
      const connection = (options.throttle as { connection?: ThrottleConnection } | undefined)?.connection;
      if (connection) throttleConnections.add(connection);
      return {
        ...defaults,
        ...options,
        ...authOnBaseUrl(options),
        // Over Probot's handlers, keeping its Redis clustering (Bottleneck, connection) when it set one.
        throttle: { ...options.throttle, ...base, ...rateLimitHandlers(log) },
      };
    }),
    request,
    appId: config.APP_ID,
    privateKey: config.privateKey,
    // Probot's own default; production refuses to start without WEBHOOK_SECRET (app-config).
    secret: config.WEBHOOK_SECRET ?? "development",
    baseUrl: config.GHE_HOST ? githubUrls(config).apiBaseUrl : undefined,
    redisConfig: config.REDIS_URL && namedRedisUrl(config.REDIS_URL, `${config.REDIS_PREFIX}:github-throttle`),
    log: log as unknown as import("probot").Logger,
  });
  const close = async () => {
    // Probot makes the connection while it initialises: after ready(), it has passed through the options.
    await probot.ready().catch(() => undefined);
    await Promise.all([...throttleConnections].map(closeThrottleConnection));
  };
  return Object.assign(probot, { close });
}

/** The Probot the app uses, and a way to close what Probot itself opened. */
export type AppProbot = Probot & {
  /**
   * Closes Probot's own Redis connections (its request throttling's client and subscriber, with REDIS_URL),
   * which otherwise kept the process alive after everything of ours was closed. For the end of the process:
   * the throttling plugin keeps its Bottleneck groups process-wide, on the connection of the first Probot
   * that made a GitHub request, so after close() a GitHub request through any Probot of this process fails.
   */
  close(): Promise<void>;
};

/** Bottleneck's IORedisConnection, as far as closing it goes. */
type ThrottleConnection = { disconnect(flush?: boolean): Promise<unknown> };

/** How long QUIT may take before the connections are dropped: a Redis gone away answers nothing. */
const THROTTLE_QUIT_MAX_MS = 2_000;

async function closeThrottleConnection(connection: ThrottleConnection): Promise<void> {
  const quit = connection.disconnect(true).then(() => true, () => false);
  if ((await within(quit, THROTTLE_QUIT_MAX_MS)) !== true) await connection.disconnect(false).catch(() => undefined);
}

/**
 * Probot opens its throttling's connections itself, from a URL only: ioredis takes `connectionName` from the
 * query, so CLIENT LIST says whose they are (a name the URL already gives is kept).
 */
function namedRedisUrl(url: string, name: string): string {
  const u = new URL(url);
  if (!u.searchParams.has("connectionName")) u.searchParams.set("connectionName", name);
  return u.toString();
}

/**
 * With REDIS_URL, Redis answers before Probot is made: Probot's own Redis client (its request throttling)
 * logs every refused connection as an error with its stack, so a Redis that is down put lines of them after
 * the store's "Cannot reach Redis … Start Redis or fix REDIS_URL." Throws that store_unavailable error.
 */
export async function ensureRedisReachable(config: AppConfig): Promise<void> {
  if (!config.REDIS_URL) return;
  const { RedisJobStore } = await import("./adapters/store/redis-store.js");
  await (await RedisJobStore.forSettings(config.REDIS_URL, config)).close();
}

type ProbotOctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;

/** A primary rate limit that resets within this many seconds is slept out in place; a later one is not. */
export const RATE_LIMIT_WAIT_IN_PLACE_S = 60;

/**
 * Probot's throttling slept a spent primary rate limit out in place, up to 3 times, until its reset: up to
 * an hour holding the job's worker and, for a write, its installation's write lane (every other job's
 * writes there waited behind it). A reset within a minute still is; a later one fails the request with
 * GitHub's rate-limit error, which the port's edge makes a wait (github-outage.ts, githubRateLimit): the job
 * waits until the reset with the worker free, using up none of its retries. A secondary limit is never slept
 * out in place (as Probot's default): its error carries GitHub's retry-after, or the minute its docs ask for
 * when there is none.
 */
function rateLimitHandlers(log: Logger) {
  return {
    onRateLimit: (retryAfterS: number, o: { method: string; url: string; request: { retryCount: number } }) => {
      const inPlace = retryAfterS <= RATE_LIMIT_WAIT_IN_PLACE_S && o.request.retryCount <= 2;
      log.warn({ method: o.method, url: o.url, retryAfterS }, inPlace ? "GitHub's rate limit is spent; waiting for its reset before trying again" : "GitHub's rate limit is spent; the job waits for its reset and frees its worker");
      return inPlace;
    },
    onSecondaryRateLimit: (retryAfterS: number, o: { method: string; url: string }) => {
      log.warn({ method: o.method, url: o.url, retryAfterS }, "GitHub's secondary rate limit was hit; the job waits and tries again later");
      return false;
    },
  };
}

/**
 * Probot hands the app auth its own `request`, which has no base URL: a token asked for directly
 * (`octokit.auth({ type: "installation" })`, the clone's) was minted at api.github.com even with GHE_HOST,
 * sending the app's JWT there. Requests that go through the auth hook use their own base URL and were fine.
 */
function authOnBaseUrl(options: ProbotOctokitOptions): Partial<ProbotOctokitOptions> {
  const auth = options.auth as { request?: { defaults(o: object): unknown } } | undefined;
  if (!options.baseUrl || !auth?.request) return {};
  return { auth: { ...auth, request: auth.request.defaults({ baseUrl: options.baseUrl }) } };
}

/**
 * Starts the app with credentials: deps from the composition root, the webhook + admin HTTP server, and
 * (unless T0_WORKERS=0) the in-process workers, which first resume what a previous process left unfinished.
 */
export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<RunningApp> {
  const logger = opts.logger ?? opts.overrides?.logger ?? createLogger({ level: config.LOG_LEVEL });
  logConfigWarnings(config, logger);
  if (!opts.overrides?.store) await ensureRedisReachable(config);
  const probot = createProbot(config, logger.child({ name: "probot" }));
  // Probot 14 builds `probot.webhooks` asynchronously; it is null until ready() resolves.
  await probot.ready();
  const deps = await buildDeps(config, { probot, logger, overrides: opts.overrides });
  const http = createHttpServer({ deps, verify: (body, sig) => probot.webhooks.verify(body, sig) });
  let addr: { port: number; url: string };
  const port = opts.port ?? config.PORT;
  const host = opts.host ?? config.HOST;
  try {
    addr = await http.listen(port, host);
  } catch (err) {
    await closeDeps(deps).finally(() => probot.close());
    throw listenError(err, "PORT", port, host);
  }
  // In the background: does Redis keep what the intake acknowledges (persistence, no eviction)?
  const stopRedisCheck = startRedisSettingsCheck(deps);
  const runner = await startWorkers(deps, { role: "serve" });
  // Retention: the lowdb owner archives its own files; on Redis every web process asks and one does it.
  const stopMaintenance = startMaintenance(deps);
  const appOctokit = (await probot.auth()) as Octokit;
  // In the background: the intake serves whatever GitHub answers, or if it does not.
  const stopAppCheck = startAppRegistrationCheck(opts.githubApp ?? createOctokitGitHubApp(appOctokit), deps);
  // Only now, with the route up: a redelivery comes straight back to it.
  const stopRedelivery = startRedelivery(deps, opts.webhookDeliveries ?? createOctokitWebhookDeliveries(appOctokit));
  logger.info(
    { url: addr.url, workers: runner ? config.T0_WORKERS : 0, store: deps.store.kind, queue: deps.queue.kind, dryRun: config.DRY_RUN },
    runner
      ? "serving webhooks and running jobs"
      : config.T0_WORKERS === 0
        ? "serving webhooks; T0_WORKERS=0 so jobs are only recorded here"
        : "serving webhooks; jobs run in `t0-ci-bot worker` processes on the shared queue",
  );
  let stopping: Promise<void> | undefined;
  const stop = (o: { drainMs?: number } = {}) =>
    (stopping ??= (async () => {
      const drainMs = o.drainMs ?? 25_000;
      logger.info({ drainMs }, "shutting down: no new webhooks, draining running jobs");
      stopMaintenance();
      stopRedelivery();
      stopAppCheck();
      stopRedisCheck();
      // http.close() refuses new requests (keep-alive ones too) and resolves once those in flight are answered;
      // only a request still unanswered after the cap (e.g. a client that stopped sending its body) is cut.
      await Promise.race([http.close(), new Promise((r) => setTimeout(r, Math.min(drainMs, 5_000)).unref())]);
      http.server.closeAllConnections();
      await deps.queue.stop({ drainMs });
      // Whatever still runs is interrupted; its job keeps its state and resumes on the next start. Waited for
      // (capped like the drain) before the store closes: the feedback outbox writes back the item it was sending.
      const runnerStopped = runner?.stop();
      await deps.queue.stop({ drainMs: 2_000 });
      await Promise.race([runnerStopped, new Promise((r) => setTimeout(r, 2_000).unref())]);
      try {
        // Throws store_close_stuck when a write never returns (a dead disk): the caller exits non-zero.
        await closeDeps(deps).finally(() => probot.close());
        logger.info("stopped");
      } finally {
        // The caller may exit right away: write out what the async log destination still holds (the stuck write's line too).
        const flush = (logger as { flush?: (cb?: (err?: Error) => void) => void }).flush;
        if (flush) await new Promise<void>((r) => flush.call(logger, () => r()));
      }
    })());
  return { url: addr.url, port: addr.port, deps, probot, http, runner, stop };
}
