// bench/intake.ts helper: the app as `npm start` builds it, but with a store that records nothing, so
// the figure is the HTTP + verify + parse + handler + log path alone; the difference to the lowdb runs is
// the cost of the durable record. Not a configuration anyone should run.
import { MemoryJobStore } from "../src/adapters/store/memory-store.js";
import { startApp } from "../src/app.js";
import { loadAppConfig } from "../src/config/app-config.js";
import type { Delivery } from "../src/core/ports/job-store.js";
import type { Job } from "../src/core/job.js";

class RecordsNothing extends MemoryJobStore {
  override async recordIntake(_delivery: Delivery, _raw: string | Buffer, job?: Job) {
    return { job, created: job !== undefined };
  }
}

const app = await startApp(loadAppConfig(process.env), { overrides: { store: new RecordsNothing() } });
process.on("SIGTERM", () => void app.stop({ drainMs: 1000 }).then(() => process.exit(0)));
