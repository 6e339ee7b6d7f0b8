// bench/intake.ts helper: the app exactly as `npm start` builds it, except the job store is the in-memory
// one, to separate the cost of the HTTP + handler path from the cost of the durable store.
// Settings come from the environment, like src/main.ts.
import { MemoryJobStore } from "../src/adapters/store/memory-store.js";
import { startApp } from "../src/app.js";
import { loadAppConfig } from "../src/config/app-config.js";

const app = await startApp(loadAppConfig(process.env), { overrides: { store: new MemoryJobStore() } });
process.on("SIGTERM", () => void app.stop({ drainMs: 1000 }).then(() => process.exit(0)));
