import { createServer, type AddressInfo } from "node:net";
import { run as probotRun } from "probot";
import { ConfigError, loadConfigForProcess, type AppConfig } from "./config/app-config.js";
import { settingDirProblem } from "./config/setting-dir-problem.js";
import { startApp, type RunningApp } from "./app.js";
import { listenError } from "./http/listen-error.js";
import { startWebhookProxy } from "./http/webhook-proxy.js";

/**
 * `npm start` / `t0-ci-bot serve`. Loads `.env` (real environment variables win), validates the
 * configuration, then either opens Probot's setup wizard (no credentials, not production) or serves.
 * Resolves with the exit code once the process should end.
 */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfigForProcess(env);
  if (!config) return 1;
  if (!config.hasCredentials) return setupWizard(config, env);
  if (!config.REDIS_URL && !ensureDataDir(config.dataDir)) return 1;

  let app: RunningApp;
  try {
    app = await startApp(config);
  } catch (err) {
    // A setting found unusable only once the app starts (WORKSPACE_ROOT, DATA_DIR's first write) is said as one.
    const problem = config.REDIS_URL ? undefined : dataDirProblem(err, config.dataDir);
    const message = err instanceof ConfigError ? err.message : problem ? new ConfigError([problem]).message : `t0-ci-bot: could not start: ${(err as Error).message}`;
    process.stderr.write(`${message}\n`);
    return 1;
  }
  const proxy = await startWebhookProxy({ source: config.WEBHOOK_PROXY_URL, target: `${app.url}/api/github/webhooks`, logger: app.deps.logger });
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) return resolve(130); // a second Ctrl-C: leave now, jobs resume on the next start
      app.deps.logger.info({ signal: sig }, "signal received");
      void proxy?.stop();
      app.stop({ drainMs: config.WORKER_DRAIN_MS }).then(
        () => resolve(0),
        (err) => {
          app.deps.logger.error({ err }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

/** The embedded store lives in DATA_DIR: a path that cannot be a directory is a setting to fix, said as one. */
function ensureDataDir(dir: string): boolean {
  const problem = settingDirProblem("DATA_DIR", dir, "./data");
  if (problem) process.stderr.write(`${new ConfigError([problem]).message}\n`);
  return !problem;
}

/**
 * The store's first write into DATA_DIR refused (a read-only or foreign-owned directory, a file where the store
 * keeps a folder): a setting to fix, said as one, rather than a bare "EACCES: permission denied, mkdir …".
 */
function dataDirProblem(err: unknown, dir: string): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.path !== "string" || !/^(EACCES|EPERM|EROFS|EEXIST|ENOTDIR|EISDIR)$/.test(e.code ?? "")) return undefined;
  if (e.path !== dir && !e.path.startsWith(`${dir}/`)) return undefined;
  return `DATA_DIR: cannot write "${e.path}" (${e.code}); DATA_DIR must be a directory this process can write, holding only t0-ci-bot's data: give this process write access to "${dir}" or put another path there (default ./data)`;
}

/** First run: Probot's own setup page registers the GitHub App from app.yml and writes `.env`. */
async function setupWizard(config: AppConfig, env: NodeJS.ProcessEnv): Promise<number> {
  if (config.NODE_ENV === "production") {
    process.stderr.write("t0-ci-bot: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required when NODE_ENV=production; see .env.example.\n");
    return 1;
  }
  // Offline by default: Probot's wizard reads process.env and skips the smee.io channel only on "true".
  if (config.NO_SMEE_SETUP) env.NO_SMEE_SETUP = "true";
  else delete env.NO_SMEE_SETUP;
  const host = config.HOST;
  // Every interface: the browser is on this host. An IPv6 address goes in brackets, or the URL is not one.
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  // Probot reads PORT=0 as unset and takes 3000: a free port is chosen here instead, as `serve` gets one.
  // Tried first for any PORT: Probot logs a listen that fails (taken, a HOST not on this machine) with its
  // stack, after the page to open had been announced.
  let port: number;
  try {
    port = await probeListen(host, config.PORT);
  } catch (err) {
    process.stderr.write(`t0-ci-bot: could not open the setup page: ${(listenError(err, "PORT", config.PORT, host) as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    `No GitHub App credentials yet (APP_ID and PRIVATE_KEY/PRIVATE_KEY_PATH).\n` +
      `Open http://${shown}:${port}/probot to register the app from app.yml; it writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET to .env. Then restart.\n`,
  );
  // WEBHOOK_PROXY_URL stays in process.env, where the setup page reads it as the webhook URL to register, but
  // not in the server's options: Probot would start a smee client on it, which has nothing to forward to
  // in setup mode, and a channel it could not reach ended the process ("[object Event]") before the page
  // could be used.
  const { WEBHOOK_PROXY_URL: _registeredNotForwarded, ...serverEnv } = env;
  try {
    await probotRun(() => undefined, { env: { ...serverEnv, PORT: String(port), HOST: host } });
  } catch (err) {
    // Probot's "Port 3000 is already in use" ended the process with a stack trace; said as the setting to change.
    process.stderr.write(`t0-ci-bot: could not open the setup page: ${(listenError(err, "PORT", port, host) as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    process.once("SIGINT", () => resolve(0));
    process.once("SIGTERM", () => resolve(0));
  });
}

/** `port` (0: a free one) as one this process can listen on at `host` now (the wizard binds it a moment later). */
function probeListen(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  serve().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`t0-ci-bot: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
