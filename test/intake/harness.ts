import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import nock from "nock";
import { Probot } from "probot";
import { loadAppConfig, type AppConfig } from "../../src/config/app-config.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import type { JobQueue, JobStore, Logger, QueueItem } from "../../src/core/ports/index.js";
import { silentLogger } from "../../src/core/logger.js";
import { createHttpServer, type HttpServer, type HttpServerOptions } from "../../src/http/http-server.js";
import { FakeClock } from "../fakes/fake-clock.js";

export const SECRET = "test-webhook-secret";
export const ADMIN_TOKEN = "admin-token-0123456789abcdef";
export const privateKey = readFileSync(new URL("../../fixtures/mock-private-key.pem", import.meta.url), "utf8");

export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/webhooks/${name}.json`, import.meta.url), "utf8"));
}

/** The real workflow_run.completed example, turned into a failure of run `runId`. */
export function failedRun(over: { runId?: number; attempt?: number; conclusion?: string | null; branch?: string | null } = {}): Record<string, any> {
  const p = fixture("workflow_run.completed");
  p.workflow_run.conclusion = over.conclusion === undefined ? "failure" : over.conclusion;
  if (over.runId !== undefined) p.workflow_run.id = over.runId;
  if (over.attempt !== undefined) p.workflow_run.run_attempt = over.attempt;
  if (over.branch !== undefined) p.workflow_run.head_branch = over.branch;
  return p;
}

export const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** A queue that only records what was enqueued (the runner is not under test here). */
export class RecordingQueue implements JobQueue {
  readonly kind = "recording";
  readonly items: QueueItem[] = [];
  async ping() {}
  async enqueue(item: QueueItem) {
    this.items.push(item);
  }
  async start() {}
  async stop() {}
  async stats() {
    return { waiting: this.items.length, active: 0, delayed: 0 };
  }
}

/**
 * A connection the server had accepted before it stopped, whose request comes only now: a port whose
 * connections are handed to `server` as its own (closing the server's listener does not end those).
 */
export async function connectionsAfterStop(server: import("node:http").Server): Promise<{ port: number; close(): Promise<void> }> {
  const relay = createNetServer((s) => void server.emit("connection", s));
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
  return { port: (relay.address() as { port: number }).port, close: () => new Promise<void>((r) => relay.close(() => r())) };
}

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, DATA_DIR: "/nonexistent", ...env });
}

export interface Harness {
  url: string;
  deps: Deps;
  store: JobStore;
  queue: RecordingQueue;
  http: HttpServer;
  /** Requests that tried to leave the machine (must stay empty). */
  outbound: string[];
  send(event: string, payload: unknown, opts?: { id?: string; signature?: string | null; contentType?: string; path?: string; raw?: string }): Promise<{ status: number; body: any; id: string; headers: Headers }>;
  close(): Promise<void>;
}

/** The real webhook/admin HTTP server on a loopback port, with a memory store (or the one given) and a recording queue. */
export async function startHarness(opts: { env?: Record<string, string>; store?: JobStore; logger?: Logger; server?: Partial<Pick<HttpServerOptions, "maxBodyBytes" | "unverifiedMaxBytes" | "requestTimeoutMs">> } = {}): Promise<Harness> {
  const outbound: string[] = [];
  nock.disableNetConnect();
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host));
  const onNoMatch = (req: { href?: string; path?: string }) => {
    const where = req.href ?? req.path ?? "?";
    if (!/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(where)) outbound.push(where);
  };
  nock.emitter.on("no match", onNoMatch);

  const config = testConfig(opts.env);
  const probot = new Probot({ appId: 1, privateKey, secret: SECRET, logLevel: "fatal" });
  await probot.ready();
  const store = opts.store ?? new MemoryJobStore();
  const queue = new RecordingQueue();
  const deps = {
    config,
    store,
    queue,
    clock: new FakeClock(),
    logger: opts.logger ?? silentLogger(),
    metrics: createMetrics(),
    identity: new AppIdentity(config.BOT_LOGIN),
  } as unknown as Deps;
  const http = createHttpServer({ deps, verify: (b, s) => probot.webhooks.verify(b, s), ...opts.server });
  const { url } = await http.listen(0, "127.0.0.1");
  return {
    url,
    deps,
    store,
    queue,
    http,
    outbound,
    async send(event, payload, o = {}) {
      const body = o.raw ?? JSON.stringify(payload);
      const id = o.id ?? randomUUID();
      const headers: Record<string, string> = {
        "content-type": o.contentType ?? "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
      };
      const sig = o.signature === undefined ? sign(body) : o.signature;
      if (sig !== null) headers["x-hub-signature-256"] = sig;
      const res = await fetch(`${url}${o.path ?? "/api/github/webhooks"}`, { method: "POST", headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, id, headers: res.headers };
    },
    async close() {
      nock.emitter.off("no match", onNoMatch);
      await http.close();
      await store.close();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
