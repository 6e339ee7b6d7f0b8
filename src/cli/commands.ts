/**
 * `t0-ci-bot <command>`: each command lives in its own module under ./commands and is loaded only when
 * called, so `analyze-log` does not pay for Probot and `jobs list` does not pay for the log analyser.
 * A command module exports `run(argv: string[]): Promise<number>` (the exit code).
 */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: "serve webhooks and the admin API (T0_WORKERS=0 to run no jobs here)", load: () => import("./commands/serve.js") },
  worker: { summary: "run jobs from the shared queue (needs REDIS_URL)", load: () => import("./commands/worker.js") },
  jobs: { summary: "jobs list [--state S] [--repo owner/name] [--limit N] [--json] | jobs show <id> [--json] | jobs retry <id> [--feedback] [--url URL]", load: () => import("./commands/jobs.js") },
  deliveries: { summary: "deliveries list [--limit N] [--json] | deliveries redeliver [--hours N] [--dry-run]", load: () => import("./commands/deliveries.js") },
  "check-app": { summary: "ask GitHub whether it accepts the app's credentials and the app has the permissions and events it needs", load: () => import("./commands/check-app.js") },
  "analyze-log": { summary: "analyze-log <file> [--budget-tokens N] [--json]", load: () => import("./commands/analyze-log.js") },
  "eval-logs": { summary: "eval-logs <manifest.jsonl> [--budget-tokens N] [--json]", load: () => import("./commands/eval-logs.js") },
  "apply-patch": { summary: "apply-patch <diff-file|-> --repo <dir> [--config <ci-bot.yml>] [--dry-run] [--json]", load: () => import("./commands/apply-patch.js") },
  store: { summary: "store migrate --from lowdb --to redis [--data-dir DIR] [--redis-url URL] [--prefix P] [--dry-run]", load: () => import("./commands/store.js") },
};
