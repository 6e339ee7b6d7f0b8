import { AppError, toAppError } from "../../core/errors.js";
import { DEFAULT_LIST_LIMIT, LIMIT_RULE, parseListLimit } from "../../core/list-query.js";
import { redactDeep } from "../../core/redact.js";
import type { JobStore } from "../../core/ports/index.js";
import { loadCliConfig, missingStore, openCliStore, parseArgs, stdio, type CliIo } from "./cli-store.js";
import { unexpectedArguments } from "./unexpected-arguments.js";
import { terminalJson, terminalLine } from "../terminal-text.js";

const USAGE =
  "usage: t0-ci-bot deliveries list [--limit N] [--json]\n" +
  "       t0-ci-bot deliveries redeliver [--hours N] [--dry-run]\n\n" +
  "list: recent webhook deliveries, newest first, with what became of each (job_created, duplicate, ignored, event_routed, invalid) and why.\n" +
  "redeliver: asks GitHub to send again every delivery of the last N hours (default REDELIVER_WINDOW_HOURS, else 24; at most 72)\n" +
  "that the app never acknowledged, and every one it acknowledged that the store no longer has (an unclean stop with\n" +
  "STORE_FSYNC=false, a restored backup), as the server does at start and hourly. Needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH).\n";

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio): Promise<number> {
  const [sub, ...args] = argv;
  if (sub === "--help" || sub === "-h" || ((sub === "list" || sub === "redeliver") && (args.includes("--help") || args.includes("-h")))) {
    io.out(USAGE);
    return 0;
  }
  if (sub === "redeliver") return redeliver(args, env, io);
  if (sub !== "list") {
    io.err(`t0-ci-bot deliveries: ${sub ? `unknown subcommand "${sub}"` : "missing subcommand"}\n\n${USAGE}`);
    return 2;
  }
  const { flags, rest, error: bad } = parseArgs(args, { limit: "value", json: "bool" });
  const error = bad ?? unexpectedArguments(rest, "deliveries list takes no arguments (the count is --limit N)");
  // Capped as the admin API caps GET /deliveries?limit=.
  const limit = flags.limit === undefined ? DEFAULT_LIST_LIMIT : parseListLimit(flags.limit as string);
  if (error || limit === undefined) {
    io.err(`t0-ci-bot deliveries: ${error ?? `--limit must be ${LIMIT_RULE}`}\n\n${USAGE}`);
    return 2;
  }
  const config = loadCliConfig(env, io);
  if (!config) return 1;
  let store: JobStore;
  try {
    store = await openCliStore(config, { write: false });
  } catch (err) {
    // No store in DATA_DIR, Redis not answering: the message says what to set.
    if (!(err instanceof AppError)) throw err;
    io.err(`t0-ci-bot deliveries: ${err.message}\n`);
    return 1;
  }
  try {
    // A reason can quote an error message, and so a token: redacted as the admin API does.
    const ds = redactDeep(await store.listDeliveries({ limit }));
    if (flags.json) {
      io.out(terminalJson(ds));
      return 0;
    }
    if (!ds.length) {
      io.out("no deliveries\n");
      return 0;
    }
    for (const d of ds) {
      const what = [d.event + (d.action ? `.${d.action}` : ""), d.repoFullName ?? "-", d.outcome, d.jobId ? `job ${d.jobId}` : "", d.reason ?? ""];
      // A reason quotes what was wrong with a payload: one line, shown and not acted on by the terminal.
      io.out(`${terminalLine(`${d.receivedAt}  ${d.id}  ${what.filter(Boolean).join("  ")}`)}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function redeliver(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { flags, rest, error: bad } = parseArgs(args, { hours: "value", "dry-run": "bool" });
  const error = bad ?? unexpectedArguments(rest, "deliveries redeliver takes no arguments (the window is --hours N)");
  const config = error ? undefined : loadCliConfig(env, io);
  if (error) {
    io.err(`t0-ci-bot deliveries: ${error}\n\n${USAGE}`);
    return 2;
  }
  if (!config) return 1;
  const hours = flags.hours === undefined ? config.REDELIVER_WINDOW_HOURS || 24 : Number(flags.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > 72) {
    io.err(`t0-ci-bot deliveries: --hours must be a whole number from 1 to 72 (GitHub keeps three days of deliveries)\n\n${USAGE}`);
    return 2;
  }
  if (!config.hasCredentials) {
    io.err("t0-ci-bot deliveries redeliver: needs the app's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) to read its delivery log on GitHub; see .env.example.\n");
    return 1;
  }
  // Loaded here only: `deliveries list` should not pay for Probot.
  // One after the other: their graphs share modules (uuid), and jest's ESM loader, linking two graphs at once,
  // fails on a module the other is still linking ("request for './max.js' is not in cache"). Node does not care.
  const { createProbot } = await import("../../app.js");
  const { createOctokitWebhookDeliveries } = await import("../../adapters/github/octokit-webhook-deliveries.js");
  const { redeliverFailed, recordedDeliveries, MAX_DELIVERY_ATTEMPTS } = await import("../../handlers/redeliver-failed.js");
  const { createLogger } = await import("../../core/logger.js");
  // Warnings (a refused redelivery, a give-up) go to stderr as JSON lines, as the server would log them.
  const logger = createLogger({ level: "warn", destination: process.stderr });
  const probot = createProbot(config, logger);
  const api = createOctokitWebhookDeliveries((await probot.auth()) as Parameters<typeof createOctokitWebhookDeliveries>[0]);
  const since = new Date(Date.now() - hours * 3600_000);
  const dryRun = Boolean(flags["dry-run"]) || config.DRY_RUN;
  // Called by the pass after it has read GitHub's log, so the store is opened only then: everything the log
  // shows as acknowledged was recorded before this read (opened earlier, a running server's newest
  // deliveries would look lost, and be asked for again for nothing).
  const recorded = async () => {
    if (await missingStore(config)) return recordedDeliveries([]); // no store here: nothing can be judged
    const store = await openCliStore(config, { write: false });
    try {
      return recordedDeliveries(await store.listDeliveries({ limit: 1000 }));
    } finally {
      await store.close();
    }
  };
  try {
    const r = await redeliverFailed(api, { since, maxRedeliveries: 1000, dryRun, logger, recorded });
    const lost = r.lost.length ? `; ${r.lost.length} acknowledged but missing from the store` : "";
    io.out(`${r.checked} deliveries since ${since.toISOString()}; ${r.failed} never acknowledged${lost}\n`);
    // Ids as GitHub's delivery log gave them.
    for (const guid of r.redelivered) io.out(`${dryRun ? "would redeliver" : "redelivered"}  ${terminalLine(guid)}\n`);
    for (const guid of r.gaveUp) io.out(`gave up (${MAX_DELIVERY_ATTEMPTS} failed attempts)  ${terminalLine(guid)}\n`);
    const refused = r.failed + r.lost.length - r.redelivered.length - r.gaveUp.length;
    if (refused > 0) io.out(`${refused} could not be redelivered (see the warnings above, or the app's Advanced settings on GitHub)\n`);
    return refused > 0 ? 1 : 0;
  } catch (err) {
    const error = toAppError(err);
    io.err(`t0-ci-bot deliveries redeliver: could not read the app's webhook deliveries from GitHub: ${terminalLine(error.message)}\n${whatToDo(error, config.GHE_HOST)}\n`);
    return 1;
  } finally {
    // With REDIS_URL, Probot's throttling opened Redis connections that held the process open after the answer.
    await probot.close();
  }
}

/** A refused key and a GitHub out of reach are fixed in different places. */
function whatToDo(error: AppError, gheHost: string | undefined): string {
  const status = error.details?.status;
  if (status === 401 || status === 404) return "GitHub refused the app's credentials: check APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH); `t0-ci-bot check-app` says more.";
  const host = gheHost ? `${gheHost} (GHE_HOST)` : "api.github.com or githubstatus.com";
  if (error.retryable) return `GitHub did not answer; check this machine's network (and proxy) to ${host}, then run it again.`;
  return "`t0-ci-bot check-app` checks the app's credentials and permissions.";
}
