// bench/intake.ts helper: the app exactly as `npm start` builds it (settings from the environment, like
// src/main.ts), but with another job store, to separate the cost of the HTTP + handler path from the
// cost of the durable record:
//   memory — the in-memory store (keeps everything, payloads too, in process memory);
//   none   — a store that records nothing: the path alone. Not a configuration anyone should run.
// Usage: node --import tsx bench/intake-app-server.ts memory|none
import { MemoryJobStore } from "../src/adapters/store/memory-store.js";
import { startApp } from "../src/app.js";
import { loadAppConfig } from "../src/config/app-config.js";
import type { Job } from "../src/core/job.js";
import type { Delivery } from "../src/core/ports/job-store.js";

class RecordsNothing extends MemoryJobStore {
  override async recordIntake(_delivery: Delivery, _raw: string | Buffer, job?: Job) {
    return { job, created: job !== undefined };
  }
}

const kind = process.argv[2];
if (kind !== "memory" && kind !== "none") throw new Error(`usage: intake-app-server.ts memory|none (got ${kind})`);
const store = kind === "memory" ? new MemoryJobStore() : new RecordsNothing();
const app = await startApp(loadAppConfig(process.env), { overrides: { store } });
process.on("SIGTERM", () => void app.stop({ drainMs: 1000 }).then(() => process.exit(0)));
