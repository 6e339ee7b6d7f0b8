import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { failedRun, fixture, sign, startHarness, type Harness } from "./harness.js";

describe("POST /api/github/webhooks: status contract", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    expect(h.outbound).toEqual([]);
    await h.close();
  });

  test("a signed failed workflow_run is recorded, answered 202, then enqueued", async () => {
    const payload = failedRun();
    const res = await h.send("workflow_run", payload);
    expect(res.status).toBe(202);
    const [delivery] = await h.store.listDeliveries();
    expect(delivery).toMatchObject({ id: res.id, event: "workflow_run", action: "completed", outcome: "job_created", installationId: 2, repoFullName: "octo-org/octo-repo" });
    const job = await h.store.getJob(delivery!.jobId!);
    expect(job).toMatchObject({
      key: `300029405:${payload.workflow_run.id}`,
      deliveryId: res.id,
      installationId: 2,
      state: "pending",
      repo: { id: 300029405, owner: "octo-org", name: "octo-repo", fullName: "octo-org/octo-repo" },
      run: { id: 289782451, attempt: 1, source: "workflow_run", headSha: "3484a3fb816e0859fd6e1cea078d76385ff50625", headBranch: "master", conclusion: "failure", workflowPath: ".github/workflows/test.yml", actor: "Codertocat" },
    });
    expect(job!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // uuid v7
    expect(job!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.store.getDeliveryPayload(res.id)).toBe(JSON.stringify(payload));
    expect(h.queue.items).toEqual([{ jobId: job!.id, installationId: 2, repo: "octo-org/octo-repo" }]);
  });

  test("/webhook is an alias of /api/github/webhooks", async () => {
    expect((await h.send("workflow_run", failedRun(), { path: "/webhook" })).status).toBe(202);
  });

  test.each([
    ["missing", null],
    ["wrong secret", sign("{}", "not-the-secret")],
    ["garbage", "sha256=zz"],
    ["sha1 only", "sha1=0123"],
  ])("%s signature → 401 and nothing stored", async (_name, signature) => {
    const res = await h.send("workflow_run", failedRun(), { signature });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("bad_signature");
    expect(res.body.error.message).toMatch(/WEBHOOK_SECRET/);
    expect(await h.store.listDeliveries()).toEqual([]);
    expect(h.queue.items).toEqual([]);
  });

  test("a body signed then altered → 401", async () => {
    const body = JSON.stringify(failedRun());
    const res = await h.send("workflow_run", undefined, { raw: body.replace("failure", "success"), signature: sign(body) });
    expect(res.status).toBe(401);
  });

  test("non-JSON content type → 415, nothing stored", async () => {
    const res = await h.send("workflow_run", failedRun(), { contentType: "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/application\/json/);
    expect(await h.store.listDeliveries()).toEqual([]);
  });

  test("content type with charset is accepted", async () => {
    expect((await h.send("workflow_run", failedRun(), { contentType: "application/json; charset=utf-8" })).status).toBe(202);
  });

  test("malformed JSON with a valid signature → 400, recorded as invalid", async () => {
    const res = await h.send("workflow_run", undefined, { raw: '{"action": "completed",' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/not valid JSON/);
    const [d] = await h.store.listDeliveries();
    expect(d).toMatchObject({ id: res.id, outcome: "invalid" });
    expect(h.queue.items).toEqual([]);
  });

  test.each([
    ["workflow_run.head_sha", (p: any) => delete p.workflow_run.head_sha],
    ["repository", (p: any) => delete p.repository],
    ["installation", (p: any) => delete p.installation],
    ["workflow_run.conclusion", (p: any) => delete p.workflow_run.conclusion],
    ["workflow_run.head_branch", (p: any) => delete p.workflow_run.head_branch],
    ["workflow_run.id", (p: any) => (p.workflow_run.id = "12")],
  ])("workflow_run missing/invalid %s → 400 naming the field, recorded invalid", async (field, mutate) => {
    const p = failedRun();
    mutate(p);
    const res = await h.send("workflow_run", p);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_payload");
    expect(res.body.error.message).toContain(field);
    const [d] = await h.store.listDeliveries();
    expect(d).toMatchObject({ outcome: "invalid", reason: expect.stringContaining(field) });
    expect(await h.store.listJobs()).toEqual([]);
  });

  test("check_suite missing check_suite.head_sha → 400", async () => {
    const p = fixture("check_suite.completed");
    p.check_suite.conclusion = "failure";
    delete p.check_suite.head_sha;
    const res = await h.send("check_suite", p);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("check_suite.head_sha");
  });

  test("a JSON array body → 400", async () => {
    expect((await h.send("workflow_run", [1, 2])).status).toBe(400);
  });

  test("missing X-GitHub-Event → 400", async () => {
    const body = JSON.stringify(failedRun());
    const res = await fetch(`${h.url}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-delivery": "d-1", "x-hub-signature-256": sign(body) },
      body,
    });
    expect(res.status).toBe(400);
    expect(await h.store.listDeliveries()).toEqual([]);
  });

  test("a body over the cap → 413", async () => {
    await h.close();
    h = await startHarness();
    const { createHttpServer } = await import("../../src/http/http-server.js");
    const small = createHttpServer({ deps: h.deps, verify: async () => true, maxBodyBytes: 1000 });
    const { url } = await small.listen(0, "127.0.0.1");
    try {
      const res = await fetch(`${url}/api/github/webhooks`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(5000) });
      expect(res.status).toBe(413);
      // Chunked (no Content-Length): refused while streaming.
      const chunked = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${url}/api/github/webhooks`, { method: "POST", headers: { "content-type": "application/json" } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on("error", reject);
        for (let i = 0; i < 10; i++) req.write("y".repeat(500));
        req.end();
      });
      expect(chunked).toBe(413);
    } finally {
      await small.close();
    }
  });

  test("GET on the webhook path → 405; unknown path → 404", async () => {
    expect((await fetch(`${h.url}/api/github/webhooks`)).status).toBe(405);
    const res = await fetch(`${h.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toMatch(/POST \/api\/github\/webhooks/);
  });

  test("ping and unhandled events → 202, recorded as ignored with a reason", async () => {
    expect((await h.send("ping", fixture("ping"))).status).toBe(202);
    expect((await h.send("issues", { action: "opened", repository: { full_name: "o/r" } })).status).toBe(202);
    const ds = await h.store.listDeliveries();
    expect(ds.map((d) => [d.event, d.outcome, d.reason])).toEqual([
      ["issues", "ignored", "event issues is not handled by this app"],
      ["ping", "ignored", "ping: GitHub checking the webhook"],
    ]);
  });

  test("a store that fails → 503, not 202 (GitHub may redeliver)", async () => {
    await h.store.close();
    const res = await h.send("workflow_run", failedRun());
    expect(res.status).toBe(503);
    expect(h.queue.items).toEqual([]);
  });

  test("deliveries are counted in metrics by event and outcome", async () => {
    await h.send("workflow_run", failedRun());
    await h.send("workflow_run", failedRun());
    await h.send("workflow_run", failedRun(), { signature: null });
    const text = await h.deps.metrics.registry.metrics();
    expect(text).toContain('t0_webhook_deliveries_total{event="workflow_run",outcome="job_created"} 1');
    expect(text).toContain('t0_webhook_deliveries_total{event="workflow_run",outcome="duplicate"} 1');
    expect(text).toContain('t0_webhook_deliveries_total{event="unverified",outcome="unauthorized"} 1');
  });

  test("unsigned requests cannot add metric series: their event names are not labels", async () => {
    for (let i = 0; i < 20; i++) await h.send(`made-up-${i}`, failedRun(), { signature: null });
    const text = await h.deps.metrics.registry.metrics();
    expect(text).not.toContain("made-up-");
    expect(text).toContain('t0_webhook_deliveries_total{event="unverified",outcome="unauthorized"} 20');
  });

  test("signed deliveries of events the app does not know share one series (the event header is not signed)", async () => {
    for (let i = 0; i < 5; i++) await h.send(`replayed-${i}`, failedRun());
    await h.send("workflow_run", failedRun());
    const text = await h.deps.metrics.registry.metrics();
    expect(text).not.toContain("replayed-");
    expect(text).toMatch(/t0_webhook_deliveries_total\{event="other",outcome="ignored"\} 5/);
    expect(text).toMatch(/t0_webhook_deliveries_total\{event="workflow_run",outcome="job_created"\} 1/);
  });

  test("intake log lines are JSON with deliveryId, repo and runId, and carry no secret", async () => {
    await h.close();
    const lines: string[] = [];
    const { createLogger } = await import("../../src/core/logger.js");
    const logger = createLogger({ level: "info", destination: { write: (s: string) => void lines.push(s) } as never });
    h = await startHarness({ logger });
    const res = await h.send("workflow_run", failedRun({ runId: 31337 }));
    await h.send("workflow_run", failedRun(), { signature: null });
    const recorded = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "webhook recorded");
    expect(recorded).toMatchObject({ deliveryId: res.id, repo: "octo-org/octo-repo", runId: 31337, outcome: "job_created", event: "workflow_run", action: "completed" });
    expect(lines.map((l) => JSON.parse(l).msg)).toContain("webhook rejected: bad or missing signature");
    expect(lines.join("")).not.toContain("test-webhook-secret");
  });
});

/**
 * V8's JSON.parse message quotes the body around the token it stopped at ("Unexpected token 'g',
 * "{"token": ghp_…}" is not valid JSON"), and that message was the delivery's reason: in the 400, the
 * log and the store. A signed body is GitHub's, but it may hold a secret; the reason says where, not what.
 */
describe("a signed body that is not JSON", () => {
  const secret = `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;
  const raw = `{"action": "completed", "token": ${secret}}`;

  test("is refused with its position, quoting nothing of the body: answer, log, stored reason, DATA_DIR", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-invalid-json-"));
    const { logger, lines } = recordingLogger();
    const h = await startHarness({ store: await LowdbJobStore.open(dir), logger });
    try {
      const res = await h.send("workflow_run", undefined, { raw });
      expect(res.status).toBe(400);
      const message = (res.body as { error: { message: string } }).error.message;
      expect(message).toBe(`body is not valid JSON: a value was expected at position ${raw.indexOf("ghp_")} (of ${raw.length} characters)`);
      const [d] = await h.store.listDeliveries();
      expect(d).toMatchObject({ id: res.id, outcome: "invalid", reason: message });
      expect(JSON.stringify(lines)).not.toContain("ghp_");
      // Kept: the body itself, as received (webhook bodies are GitHub's, kept as they came); nothing else.
      expect(await h.store.getDeliveryPayload(res.id)).toBe(raw);
    } finally {
      await h.close();
    }
    const files = await readdir(dir, { recursive: true, withFileTypes: true });
    const stored = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), "utf8")));
    const records = stored.join("\n").split("\n").filter((l) => l.includes("ghp_"));
    expect(records.map((l) => Object.keys(JSON.parse(l)).sort())).toEqual([["delivery", "payload"]]);
    expect(JSON.stringify(JSON.parse(records[0]!).delivery)).not.toContain("ghp_");
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    ["cut short", '{"action": "completed", "a": [1, 2', "',' or ']' was expected at position 34 (of 34 characters): the body ends there"],
    ["a trailing comma", '{"a": 1,}', "a property name in double quotes was expected at position 8 (of 9 characters)"],
    ["a second value", '{"a": 1} {"b": 2}', "the body should end after its JSON value at position 9 (of 17 characters)"],
    ["an unterminated string", '{"a": "abc', "'\"' (the string's end) was expected at position 10 (of 10 characters): the body ends there"],
  ])("%s: the reason says where it broke", async (_what, body, where) => {
    const h = await startHarness();
    try {
      const res = await h.send("workflow_run", undefined, { raw: body });
      expect(res.status).toBe(400);
      expect((res.body as { error: { message: string } }).error.message).toBe(`body is not valid JSON: ${where}`);
    } finally {
      await h.close();
    }
  });
});
