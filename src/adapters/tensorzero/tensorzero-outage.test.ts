import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { describe, expect, test } from "@jest/globals";
import { Agent } from "undici";
import { DEFAULT_FAKE_OUTPUT } from "../../../test/fakes/fake-tensorzero.js";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { newUuidV7 } from "./episode-id.js";
import type { TensorZeroClientOptions } from "./tensorzero-client.js";
import { TensorZeroModel } from "./tensorzero-model.js";
import { eventually } from "../../../test/helpers/eventually.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { rejection } from "../../../test/helpers/rejection.js";
import { useFakeGateway } from "../../../test/helpers/fake-gateway-suite.js";

/**
 * Outages: gateway down, slow, 502 bursts, 429. Retries back off exponentially with jitter (sleeps are
 * recorded, not waited), the breaker opens and closes, and every outage error stays retryable so the
 * runner re-queues the job instead of failing it.
 */
const gw = useFakeGateway({ random: () => 0.5, backoff: { baseMs: 100, maxMs: 1_000 } });
const sleeps = gw.sleeps;
const mk = (o: Partial<TensorZeroClientOptions> = {}) => {
  const c = gw.client(o);
  return { c, m: new TensorZeroModel(c) };
};
const opts = () => ({ episodeId: newUuidV7(Date.now()), tags: { repo: "octo-org/widgets" } });
const inferenceCalls = () => gw.fake.requests.filter((r) => r.path === "/inference").length;

describe("TensorZero outages", () => {
  test("a 502 burst is retried with exponential backoff and jitter, then succeeds", async () => {
    gw.fake.script({ status: 502, error: "All variants failed with errors: a: timeout" }, { status: 503, error: "database unavailable" });
    const n = inferenceCalls();
    const res = await mk().m.proposePatch(sampleFailureContext(), opts());
    expect(res.proposal.patch).toBe(DEFAULT_FAKE_OUTPUT.patch);
    expect(inferenceCalls() - n).toBe(3);
    // half jitter with random 0.5: 75% of 100 ms, then 75% of 200 ms
    expect(sleeps).toEqual([75, 150]);
  });

  test("jitter spreads retries between half and all of the step", async () => {
    for (const [random, expected] of [[0, [50, 100]], [0.999, [100, 200]]] as const) {
      sleeps.length = 0;
      gw.fake.script({ status: 500, error: "x" }, { status: 500, error: "x" });
      await mk({ random: () => random }).m.proposePatch(sampleFailureContext(), opts());
      expect(sleeps.map(Math.round)).toEqual(expected);
    }
  });

  test("a persistent 502 ends retryable after maxAttempts, so the job waits instead of failing", async () => {
    gw.fake.script(...Array.from({ length: 3 }, () => ({ status: 502, error: "All variants failed with errors: a: 500" })));
    const err = await rejection(mk().m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_gateway_error", retryable: true });
    expect(err.message).toMatch(/3 tries/);
  });

  test("a 502 whose every provider refused its API key is not retried: each try would be a paid call refused again", async () => {
    const refused = { status: 401, body: '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}' };
    // Every call fails so (the suite puts the default answer back before the next test).
    gw.fake.setDefault({ providerErrors: { openai: { status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWx.","code":"invalid_api_key"}}' }, anthropic: refused } });
    const n = inferenceCalls();
    const err = await rejection(mk().m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_provider_auth", retryable: false, details: { status: 502 } });
    expect(err.message).toMatch(/claude_haiku_4_5_prompt_v1\/anthropic 401/);
    expect(err.message).not.toContain("sk-proj-AbCdEfGhIjKlMnOpQrStUvWx");
    expect([inferenceCalls() - n, sleeps]).toEqual([1, []]);
  });

  test("a 502 with one transient provider failure among permanent ones is retried, and then answers", async () => {
    gw.fake.script({ providerErrors: { openai: { status: 401, body: '{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}' }, anthropic: { status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' } } });
    const n = inferenceCalls();
    const res = await mk().m.proposePatch(sampleFailureContext(), opts());
    expect(res.proposal.patch).toBe(DEFAULT_FAKE_OUTPUT.patch);
    expect([inferenceCalls() - n, sleeps]).toEqual([2, [75]]);
  });

  test("429 honours Retry-After (capped) and stays retryable", async () => {
    gw.fake.script({ status: 429, error: "All variants failed with errors: rate limit", headers: { "retry-after": "0.8" } });
    await mk().m.proposePatch(sampleFailureContext(), opts());
    expect(sleeps).toEqual([800]);
    gw.fake.script(...Array.from({ length: 3 }, () => ({ status: 429, error: "slow down", headers: { "retry-after": "60" } })));
    const err = await rejection(mk().m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_rate_limited", retryable: true, retryAfterMs: 60_000 });
  });

  test("408 from the gateway (variant timeout): retryable, but handed to the runner at once rather than re-waited here", async () => {
    gw.fake.script({ status: 408, error: "Variant `gpt_5_mini_prompt_v1` timed out due to configured `non_streaming.total_ms` timeout (180000ms)" });
    const n = inferenceCalls();
    await expect(mk().m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_timeout", retryable: true });
    expect([inferenceCalls() - n, sleeps]).toEqual([1, []]);
  });

  test("504 from a proxy in front of the gateway: a timeout handed to the runner at once, naming the proxy's read timeout", async () => {
    // The gateway never answers 504 (reference §1.6); a proxy does when its read timeout (nginx: 60 s) is below
    // the inference's time. The gateway goes on and stores the inference: asking again in place billed it again.
    gw.fake.script({ status: 504, error: "<html><body><h1>504 Gateway Time-out</h1></body></html>" });
    const n = inferenceCalls();
    const err = await rejection(mk().m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_timeout", retryable: true, message: expect.stringMatching(/proxy.*TENSORZERO_TIMEOUT_MS/) });
    expect([inferenceCalls() - n, sleeps]).toEqual([1, []]);
  });

  test("a slow gateway: the client times out (retryable model_timeout) and does not hang", async () => {
    gw.fake.script({ hang: true });
    const started = Date.now();
    const n = inferenceCalls();
    const err = await rejection(mk({ timeoutMs: 150, maxAttempts: 3 }).m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_timeout", retryable: true });
    // The gateway never answers: a client that hangs never gets here. The bound only keeps a guard, with
    // room for a loaded CI machine (normally ~150 ms).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(inferenceCalls() - n).toBe(1);
  });

  test("a slow answer is waited for up to timeoutMs, not cut at the HTTP agent's own header/body timeouts", async () => {
    // undici gives up waiting for headers (and between body chunks) after 300 s by default, while the app
    // waits TENSORZERO_TIMEOUT_MS (600 s) for a gateway that may go through every variant (480 s): the
    // agent's limit, scaled down here, must not cut the call short and have it sent again. (undici checks
    // these timers on a ~0.5 s tick, hence an answer 1.5 s late.)
    const agent = new Agent({ headersTimeout: 100, bodyTimeout: 100 });
    try {
      gw.fake.script({ delayMs: 1_500 });
      const n = inferenceCalls();
      // Far above the 1.5 s answer, so a loaded CI machine's delays do not turn it into a model_timeout.
      const res = await mk({ dispatcher: agent, timeoutMs: 20_000 }).m.proposePatch(sampleFailureContext(), opts());
      expect(res.proposal.patch).toBe(DEFAULT_FAKE_OUTPUT.patch);
      expect([inferenceCalls() - n, sleeps]).toEqual([1, []]);
    } finally {
      await agent.close();
    }
  });

  test("a dropped connection is a retryable network error, retried", async () => {
    gw.fake.script({ destroy: true });
    await expect(mk().m.proposePatch(sampleFailureContext(), opts())).resolves.toBeDefined();
    expect(sleeps).toHaveLength(1);
  });

  test("gateway down (connection refused): retryable model_network saying what to check", async () => {
    const port = await freePort();
    const err = await rejection(mk({ baseUrl: `http://127.0.0.1:${port}` }).m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_network", retryable: true });
    expect(err.message).toMatch(/Is the gateway running\?/);
    expect(sleeps).toHaveLength(2);
  });

  test("credentials in TENSORZERO_URL stay out of error messages (they end up in feedback lastError, shown raw)", async () => {
    const port = await freePort();
    const err = await rejection(mk({ baseUrl: `http://t0:pr0xy-s3cret@127.0.0.1:${port}/tz` }).m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_network" });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain("pr0xy-s3cret");
    expect(err.message).toContain(`127.0.0.1:${port}/tz`);
  });

  test("circuit breaker: opens after repeated failures, then fails fast (retryable model_unavailable), half-opens and closes", async () => {
    // The open window is timed on the client's clock, which moves only when the test says.
    const clock = new FakeClock();
    const { c, m } = mk({ maxAttempts: 1, now: () => clock.now(), breaker: { threshold: 3, halfOpenAfterMs: 2_000 } });
    gw.fake.script(...Array.from({ length: 3 }, () => ({ status: 502, error: "All variants failed with errors: x" })));
    for (let i = 0; i < 3; i++) await expect(m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_gateway_error" });
    expect(c.breakerState).toBe("open");
    const n = gw.fake.requests.length;
    const fast = await rejection(m.proposePatch(sampleFailureContext(), opts()));
    expect(fast).toMatchObject({ code: "model_unavailable", retryable: true, retryAfterMs: 2_000 });
    // feedback shares the breaker: also paused, also retryable
    await expect(m.feedback({ metric: "pr_merged", episodeId: newUuidV7(Date.now()), value: true })).rejects.toMatchObject({ code: "model_unavailable", retryable: true });
    // Still open 1 ms before the window ends.
    await clock.advance(1_999);
    await expect(m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_unavailable" });
    expect(gw.fake.requests.length).toBe(n); // nothing reached the gateway
    await clock.advance(1);
    const res = await m.proposePatch(sampleFailureContext(), opts()); // the half-open trial call succeeds
    expect(res.proposal).toBeDefined();
    expect(c.breakerState).toBe("closed");
  });

  test("half-open: while the trial call is out, other calls fail at once (retryable) instead of queueing behind it", async () => {
    // The trial may be an inference that takes minutes (up to TENSORZERO_TIMEOUT_MS): every other job and
    // the feedback outbox waited behind it, a feedback send past its lease and so sent twice.
    const clock = new FakeClock();
    const { c, m } = mk({ maxAttempts: 1, now: () => clock.now(), breaker: { threshold: 2, halfOpenAfterMs: 100 } });
    gw.fake.script(...Array.from({ length: 2 }, () => ({ status: 502, error: "All variants failed with errors: x" })));
    for (let i = 0; i < 2; i++) await expect(m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_gateway_error" });
    await clock.advance(100);
    // The gateway holds the trial until the test releases it, after the other calls have their answers.
    let release!: () => void;
    gw.fake.script({ until: new Promise<void>((r) => (release = r)) });
    const n = inferenceCalls();
    const trial = m.proposePatch(sampleFailureContext(), opts());
    try {
      expect(c.breakerState).toBe("half-open");
      await eventually("the trial call to reach the gateway", () => inferenceCalls() - n === 1);
      // Failing fast takes no I/O, so it is done before the event loop's next turn; a call queued behind
      // the held trial is still waiting then.
      const nextTurn = () => new Promise<string>((r) => setImmediate(() => r("still waiting behind the trial")));
      const other = await Promise.race([rejection(m.proposePatch(sampleFailureContext(), opts())), nextTurn()]);
      expect(other).toMatchObject({ code: "model_unavailable", retryable: true, retryAfterMs: 100 });
      const feedback = await Promise.race([rejection(m.feedback({ metric: "pr_merged", episodeId: newUuidV7(Date.now()), value: true })), nextTurn()]);
      expect(feedback).toMatchObject({ code: "model_unavailable", retryable: true });
      expect(inferenceCalls() - n).toBe(1);
    } finally {
      release();
    }
    await expect(trial).resolves.toMatchObject({ proposal: { patch: DEFAULT_FAKE_OUTPUT.patch } });
    expect(c.breakerState).toBe("closed");
  });

  test("permanent errors do not trip the breaker", async () => {
    const { c, m } = mk({ maxAttempts: 1, breaker: { threshold: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 4; i++) gw.fake.script({ status: 404, error: "Unknown function: x" });
    for (let i = 0; i < 4; i++) await expect(m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_not_found" });
    expect(c.breakerState).toBe("closed");
  });

  test("an episode id in the gateway's future does not trip the breaker: the gateway answered, and calls go on", async () => {
    const { c, m } = mk({ maxAttempts: 1, breaker: { threshold: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 3; i++) gw.fake.script({ status: 400, error: "Invalid Episode ID: Timestamp is in the future" });
    for (let i = 0; i < 3; i++) await expect(m.proposePatch(sampleFailureContext(), opts())).rejects.toMatchObject({ code: "model_clock_skew", retryable: true });
    expect(c.breakerState).toBe("closed");
    await expect(m.proposePatch(sampleFailureContext(), opts())).resolves.toBeDefined();
  });

  test("a caller abort stops at once and is not retried", async () => {
    gw.fake.script({ delayMs: 3_000 });
    const ac = new AbortController();
    const n = inferenceCalls();
    const call = mk().m.proposePatch(sampleFailureContext(), { ...opts(), signal: ac.signal });
    // Aborted once the gateway has the request (a fixed 50 ms could come before it on a loaded machine).
    await eventually("the inference to reach the gateway", () => inferenceCalls() - n === 1);
    ac.abort(new Error("shutting down"));
    await expect(call).rejects.toThrow("shutting down");
    expect(inferenceCalls() - n).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

test("something that is not a gateway (200 with HTML) is a permanent model_bad_response, not a retry loop", async () => {
  const server = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as { port: number };
    sleeps.length = 0;
    const err = await rejection(mk({ baseUrl: `http://127.0.0.1:${port}` }).m.proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_bad_response", retryable: false });
    expect(err.message).toMatch(/TENSORZERO_URL/);
    expect(sleeps).toEqual([]);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test("a 200 from /feedback without a feedback_id is not taken as sent (TENSORZERO_URL pointed at something else)", async () => {
  const server = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as { port: number };
    const err = await rejection(mk({ baseUrl: `http://127.0.0.1:${port}` }).m.feedback({ metric: "pr_merged", episodeId: newUuidV7(Date.now()), value: true }));
    expect(err).toMatchObject({ code: "model_bad_response" });
    expect(err.message).toMatch(/TENSORZERO_URL/);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test("a stream event that is not JSON is a retryable stream error, not 'cannot reach the gateway'", async () => {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end('data: {"inference_id":"x","raw":"{\\"diag\n\ndata: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as { port: number };
    const err = await rejection(new TensorZeroModel(gw.client({ baseUrl: `http://127.0.0.1:${port}` }), { stream: true }).proposePatch(sampleFailureContext(), opts()));
    expect(err).toMatchObject({ code: "model_stream_error", retryable: true });
    expect(err.message).not.toMatch(/Cannot reach|Is the gateway running/);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A server that answers `status` and then sends body bytes until the client hangs up. */
async function endlessBody(status: number, contentType: string, first: string) {
  const server = createHttpServer((_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.write(first);
    const more = () => {
      while (res.write("x".repeat(16 * 1024)));
      res.once("drain", more);
    };
    res.on("close", () => res.removeAllListeners("drain"));
    more();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("response bodies are read up to a cap, not without bound", () => {
  // Without a cap each of these read until the client's deadline, holding all of it in memory.
  const capped = { maxResponseBytes: 256 * 1024, timeoutMs: 3_000, maxAttempts: 1 };

  test("a 200 body over the cap: a permanent model_bad_response naming the cap and TENSORZERO_URL", async () => {
    const s = await endlessBody(200, "application/json", '{"inference_id":"');
    try {
      const err = await rejection(mk({ baseUrl: s.baseUrl, ...capped }).m.proposePatch(sampleFailureContext(), opts()));
      expect(err).toMatchObject({ code: "model_bad_response", retryable: false, message: expect.stringMatching(/256 KiB.*TENSORZERO_URL/) });
    } finally {
      await s.close();
    }
  });

  test("an error body over the cap: read in part, the status still decides (a 502 stays retryable)", async () => {
    const s = await endlessBody(502, "text/plain", "All variants failed with errors: ");
    try {
      const err = await rejection(mk({ baseUrl: s.baseUrl, ...capped }).m.proposePatch(sampleFailureContext(), opts()));
      expect(err).toMatchObject({ code: "model_gateway_error", retryable: true, message: expect.stringMatching(/^TensorZero answered 502 \(All variants failed with errors: x+…\)/) });
    } finally {
      await s.close();
    }
  });

  test("a stream over the cap (an event that never ends): a permanent model_bad_response", async () => {
    const s = await endlessBody(200, "text/event-stream", "data: ");
    try {
      const err = await rejection(new TensorZeroModel(gw.client({ baseUrl: s.baseUrl, ...capped }), { stream: true }).proposePatch(sampleFailureContext(), opts()));
      expect(err).toMatchObject({ code: "model_bad_response", retryable: false, message: expect.stringMatching(/256 KiB/) });
    } finally {
      await s.close();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
