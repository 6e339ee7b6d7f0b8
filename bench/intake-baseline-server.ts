// Baseline for bench/intake.ts: a bare Probot `Server` (what `probot run` uses) with a no-op
// `workflow_run.completed` handler, a JSON pino logger, the same secret and the same key.
// Usage: LOG_LEVEL=info|warn node --import tsx bench/intake-baseline-server.ts <port>
// At info, Probot's default, its HTTP logger writes one line per request, as `probot run` does; at warn, none.
import { readFileSync } from "node:fs";
import pino from "pino";
import { Probot, Server } from "probot";

const port = Number(process.argv[2] ?? 3400);
const privateKey = readFileSync(new URL("../fixtures/mock-private-key.pem", import.meta.url), "utf8");
const log = pino({ level: process.env.LOG_LEVEL ?? "info", name: "probot" });
const server = new Server({
  Probot: Probot.defaults({ appId: 1, privateKey, secret: process.env.WEBHOOK_SECRET ?? "bench-secret", log }),
  port,
  host: "127.0.0.1",
  log,
});
await server.load((app) => {
  app.on("workflow_run.completed", async () => undefined);
});
await server.start();
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
