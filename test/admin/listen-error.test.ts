import { describe, expect, test } from "@jest/globals";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { startApp } from "../../src/app.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { silentLogger } from "../../src/core/logger.js";

const config = () =>
  loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", DATA_DIR: "/nonexistent", T0_WORKERS: "0", LOG_LEVEL: "silent", REDELIVER_WINDOW_HOURS: "0" });
const start = (port: number, host: string) =>
  startApp(config(), { port, host, logger: silentLogger(), overrides: { store: new MemoryJobStore() }, webhookDeliveries: { pages: async function* () {}, redeliver: async () => undefined } });

describe("serve: a port or host it cannot listen on", () => {
  test("a PORT in use (the TensorZero gateway also defaults to :3000) names PORT and what to do", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as AddressInfo).port;
    try {
      await expect(start(port, "127.0.0.1")).rejects.toThrow(`PORT=${port}: 127.0.0.1:${port} is already in use by another process; stop that process or set PORT to a free port.`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  test("a HOST that is not this machine's names HOST", async () => {
    await expect(start(0, "192.0.2.1")).rejects.toThrow(/^HOST=192\.0\.2\.1: not an address of this machine \(EADDRNOTAVAIL\); set HOST to localhost/);
  });
});
