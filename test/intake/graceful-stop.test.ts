import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { connectionsAfterStop, failedRun, sign, startHarness, type Harness } from "./harness.js";

/** One signed webhook as raw HTTP/1.1 bytes, so the test decides which socket carries it and when. */
function webhookBytes(runId: number): string {
  const body = JSON.stringify(failedRun({ runId }));
  return [
    "POST /api/github/webhooks HTTP/1.1",
    "host: 127.0.0.1",
    "content-type: application/json",
    "x-github-event: workflow_run",
    `x-github-delivery: ${randomUUID()}`,
    `x-hub-signature-256: ${sign(body)}`,
    `content-length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Reads the answers a socket gets; `until` resolves once `n` answers arrived or the socket closed. */
function reader(sock: Socket) {
  let buf = "";
  const answers: Answer[] = [];
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  sock.on("data", (d) => {
    buf += d.toString("utf8");
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) break;
      const [statusLine, ...lines] = buf.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const len = Number(headers["content-length"] ?? 0);
      if (buf.length < end + 4 + len) break;
      answers.push({ status: Number(statusLine!.split(" ")[1]), headers, body: buf.slice(end + 4, end + 4 + len) });
      buf = buf.slice(end + 4 + len);
    }
    wake();
  });
  sock.on("close", () => {
    closed = true;
    wake();
  });
  return {
    answers,
    isClosed: () => closed,
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (closed || answers.length >= n ? resolve() : waiters.push(check));
        check();
      }),
  };
}

const open = (url: string) =>
  new Promise<Socket>((resolve, reject) => {
    const { port } = new URL(url);
    const s = connect(Number(port), "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });

/** A store whose second recordIntake waits for `release()`: that webhook is in flight while the server stops. */
function gatedStore() {
  const store = new MemoryJobStore();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const blocked = new Promise<void>((r) => (entered = r));
  const record = store.recordIntake.bind(store);
  let calls = 0;
  store.recordIntake = (async (...args: Parameters<typeof record>) => {
    if (++calls === 2) {
      entered();
      await gate;
    }
    return record(...args);
  }) as typeof store.recordIntake;
  return { store, release, blocked };
}

describe("HTTP server: graceful stop", () => {
  let h: Harness | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await h?.close().catch(() => undefined);
    h = undefined;
  });

  test("idle keep-alive sockets close at once; the request in flight is answered with Connection: close; nothing new is taken", async () => {
    const gated = gatedStore();
    h = await startHarness({ store: gated.store });
    const idle = await open(h.url);
    const busy = await open(h.url);
    sockets.push(idle, busy);
    const idleR = reader(idle);
    const busyR = reader(busy);

    idle.write(webhookBytes(1));
    await idleR.until(1);
    expect(idleR.answers[0]).toMatchObject({ status: 202, headers: { connection: "keep-alive" } });
    busy.write(webhookBytes(2));
    await gated.blocked;

    const closed = h.http.close();
    await idleR.until(2);
    expect(idleR.isClosed()).toBe(true);

    // A new webhook on the kept-alive socket after the stop began: it must not be recorded.
    busy.write(webhookBytes(3));
    gated.release();
    await busyR.until(2);
    expect(busyR.answers[0]).toMatchObject({ status: 202, headers: { connection: "close" } });
    for (const later of busyR.answers.slice(1)) expect(later).toMatchObject({ status: 503, headers: { connection: "close" } });
    await busyR.until(Infinity);
    await closed;
    const recorded = await gated.store.listDeliveries();
    expect(recorded).toHaveLength(2);
  });

  test("a request arriving on an open connection after the stop began → 503, Connection: close, saying redelivery resends it", async () => {
    h = await startHarness();
    const server = h.http.server;
    await h.http.close();
    // A connection the server had accepted before it stopped, whose request comes only now.
    const relay = await connectionsAfterStop(server);
    try {
      const sock = await open(`http://127.0.0.1:${relay.port}`);
      sockets.push(sock);
      const r = reader(sock);
      sock.write(webhookBytes(4));
      await r.until(1);
      expect(r.answers[0]).toMatchObject({ status: 503, headers: { connection: "close" } });
      await r.until(Infinity);
      expect(r.answers).toHaveLength(1);
      const err = JSON.parse(r.answers[0]!.body).error;
      expect(err.code).toBe("server_stopping");
      expect(err.message).toMatch(/stopping.*redelivery will resend it/);
      expect(await h.store.listDeliveries()).toEqual([]);
    } finally {
      for (const s of sockets.splice(0)) s.destroy();
      await relay.close();
    }
  });
});
