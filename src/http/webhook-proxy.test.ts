import { createServer } from "node:net";
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { startWebhookProxy, type SmeeClientClass } from "./webhook-proxy.js";

const TARGET = "http://127.0.0.1:3000/api/github/webhooks";

/** A SmeeClient stand-in: records what it was given and whether it was stopped. */
function fakeSmee(start: () => Promise<unknown>) {
  const made: Array<{ logger: Pick<Console, "info" | "error">; stopped: boolean }> = [];
  const Smee = class {
    readonly rec: (typeof made)[number];
    constructor(o: { logger: Pick<Console, "info" | "error"> }) {
      this.rec = { logger: o.logger, stopped: false };
      made.push(this.rec);
    }
    start() {
      return start();
    }
    async stop() {
      this.rec.stopped = true;
    }
  } as unknown as SmeeClientClass;
  return { Smee, made };
}

/** A local port nothing listens on: connections to it are refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("startWebhookProxy", () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test("without WEBHOOK_PROXY_URL nothing is loaded", async () => {
    const loadSmee = jest.fn(async () => fakeSmee(async () => undefined).Smee);
    expect(await startWebhookProxy({ source: undefined, target: TARGET, logger: recordingLogger().logger, loadSmee })).toBeUndefined();
    expect(loadSmee).not.toHaveBeenCalled();
  });

  test("a channel that cannot be reached is said as such, and the client is stopped rather than left reconnecting", async () => {
    const { logger, lines } = recordingLogger();
    const { Smee, made } = fakeSmee(async () => Promise.reject({ type: "error", message: "TypeError: fetch failed: connect ECONNREFUSED" }));
    expect(await startWebhookProxy({ source: "https://smee.io/abc", target: TARGET, logger, loadSmee: async () => Smee })).toBeUndefined();
    expect(made).toHaveLength(1);
    expect(made[0]!.stopped).toBe(true);
    const warning = lines.find((l) => l.level === "warn" && /WEBHOOK_PROXY_URL/.test(l.msg));
    expect(warning?.msg).toMatch(/could not connect to the smee channel/);
    expect(warning?.msg).not.toMatch(/install/);
    expect(String((warning?.fields.err as Error | undefined)?.message)).toMatch(/ECONNREFUSED/);
  });

  test("with the real smee-client, a refused channel ends in that warning, with nothing written to the console", async () => {
    const consoleLines = [jest.spyOn(console, "log").mockImplementation(() => {}), jest.spyOn(console, "error").mockImplementation(() => {}), jest.spyOn(console, "info").mockImplementation(() => {})];
    const { logger, lines } = recordingLogger();
    const source = `http://127.0.0.1:${await refusedPort()}/channel`;
    expect(await startWebhookProxy({ source, target: TARGET, logger })).toBeUndefined();
    expect(lines.some((l) => l.level === "warn" && /could not connect to the smee channel/.test(l.msg))).toBe(true);
    for (const spy of consoleLines) expect(spy).not.toHaveBeenCalled();
  });

  test("smee-client's own lines go to the app's logger (JSON, redacted), not to the console", async () => {
    const consoleError = jest.spyOn(console, "error").mockImplementation(() => {});
    const { logger, lines } = recordingLogger();
    const { Smee, made } = fakeSmee(async () => undefined);
    const proxy = await startWebhookProxy({ source: "https://smee.io/abc", target: TARGET, logger, loadSmee: async () => Smee });
    expect(proxy).toBeDefined();
    made[0]!.logger.error("Error in connection", { type: "error", message: "TypeError: fetch failed" });
    made[0]!.logger.info("Connected to https://smee.io/abc");
    expect(consoleError).not.toHaveBeenCalled();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "Error in connection TypeError: fetch failed"],
      ["info", "Connected to https://smee.io/abc"],
    ]);
  });

  test("smee-client missing (a production install) says to install it or unset the setting", async () => {
    const { logger, lines } = recordingLogger();
    const missing = Object.assign(new Error("Cannot find package 'smee-client'"), { code: "ERR_MODULE_NOT_FOUND" });
    expect(await startWebhookProxy({ source: "https://smee.io/abc", target: TARGET, logger, loadSmee: async () => Promise.reject(missing) })).toBeUndefined();
    expect(lines.find((l) => l.level === "warn")?.msg).toMatch(/smee-client cannot be loaded.*install it or unset WEBHOOK_PROXY_URL/);
  });
});

describe("startWebhookProxy, a channel that never answers", () => {
  test("is given up after the connect timeout, so the server's start does not wait on it", async () => {
    // Takes the connection and never answers (a proxy or firewall holding it).
    const sockets: Array<import("node:net").Socket> = [];
    const server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const { logger, lines } = recordingLogger();
    try {
      const proxy = await startWebhookProxy({ source: `http://127.0.0.1:${port}/channel`, target: TARGET, logger, connectTimeoutMs: 200 });
      expect(proxy).toBeUndefined();
      expect(lines.some((l) => l.level === "warn" && /could not connect to the smee channel/.test(l.msg))).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
