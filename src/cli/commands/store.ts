import { ConfigError, loadDotEnv } from "../../config/app-config.js";
import { loadCliConfig, noStoreIn, parseArgs, stdio } from "./cli-store.js";
import { unexpectedArguments } from "./unexpected-arguments.js";

const USAGE = `usage: t0-ci-bot store migrate --from lowdb --to redis [--data-dir DIR] [--redis-url URL] [--prefix P] [--dry-run]

Copies the embedded store (DATA_DIR, default ./data) into Redis (REDIS_URL): every job as it stands and
every delivery with its raw payload. Safe to repeat (what is already in Redis is skipped, except a job the
old server changed since the last run and Redis has not, which is brought up to date) and safe while a
server still runs on DATA_DIR (the directory is only read). Stop that server, run the migration once
more, then start \`serve\` and \`worker\` processes with REDIS_URL set; workers resume unfinished jobs.
--dry-run writes nothing and counts what a run would copy, update and skip.
`;

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h" || rest.includes("--help")) {
    process.stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  if (sub !== "migrate") {
    process.stderr.write(`t0-ci-bot store: unknown subcommand "${sub}"\n\n${USAGE}`);
    return 2;
  }
  try {
    loadDotEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`t0-ci-bot store migrate: ${err.message}\n`);
    return 2;
  }
  const flags = parseFlags(rest);
  if (typeof flags === "string") {
    process.stderr.write(`t0-ci-bot store migrate: ${flags}\n\n${USAGE}`);
    return 2;
  }
  if (flags.from !== "lowdb" || flags.to !== "redis") {
    process.stderr.write(`t0-ci-bot store migrate: only --from lowdb --to redis is supported (got --from ${flags.from ?? "?"} --to ${flags.to ?? "?"}).\n`);
    return 2;
  }
  // The flags stand for the server's settings and are checked as the server checks them: a prefix with a
  // space or RETENTION_DAYS=abc would otherwise be used as written or quietly replaced by a default.
  const settings = { ...env, DATA_DIR: flags["data-dir"] ?? env.DATA_DIR, REDIS_URL: flags["redis-url"] ?? env.REDIS_URL, REDIS_PREFIX: flags.prefix ?? env.REDIS_PREFIX };
  const config = loadCliConfig(settings, { ...stdio, err: (t) => stdio.err(`t0-ci-bot store migrate: ${t}(--data-dir, --redis-url and --prefix stand for DATA_DIR, REDIS_URL and REDIS_PREFIX.)\n`) });
  if (!config) return 2;
  const dataDir = config.dataDir;
  // A mistyped path would otherwise "migrate" an empty store and report success.
  const what = await noStoreIn(dataDir);
  if (what) {
    process.stderr.write(`t0-ci-bot store migrate: DATA_DIR ${dataDir} ${what}; pass --data-dir or set DATA_DIR to the server's data directory.\n`);
    return 2;
  }
  const url = config.REDIS_URL;
  if (!url) {
    process.stderr.write("t0-ci-bot store migrate: set REDIS_URL (or --redis-url) to redis://host:6379.\n");
    return 2;
  }
  const { RedisJobStore, redactUrl } = await import("../../adapters/store/redis-store.js");
  const { migrateLowdbToRedis } = await import("../../adapters/store/migrate-lowdb-to-redis.js");
  let target;
  try {
    target = await RedisJobStore.forSettings(url, config);
  } catch (err) {
    process.stderr.write(`t0-ci-bot store migrate: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    process.stdout.write(`${flags["dry-run"] ? "dry run: " : ""}migrating ${dataDir} → ${redactUrl(url)} (prefix ${target.prefix})\n`);
    const report = await migrateLowdbToRedis(dataDir, target, { dryRun: Boolean(flags["dry-run"]), onProgress: (m) => process.stdout.write(`  ${m}\n`) });
    process.stdout.write(
      `done: ${report.jobs.copied} jobs and ${report.deliveries.copied} deliveries ${flags["dry-run"] ? "would be " : ""}copied` +
        ` (${report.jobs.alreadyPresent} jobs, ${report.deliveries.alreadyPresent} deliveries already there${report.jobs.updated ? `; ${report.jobs.updated} jobs ${flags["dry-run"] ? "would be " : ""}brought up to date` : ""}); ${report.unfinished} unfinished job${report.unfinished === 1 ? "" : "s"} resume${report.unfinished === 1 ? "s" : ""} when a worker starts.\n`,
    );
    return 0;
  } finally {
    await target.close();
  }
}

type Flags = { from?: string; to?: string; "data-dir"?: string; "redis-url"?: string; prefix?: string; "dry-run": boolean };

/** The shared parser, so `--from=lowdb` works here as `--limit=5` does in the other commands. */
function parseFlags(args: string[]): Flags | string {
  const { flags, rest, error } = parseArgs(args, { from: "value", to: "value", "data-dir": "value", "redis-url": "value", prefix: "value", "dry-run": "bool" });
  const problem = error ?? unexpectedArguments(rest, "store migrate takes no arguments (say --from lowdb --to redis)");
  if (problem) return problem;
  const value = (name: string) => (typeof flags[name] === "string" ? flags[name] : undefined);
  return { from: value("from"), to: value("to"), "data-dir": value("data-dir"), "redis-url": value("redis-url"), prefix: value("prefix"), "dry-run": flags["dry-run"] === true };
}
