import { loadCliConfig, openCliStore, parseArgs, stdio, type CliIo } from "./cli-store.js";

const USAGE = "usage: t0-ci-bot deliveries list [--limit N] [--json]\n\nRecent webhook deliveries, newest first, with what became of each (job_created, duplicate, ignored, event_routed, invalid) and why.\n";

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio): Promise<number> {
  const [sub, ...args] = argv;
  if (sub === "--help" || sub === "-h") {
    io.out(USAGE);
    return 0;
  }
  if (sub !== "list") {
    io.err(`t0-ci-bot deliveries: ${sub ? `unknown subcommand "${sub}"` : "missing subcommand"}\n\n${USAGE}`);
    return 2;
  }
  const { flags, error } = parseArgs(args, { limit: "value", json: "bool" });
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (error || !Number.isInteger(limit) || limit < 1) {
    io.err(`t0-ci-bot deliveries: ${error ?? "--limit must be a whole number ≥ 1"}\n\n${USAGE}`);
    return 2;
  }
  const config = loadCliConfig(env, io);
  if (!config) return 1;
  const store = await openCliStore(config, { write: false });
  try {
    const ds = await store.listDeliveries({ limit });
    if (flags.json) {
      io.out(`${JSON.stringify(ds, null, 2)}\n`);
      return 0;
    }
    if (!ds.length) {
      io.out("no deliveries\n");
      return 0;
    }
    for (const d of ds) {
      const what = [d.event + (d.action ? `.${d.action}` : ""), d.repoFullName ?? "-", d.outcome, d.jobId ? `job ${d.jobId}` : "", d.reason ?? ""];
      io.out(`${d.receivedAt}  ${d.id}  ${what.filter(Boolean).join("  ")}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
