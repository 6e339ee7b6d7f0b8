import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Probot } from "probot";
import { createOctokitWebhookDeliveries } from "../../src/adapters/github/octokit-webhook-deliveries.js";
import type { Octokit } from "../../src/adapters/github/octokit-client.js";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { startApp } from "../../src/app.js";
import { startRedelivery } from "../../src/composition.js";
import type { Deps } from "../../src/core/deps.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { silentLogger } from "../../src/core/logger.js";
import type { HookDelivery, WebhookDeliveriesPort } from "../../src/core/ports/webhook-deliveries-port.js";
import { redeliverFailed, type RedeliverOptions } from "../../src/handlers/redeliver-failed.js";
import { eventually } from "../helpers/eventually.js";
import { githubApiMock, type GitHubApiMock } from "../helpers/github-api.js";
import { makeDelivery } from "../helpers/make-job.js";
import { recordingLogger } from "../helpers/recording-logger.js";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const EVENTS = new Set(["workflow_run", "check_suite", "pull_request", "pull_request_review"]);
let nextId = 1000;

function attempt(guid: string, minutesAgo: number, statusCode: number, over: Partial<HookDelivery> = {}): HookDelivery {
  return { id: nextId++, guid, deliveredAt: new Date(NOW - minutesAgo * 60_000).toISOString(), redelivery: false, statusCode, event: "workflow_run", action: "completed", ...over };
}

/** GitHub's delivery log, newest first, in pages of `pageSize`; records what was asked. */
function fakeLog(deliveries: HookDelivery[], pageSize = 3) {
  const sorted = [...deliveries].sort((a, b) => Date.parse(b.deliveredAt) - Date.parse(a.deliveredAt));
  const state = { pagesRead: 0, redelivered: [] as number[], failOn: new Set<number>() };
  const port: WebhookDeliveriesPort = {
    async *pages() {
      for (let i = 0; i < sorted.length; i += pageSize) {
        state.pagesRead++;
        yield sorted.slice(i, i + pageSize);
      }
    },
    async redeliver(id) {
      if (state.failOn.has(id)) throw Object.assign(new Error("HTTP 422"), { code: "github_422" });
      state.redelivered.push(id);
    },
  };
  return { port, state };
}


const options = (over: Partial<RedeliverOptions> = {}): RedeliverOptions => ({
  since: new Date(NOW - 24 * 3600_000), events: EVENTS, maxAttempts: 5, maxRedeliveries: 200, dryRun: false, logger: silentLogger(), ...over,
});

describe("redeliverFailed", () => {
  test("asks again for each of our deliveries that never got a 2xx, oldest first, through its newest attempt", async () => {
    const down1 = attempt("guid-down-1", 30, 0);
    const down2First = attempt("guid-down-2", 20, 502);
    const down2Retry = attempt("guid-down-2", 10, 503, { redelivery: true });
    const { port, state } = fakeLog([down1, down2First, down2Retry, attempt("guid-ok", 25, 202)]);
    const r = await redeliverFailed(port, options());
    expect(r.redelivered).toEqual(["guid-down-1", "guid-down-2"]);
    expect(state.redelivered).toEqual([down1.id, down2Retry.id]);
    expect(r).toMatchObject({ checked: 4, failed: 2, gaveUp: [] });
  });

  test("leaves alone a guid that succeeded on any attempt, events the app does not handle, and what is older than the window", async () => {
    const { port, state } = fakeLog([
      attempt("guid-recovered", 50, 0),
      attempt("guid-recovered", 40, 202, { redelivery: true }),
      attempt("guid-installation", 30, 500, { event: "installation", action: "created" }),
      attempt("guid-old", 60 * 30, 0),
      attempt("guid-older", 60 * 40, 0),
      attempt("guid-oldest", 60 * 50, 0),
    ]);
    const r = await redeliverFailed(port, options());
    expect(state.redelivered).toEqual([]);
    expect(r).toMatchObject({ checked: 3, failed: 0 });
    // The scan stops at the first delivery older than the window: the last page is never read.
    expect(state.pagesRead).toBe(2);
  });

  test("by default asks again for a missed installation.deleted or installation_repositories.removed: the app stops those jobs on them", async () => {
    const { port, state } = fakeLog([
      attempt("guid-uninstalled", 30, 0, { event: "installation", action: "deleted" }),
      attempt("guid-removed", 20, 503, { event: "installation_repositories", action: "removed" }),
      attempt("guid-foreign", 10, 0, { event: "issues", action: "opened" }),
    ]);
    const { events: _events, ...defaults } = options();
    const r = await redeliverFailed(port, defaults);
    expect(r.redelivered).toEqual(["guid-uninstalled", "guid-removed"]);
    expect(state.redelivered).toHaveLength(2);
  });

  test("a body our route refused as unusable (400, 413, 415) is not sent again; a 401 from a wrong secret is", async () => {
    const { port, state } = fakeLog([attempt("guid-400", 40, 400), attempt("guid-413", 30, 413), attempt("guid-415", 25, 415), attempt("guid-401", 20, 401)]);
    const r = await redeliverFailed(port, options());
    expect(r.redelivered).toEqual(["guid-401"]);
    expect(state.redelivered).toHaveLength(1);
  });

  test("gives up on a guid after maxAttempts and says so once, with the ids", async () => {
    const tries = [50, 40, 30].map((m, i) => attempt("guid-broken", m, 500, { redelivery: i > 0 }));
    const { port, state } = fakeLog(tries);
    const { logger, lines } = recordingLogger();
    const r = await redeliverFailed(port, options({ maxAttempts: 3, logger }));
    expect(state.redelivered).toEqual([]);
    expect(r.gaveUp).toEqual(["guid-broken"]);
    expect(lines.filter((l) => l.level === "warn")).toEqual([expect.objectContaining({ fields: expect.objectContaining({ deliveryIds: ["guid-broken"] }) })]);
  });

  test("a guid whose first delivery is older than the window is not redelivered: its attempts cannot all be counted", async () => {
    // Hourly passes over a 24 h window: the first delivery has aged out, four redeliveries are still in it.
    const tries = [attempt("guid-broken", 25 * 60, 500), ...[23, 22, 21, 20].map((h) => attempt("guid-broken", h * 60, 500, { redelivery: true }))];
    const { port, state } = fakeLog(tries);
    const r = await redeliverFailed(port, options());
    expect(state.redelivered).toEqual([]);
    expect(r).toMatchObject({ failed: 0, redelivered: [], gaveUp: [] });
    // The CLI with a short window sees one redelivery of a guid the server already gave up on: left alone too.
    const short = fakeLog(tries);
    expect((await redeliverFailed(short.port, options({ since: new Date(NOW - 20.5 * 3600_000) }))).redelivered).toEqual([]);
  });

  test("redelivers at most maxRedeliveries per pass; the rest wait for the next", async () => {
    const { port, state } = fakeLog(Array.from({ length: 7 }, (_, i) => attempt(`guid-${i}`, 70 - i, 0)));
    const r = await redeliverFailed(port, options({ maxRedeliveries: 4 }));
    expect(r.redelivered).toEqual(["guid-0", "guid-1", "guid-2", "guid-3"]);
    expect(state.redelivered).toHaveLength(4);
    expect(r.failed).toBe(7);
  });

  test("one refused redelivery is logged and the others still go", async () => {
    const a = attempt("guid-a", 30, 0);
    const b = attempt("guid-b", 20, 0);
    const { port, state } = fakeLog([a, b]);
    state.failOn.add(a.id);
    const { logger, lines } = recordingLogger();
    const r = await redeliverFailed(port, options({ logger }));
    expect(r.redelivered).toEqual(["guid-b"]);
    expect(lines.find((l) => l.level === "warn")?.fields).toMatchObject({ deliveryId: "guid-a" });
  });

  test("DRY_RUN describes the redeliveries and asks for none", async () => {
    const { port, state } = fakeLog([attempt("guid-a", 30, 0)]);
    const { logger, lines } = recordingLogger();
    const r = await redeliverFailed(port, options({ dryRun: true, logger }));
    expect(state.redelivered).toEqual([]);
    expect(r.redelivered).toEqual(["guid-a"]);
    expect(lines.map((l) => l.msg)).toContain("DRY_RUN: would ask GitHub to redeliver an unacknowledged webhook");
  });
});

describe("deliveries acknowledged but missing from the store", () => {
  const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

  test("are asked for again when newer than the oldest recorded delivery; recorded, older or foreign ones are not", async () => {
    const lost = attempt("guid-lost", 5, 202);
    const { port, state } = fakeLog([
      attempt("guid-kept", 50, 202),
      lost,
      attempt("guid-before-the-store-knows", 70, 202),
      attempt("guid-foreign-event", 5, 202, { event: "installation", action: "created" }),
      attempt("guid-down", 3, 0),
    ]);
    let pagesReadWhenAsked = -1;
    const recorded = async () => {
      pagesReadWhenAsked = state.pagesRead;
      return { ids: new Set(["guid-kept"]), oldest: at(60) };
    };
    const { logger, lines } = recordingLogger();
    const r = await redeliverFailed(port, options({ recorded, logger }));
    expect(r.lost).toEqual(["guid-lost"]);
    expect(r.redelivered).toEqual(["guid-lost", "guid-down"]);
    expect(state.redelivered).toContain(lost.id);
    // The store is asked only once GitHub's log is read: whatever the log shows acknowledged is recorded by then.
    expect(pagesReadWhenAsked).toBe(state.pagesRead);
    expect(lines.find((l) => l.level === "warn")?.fields).toEqual({ deliveryIds: ["guid-lost"] });
  });

  test("after a power cut took the journal's last line, the start-up pass asks GitHub for that delivery only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-lost-"));
    try {
      const clock = { now: () => NOW };
      const store = await LowdbJobStore.open(dir, { fsync: false, now: clock.now });
      const guids = ["guid-1", "guid-2", "guid-3", "guid-4"];
      for (const [i, id] of guids.entries()) await store.recordIntake(makeDelivery(undefined, { id, receivedAt: at(40 - i * 10) }), "{}");
      await store.close();
      // What a power cut with STORE_FSYNC=false leaves: the line was written and acknowledged, never flushed.
      const journal = join(dir, "journal", "2026-11-24.ndjson");
      const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean);
      writeFileSync(journal, `${lines.slice(0, -1).join("\n")}\n`);
      const reopened = await LowdbJobStore.open(dir, { fsync: false, now: clock.now });
      const log = guids.map((id, i) => attempt(id, 40 - i * 10, 202));
      const { port, state } = fakeLog(log);
      const deps = { config: loadAppConfig({}), store: reopened, clock, logger: silentLogger() } as unknown as Deps;
      const stop = startRedelivery(deps, port);
      await eventually("the redelivery", () => state.redelivered.length > 0);
      stop();
      expect(state.redelivered).toEqual([log[3]!.id]);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a delivery acknowledged within the clock margin of the oldest recorded one is not judged", async () => {
    const { port, state } = fakeLog([attempt("guid-edge", 59, 202)]);
    const r = await redeliverFailed(port, options({ recorded: async () => ({ ids: new Set(["x"]), oldest: at(60) }) }));
    expect(r.lost).toEqual([]);
    expect(state.redelivered).toEqual([]);
  });

  test("an empty store (a first start, the memory store) judges nothing; without the option nothing changes", async () => {
    for (const recorded of [async () => ({ ids: new Set<string>(), oldest: undefined }), undefined]) {
      const { port, state } = fakeLog([attempt("guid-a", 5, 202)]);
      const r = await redeliverFailed(port, options({ recorded }));
      expect(r.lost).toEqual([]);
      expect(state.redelivered).toEqual([]);
    }
  });

  test("a store that cannot be read costs only this pass's look for lost ones: unacknowledged deliveries still go", async () => {
    const { port, state } = fakeLog([attempt("guid-failed", 5, 502), attempt("guid-acked", 4, 202)]);
    const { logger, lines } = recordingLogger();
    const r = await redeliverFailed(port, options({ logger, recorded: async () => Promise.reject(new Error("EIO")) }));
    expect(r.redelivered).toEqual(["guid-failed"]);
    expect(r.lost).toEqual([]);
    expect(state.redelivered).toHaveLength(1);
    expect(lines.some((l) => l.level === "warn" && /store's recent deliveries/.test(l.msg))).toBe(true);
  });

  test("share the cap on redeliveries per pass, and DRY_RUN only describes them", async () => {
    const log = [attempt("guid-l1", 9, 202), attempt("guid-l2", 8, 202), attempt("guid-l3", 7, 202)];
    const recorded = async () => ({ ids: new Set<string>(), oldest: at(60) });
    const capped = fakeLog(log);
    const r = await redeliverFailed(capped.port, options({ recorded, maxRedeliveries: 2 }));
    expect(r.lost).toEqual(["guid-l1", "guid-l2", "guid-l3"]);
    expect(r.redelivered).toEqual(["guid-l1", "guid-l2"]);
    const dry = fakeLog(log);
    const { logger, lines } = recordingLogger();
    await redeliverFailed(dry.port, options({ recorded, dryRun: true, logger }));
    expect(dry.state.redelivered).toEqual([]);
    expect(lines.map((l) => l.msg)).toContain("DRY_RUN: would ask GitHub to redeliver a webhook that was acknowledged but is missing from the store");
  });
});

describe("the Octokit adapter against GitHub's REST API", () => {
  let gh: GitHubApiMock | undefined;
  afterEach(() => gh?.cleanup());

  test("pages by the Link cursor and redelivers with the app's JWT", async () => {
    gh = await githubApiMock();
    const row = (id: number, guid: string, status_code: number) => ({
      id, guid, delivered_at: "2026-11-24T11:00:00Z", redelivery: false, duration: 0.2, status: status_code ? "OK" : "failed to connect", status_code,
      event: "workflow_run", action: "completed", installation_id: 7, repository_id: 9, throttled_at: null,
    });
    gh.on("GET", "/app/hook/deliveries?per_page=100", {
      body: [row(3, "guid-3", 202), row(2, "guid-2", 0)],
      headers: { link: '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_2>; rel="next"' },
    });
    gh.on("GET", "/app/hook/deliveries?per_page=100&cursor=v1_2", { body: [row(1, "guid-1", 502)] });
    gh.on("POST", "/app/hook/deliveries/2/attempts", { status: 202, body: {} });
    gh.on("POST", "/app/hook/deliveries/1/attempts", { status: 202, body: {} });

    const probot = new Probot({ appId: 1, privateKey: readFileSync("fixtures/mock-private-key.pem", "utf8"), secret: "s", log: silentLogger() as never });
    const port = createOctokitWebhookDeliveries((await probot.auth()) as Octokit);
    const r = await redeliverFailed(port, options({ since: new Date("2026-11-24T00:00:00Z") }));
    expect(r.redelivered.sort()).toEqual(["guid-1", "guid-2"]);
    gh.done();
    // App endpoints take the app's JWT, never an installation token.
    for (const req of gh.requests) expect(req.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

describe("start-up", () => {
  test("the app checks GitHub's delivery log once it serves webhooks, and not when REDELIVER_WINDOW_HOURS=0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-redeliver-"));
    try {
      for (const [hours, expected] of [["24", 1], ["0", 0]] as const) {
        const pages = jest.fn(async function* (): AsyncGenerator<HookDelivery[]> {});
        const config = loadAppConfig({
          NODE_ENV: "test", APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", DATA_DIR: join(dir, hours),
          T0_WORKERS: "0", LOG_LEVEL: "silent", REDELIVER_WINDOW_HOURS: hours,
        });
        const app = await startApp(config, { port: 0, host: "127.0.0.1", logger: silentLogger(), overrides: { store: new MemoryJobStore() }, webhookDeliveries: { pages, redeliver: async () => undefined } });
        // The pass runs in the background: waited for (a fixed 50 ms can be too little on a loaded machine);
        // when it is off there is nothing to wait for, and 50 ms gives a wrongly started one time to show.
        if (expected) await eventually("the delivery-log pass", () => pages.mock.calls.length > 0);
        else await new Promise((r) => setTimeout(r, 50));
        await app.stop({ drainMs: 0 });
        expect(pages).toHaveBeenCalledTimes(expected);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("on a shared store only the process that gets the lease reads the log", async () => {
    const leases: Array<[string, number]> = [];
    for (const granted of [true, false]) {
      const pages = jest.fn(async function* (): AsyncGenerator<HookDelivery[]> {});
      const store = Object.assign(new MemoryJobStore(), { tryLease: async (name: string, ms: number) => (leases.push([name, ms]), granted) });
      const deps = { config: loadAppConfig({}), store, clock: { now: () => NOW }, logger: silentLogger() } as unknown as Deps;
      const asked = leases.length;
      const stop = startRedelivery(deps, { pages, redeliver: async () => undefined });
      // Until the lease was asked for and, when granted, the log read (20 ms was too little on a loaded machine).
      await eventually("the lease and the pass", () => leases.length > asked && (!granted || pages.mock.calls.length > 0));
      stop();
      expect(pages).toHaveBeenCalledTimes(granted ? 1 : 0);
    }
    expect(leases).toEqual([["redeliver", 600_000], ["redeliver", 600_000]]);
  });

  test("a lost delivery sent maxAttempts times and still not recorded is given up on, not asked for every hour", async () => {
    const tries = [attempt("guid-never-kept", 50, 302), ...[40, 30, 20, 10].map((m) => attempt("guid-never-kept", m, 302, { redelivery: true }))];
    const { port, state } = fakeLog([attempt("guid-kept", 55, 202), ...tries]);
    const r = await redeliverFailed(port, options({ recorded: async () => ({ ids: new Set(["guid-kept"]), oldest: new Date(NOW - 60 * 60_000).toISOString() }) }));
    expect(r.lost).toEqual(["guid-never-kept"]);
    expect(r.gaveUp).toEqual(["guid-never-kept"]);
    expect(state.redelivered).toEqual([]);
  });

  test("a lost delivery whose redelivery GitHub refused at start-up is asked for again by the next pass", async () => {
    const store = new MemoryJobStore();
    await store.recordIntake(makeDelivery(undefined, { id: "kept", receivedAt: new Date(NOW - 120 * 60_000).toISOString() }), "{}");
    // Acknowledged an hour ago, but not in the store: lost. GitHub refuses the first request for it.
    const lost = attempt("lost-guid", 60, 202);
    const log = fakeLog([attempt("kept", 120, 202), lost]);
    log.state.failOn.add(lost.id);
    const deps = { config: loadAppConfig({}), store, clock: { now: () => NOW }, logger: silentLogger() } as unknown as Deps;
    jest.useFakeTimers();
    try {
      const stop = startRedelivery(deps, log.port, 3600_000);
      await jest.advanceTimersByTimeAsync(1000);
      expect(log.state.redelivered).toEqual([]);
      log.state.failOn.clear();
      await jest.advanceTimersByTimeAsync(3600_000);
      stop();
    } finally {
      jest.useRealTimers();
    }
    expect(log.state.redelivered).toEqual([lost.id]);
  });

  test("the periodic passes of a fleet share a lease of nearly the period, so drifted timers still make one pass", async () => {
    const held = new Map<string, number>();
    let now = 0;
    const tryLease = async (name: string, ms: number) => {
      if ((held.get(name) ?? -1) > now) return false;
      held.set(name, now + ms);
      return true;
    };
    const pages = jest.fn(async function* (): AsyncGenerator<HookDelivery[]> {});
    jest.useFakeTimers();
    try {
      const stops = [0, 20].map((offsetMinutes) => {
        // Two web processes on one store, started 20 minutes apart.
        jest.advanceTimersByTime(offsetMinutes * 60_000);
        now += offsetMinutes * 60_000;
        const deps = { config: loadAppConfig({}), store: Object.assign(new MemoryJobStore(), { tryLease }), clock: { now: () => NOW }, logger: silentLogger() } as unknown as Deps;
        return startRedelivery(deps, { pages, redeliver: async () => undefined });
      });
      for (let minute = 0; minute < 5 * 60; minute++) {
        now += 60_000;
        await jest.advanceTimersByTimeAsync(60_000);
      }
      stops.forEach((stop) => stop());
    } finally {
      jest.useRealTimers();
    }
    // Two start-up passes, then one pass per hour for the fleet, not one per process.
    expect(pages.mock.calls.length).toBeLessThanOrEqual(2 + 5);
    expect(pages.mock.calls.length).toBeGreaterThanOrEqual(2 + 4);
  });
});
