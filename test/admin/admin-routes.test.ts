import { afterEach, describe, expect, test } from "@jest/globals";
import { RecordOnlyQueue } from "../../src/adapters/queue/record-only-queue.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { AppError } from "../../src/core/errors.js";
import { transition } from "../../src/core/job.js";
import { makeDelivery } from "../helpers/make-job.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { PLANTED, expectRedacted, plantSecrets } from "../helpers/planted-secrets.js";
import { TRY_INFERENCES, giveTwoPatchTries } from "../helpers/two-patch-tries.js";
import { ADMIN_TOKEN, failedRun, startHarness, type Harness } from "../intake/harness.js";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("admin API", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.outbound).toEqual([]);
    await h.close();
  });

  test("/healthz and /readyz need no token; /readyz reports a closed store as 503", async () => {
    h = await startHarness();
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" } });
    await h.store.close();
    const down = await fetch(`${h.url}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as any).checks.store).toMatch(/closed/);
  });

  test("without ADMIN_TOKEN the guarded routes answer 403 saying to set it", async () => {
    h = await startHarness();
    for (const path of ["/metrics", "/jobs", "/jobs/abc", "/deliveries"]) {
      const res = await fetch(`${h.url}${path}`, { headers: auth });
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).error.message).toMatch(/set ADMIN_TOKEN/);
    }
    expect((await fetch(`${h.url}/jobs/abc/retry`, { method: "POST" })).status).toBe(403);
  });

  test.each([
    ["no header", {}],
    ["wrong token", { authorization: "Bearer not-the-admin-token-at-all" }],
    ["token prefix", { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ["basic scheme", { authorization: `Basic ${ADMIN_TOKEN}` }],
  ])("%s → 401", async (_n, headers) => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    const res = await fetch(`${h.url}/jobs`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  test("GET /jobs lists newest first with ?state and ?limit; GET /jobs/:id shows one; bad params → 400", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN, MAX_ATTEMPTS_PER_FINGERPRINT: "100" } });
    for (const runId of [1, 2, 3]) await h.send("workflow_run", failedRun({ runId }));
    const all = (await (await fetch(`${h.url}/jobs`, { headers: auth })).json()) as any;
    expect(all.jobs).toHaveLength(3);
    const one = all.jobs[0];
    await h.store.updateJob(one.id, (j) => transition(j, "failed", "2026-11-23T12:00:01.000Z"));
    const failed = (await (await fetch(`${h.url}/jobs?state=failed`, { headers: auth })).json()) as any;
    expect(failed.jobs.map((j: any) => j.id)).toEqual([one.id]);
    expect(((await (await fetch(`${h.url}/jobs?limit=2`, { headers: auth })).json()) as any).jobs).toHaveLength(2);
    // Empty parameters are absent ones, as the README writes the route: GET /jobs?state=&limit=
    expect(((await (await fetch(`${h.url}/jobs?state=&limit=&repo=`, { headers: auth })).json()) as any).jobs).toHaveLength(3);
    const shown = await fetch(`${h.url}/jobs/${one.id}`, { headers: auth });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as any).id).toBe(one.id);
    expect((await fetch(`${h.url}/jobs/nope`, { headers: auth })).status).toBe(404);
    const bad = await fetch(`${h.url}/jobs?state=done`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/pending, cloning/);
    expect((await fetch(`${h.url}/jobs?limit=0`, { headers: auth })).status).toBe(400);
  });

  test("GET /jobs?repo= must be owner/name, as for the CLI's --repo: else 400, not an empty list", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const bad = await fetch(`${h.url}/jobs?repo=nonsense`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toEqual({ code: "bad_repo", message: 'repo must be owner/name (e.g. octo-org/octo-repo), got "nonsense"' });
    expect(((await (await fetch(`${h.url}/jobs?repo=Octo-Org/octo-repo`, { headers: auth })).json()) as any).jobs).toHaveLength(1);
    for (const q of ["limit=10001", "limit=2.5", "limit=1e3"]) {
      const res = await fetch(`${h.url}/jobs?${q}`, { headers: auth });
      expect([q, res.status, ((await res.json()) as any).error.message]).toEqual([q, 400, "limit must be a whole number from 1 to 10000"]);
    }
  });

  test("a query parameter the list routes do not take → 400 naming the ones they do, not every job", async () => {
    // `/jobs?status=failed` (state mistyped) answered every job, which reads as "all of these failed".
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    for (const [path, takes] of [
      ["/jobs?status=failed", "state, repo, limit"],
      ["/jobs?state=failed&Limit=5", "state, repo, limit"],
      ["/deliveries?state=failed", "limit"],
    ] as const) {
      const res = await fetch(`${h.url}${path}`, { headers: auth });
      const name = /[?&]([A-Za-z]+)=[^&]*$/.exec(path)![1];
      expect([path, res.status, ((await res.json()) as any).error]).toEqual([
        path,
        400,
        { code: "unknown_parameter", message: `unknown query parameter "${name}"; ${path.split("?")[0]} takes ${takes}` },
      ]);
    }
    expect((await fetch(`${h.url}/jobs?state=pending&repo=octo-org/octo-repo&limit=5`, { headers: auth })).status).toBe(200);
  });

  test("a wrong token is told apart from none: 401 saying it is not this server's ADMIN_TOKEN", async () => {
    // Both said "Send `Authorization: Bearer <ADMIN_TOKEN>`", which the client with a stale token had done.
    h = await startHarness({ env: { ADMIN_TOKEN } });
    const none = await fetch(`${h.url}/jobs`);
    expect(((await none.json()) as any).error.message).toBe("Send `Authorization: Bearer <ADMIN_TOKEN>`.");
    for (const authorization of ["Bearer not-the-admin-token-at-all", `Basic ${ADMIN_TOKEN}`]) {
      const wrong = await fetch(`${h.url}/jobs`, { headers: { authorization } });
      expect([authorization, wrong.status, ((await wrong.json()) as any).error]).toEqual([
        authorization,
        401,
        { code: "unauthorized", message: "The Authorization header is not `Bearer <ADMIN_TOKEN>` with this server's ADMIN_TOKEN: send the value the server was started with." },
      ]);
    }
  });

  test("an unknown path → 404 naming every route, /deliveries included", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    const res = await fetch(`${h.url}/job`, { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toBe("No route GET /job. Webhooks go to POST /api/github/webhooks; see /healthz, /readyz, /metrics, /jobs, /deliveries.");
  });

  test("GET /jobs, /jobs/:id, /deliveries and the retry answer redact secrets a stored record carries, keeping its shape", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    await h.store.updateJob(job!.id, (j) => {
      plantSecrets(j);
      transition(j, "failed", "2026-11-23T12:00:01.000Z", { stage: "propose-patch" });
    });
    await h.store.recordIntake(makeDelivery(undefined, { reason: `could not read config with ${PLANTED.pat}` }), "{}");
    for (const path of ["/jobs", `/jobs/${job!.id}`, "/deliveries"]) {
      const res = await fetch(`${h.url}${path}`, { headers: auth });
      expect([path, res.status]).toEqual([path, 200]);
      expectRedacted(await res.text());
    }
    const one = (await (await fetch(`${h.url}/jobs/${job!.id}`, { headers: auth })).json()) as any;
    expect(one).toMatchObject({ id: job!.id, state: "failed", error: { code: "http_401", retryable: false, stage: "propose-patch" } });
    expect(one.error.message).toMatch(/^gateway https:\/\/\[REDACTED\]@tensorzero\.internal:3000\/inference refused/);
    expect(one.feedback[0]).toMatchObject({ id: "fb-1", status: "pending", attempts: 2, value: true });
    expect(one.results.validate.commands[0].command).toBe("npm test");

    const retried = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: auth });
    expect(retried.status).toBe(202);
    expectRedacted(await retried.text());
  });

  test("GET /jobs/:id: the job's patch tries as patchTries (as `jobs show --json` has them), redacted", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    await h.store.updateJob(job!.id, (j) => giveTwoPatchTries(j));
    const res = await fetch(`${h.url}/jobs/${job!.id}`, { headers: auth });
    const text = await res.text();
    expectRedacted(text);
    expect(JSON.parse(text).patchTries).toEqual([
      expect.objectContaining({ try: 1, outcome: "patch_refused", rule: "workflow_edits", reason: "workflow_edits: edits a workflow (seen with token [REDACTED]) (.github/workflows/ci.yml)", inferenceId: TRY_INFERENCES[0], variant: "openai_gpt" }),
      expect.objectContaining({ try: 2, outcome: "validation_failed", failingTests: ["sum adds", "uses [REDACTED]"], files: ["src/math.js"], inferenceId: TRY_INFERENCES[1], variant: "anthropic_sonnet" }),
    ]);
    // The list stays the stored records: tries are read out per job.
    expect(((await (await fetch(`${h.url}/jobs`, { headers: auth })).json()) as any).jobs[0]).not.toHaveProperty("patchTries");
  });

  test("GET /jobs/:id: control and bidi characters of stored text go out as \\uXXXX, the same value to a JSON reader", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    // A CI log's 8-bit CSI and a right-to-left override that would show `evil` reversed in a terminal.
    const note = "tests failed \u009b31m at \u202elive\u202c \u2028 next";
    await h.store.updateJob(job!.id, (j) => void j.history.push({ at: j.updatedAt, state: j.state, note }));
    const text = await (await fetch(`${h.url}/jobs/${job!.id}`, { headers: auth })).text();
    expect(text).not.toMatch(/[\u009b\u202e\u202c\u2028]/);
    expect(text).toContain("\\u202elive\\u202c");
    expect(JSON.parse(text).history.at(-1).note).toBe(note);
  });

  test("/readyz (open to anyone) redacts a dependency's error, which can quote its URL with the password", async () => {
    h = await startHarness();
    h.deps.queue.ping = async () => {
      throw new Error(`connect ECONNREFUSED redis://:${PLANTED.urlPass}@redis.internal:6379`);
    };
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body).toEqual({ status: "not ready", checks: { store: "ok", queue: "connect ECONNREFUSED redis://[REDACTED]@redis.internal:6379" } });
  });

  test("/readyz stays ready with the store's warnings (one job document that cannot be written) in its body; /metrics counts them", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    const warning = { code: "job_documents_unwritable", count: 1, message: "1 job document(s) cannot be written while others are: /data/jobs/x.json (EISDIR)" };
    let warnings = [warning];
    h.deps.store.warnings = () => warnings;
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" }, warnings: [warning.message] });
    expect(await (await fetch(`${h.url}/metrics`, { headers: auth })).text()).toContain('t0_store_warnings{code="job_documents_unwritable"} 1');
    warnings = [];
    expect(await (await fetch(`${h.url}/readyz`)).json()).toEqual({ status: "ready", checks: { store: "ok", queue: "ok" } });
    expect(await (await fetch(`${h.url}/metrics`, { headers: auth })).text()).toContain('t0_store_warnings{code="job_documents_unwritable"} 0');
  });

  test("POST /jobs/:id/retry: a failed job returns to the failed stage's state, error cleared, enqueued; others → 409/404", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    h.queue.items.length = 0;
    const notFailed = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: auth });
    expect(notFailed.status).toBe(409);
    expect(h.queue.items).toEqual([]);

    await h.store.updateJob(job!.id, (j) => {
      j.completedStages = ["check-repo-config"];
      transition(j, "cloning", "2026-11-23T12:00:00.500Z", { stage: "clone-repo" });
      j.error = { code: "http_500", message: "boom", retryable: true, stage: "clone-repo", at: "2026-11-23T12:00:01.000Z" };
      j.attempts.byStage["clone-repo"] = 7;
      transition(j, "failed", "2026-11-23T12:00:01.000Z", { stage: "clone-repo" });
    });
    const res = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: auth });
    expect(res.status).toBe(202);
    const after = await h.store.getJob(job!.id);
    expect(after).toMatchObject({ state: "cloning", completedStages: ["check-repo-config"] });
    expect(after!.error).toBeUndefined();
    expect(after!.attempts.byStage["clone-repo"]).toBe(0);
    expect(h.queue.items).toEqual([{ jobId: job!.id, installationId: 2, repo: "octo-org/octo-repo" }]);
    expect((await fetch(`${h.url}/jobs/0000/retry`, { method: "POST", headers: auth })).status).toBe(404);
    expect((await fetch(`${h.url}/jobs/${job!.id}/retry`, { headers: auth })).status).toBe(405);
  });

  test("POST /jobs/:id/feedback/retry: the job's backed-off feedback is due again (any state), nothing queued; none pending → 409, unknown → 404", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    const url = `${h.url}/jobs/${job!.id}/feedback/retry`;
    const queued = h.queue.items.length; // the webhook's own
    const none = await fetch(url, { method: "POST", headers: auth });
    expect(none.status).toBe(409);
    expect(((await none.json()) as any).error).toMatchObject({ code: "no_pending_feedback", message: expect.stringMatching(/no feedback waiting to be sent/) });
    await h.store.updateJob(job!.id, (j) => {
      j.feedback.push({ id: "a", metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status: "pending", attempts: 5, backoffs: 5, nextAttemptAt: "2026-11-23T14:00:00.000Z", createdAt: "2026-11-23T12:00:00.000Z" });
    });
    const res = await fetch(url, { method: "POST", headers: auth });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body.message).toBe(`job ${job!.id}: 1 pending feedback item due again; the outbox sends it at its next sweep (within a minute where jobs run)`);
    expect(body.feedback[0].nextAttemptAt).toBeUndefined();
    expect((await h.store.getJob(job!.id))!.feedback[0]).toMatchObject({ status: "pending", attempts: 5 });
    expect((await h.store.getJob(job!.id))!.feedback[0]!.backoffs).toBeUndefined();
    expect(h.queue.items).toHaveLength(queued);
    expect((await fetch(`${h.url}/jobs/0000/feedback/retry`, { method: "POST", headers: auth })).status).toBe(404);
    expect((await fetch(url, { headers: auth })).status).toBe(405);
    expect((await fetch(url, { method: "POST" })).status).toBe(401);
  });

  test("POST /jobs/:id/retry on an archived job → 409 with the store's message", async () => {
    const store = new MemoryJobStore();
    h = await startHarness({ env: { ADMIN_TOKEN }, store });
    await h.send("workflow_run", failedRun());
    const [job] = await store.listJobs();
    await store.updateJob(job!.id, (j) => transition(j, "failed", "2026-11-23T12:00:01.000Z"));
    const archived = `Job ${job!.id} is archived (older than the retention window) and read-only.`;
    store.updateJob = async () => {
      throw new AppError("job_archived", archived);
    };
    const res = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: auth });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error).toEqual({ code: "job_archived", message: archived });
  });

  test.each([
    ["a shared queue", false, /queued for the workers \(T0_WORKERS=0 here: start a worker process, `t0-ci-bot worker`, or a server with workers/],
    ["the embedded store (no queue)", true, /this server only records jobs \(T0_WORKERS=0\) and its DATA_DIR store is single-process: restart it with T0_WORKERS=1 or more/],
  ])("POST /jobs/:id/retry with T0_WORKERS=0 and %s says who can run it", async (_what, recordOnly, message) => {
    h = await startHarness({ env: { ADMIN_TOKEN, T0_WORKERS: "0" } });
    if (recordOnly) h.deps.queue = new RecordOnlyQueue();
    await h.send("workflow_run", failedRun());
    const [job] = await h.store.listJobs();
    await h.store.updateJob(job!.id, (j) => transition(j, "failed", "2026-11-23T12:00:01.000Z"));
    const res = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: auth });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ id: job!.id, state: "pending" });
    expect(body.message).toMatch(message);
  });

  test("GET /metrics: Prometheus text, job counts refreshed from the store on scrape", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun());
    const res = await fetch(`${h.url}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('t0_jobs{state="pending"} 1');
    expect(text).toContain('t0_jobs{state="failed"} 0');
    expect(text).toContain('t0_webhook_deliveries_total{event="workflow_run",outcome="job_created"} 1');
  });

  // The outbox resends quietly: a value the gateway keeps failing, or a refused key, shows only here.
  test("GET /metrics: feedback not sent yet, and the age of the oldest, refreshed from the store on scrape", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    const scrape = async () => (await (await fetch(`${h.url}/metrics`, { headers: auth })).text()).split("\n").filter((l) => /^t0_feedback_(pending|oldest)/.test(l));
    expect(await scrape()).toEqual(["t0_feedback_pending 0", "t0_feedback_oldest_pending_seconds 0"]);
    for (const runId of [1, 2]) await h.send("workflow_run", failedRun({ runId }));
    const ids = (await h.store.listJobs()).map((j) => j.id);
    const clock = h.deps.clock as FakeClock;
    const item = (id: string, createdAt: string, status: "pending" | "sent") => ({ id, metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status, attempts: 1, createdAt });
    const at = (msAgo: number) => new Date(clock.now() - msAgo).toISOString();
    await h.store.updateJob(ids[0]!, (j) => void j.feedback.push(item("a", at(3 * 3600_000), "sent"), item("b", at(2 * 3600_000), "pending")));
    await h.store.updateJob(ids[1]!, (j) => void j.feedback.push(item("c", at(60_000), "pending")));
    expect(await scrape()).toEqual(["t0_feedback_pending 2", "t0_feedback_oldest_pending_seconds 7200"]);
    await h.store.updateJob(ids[0]!, (j) => void (j.feedback[1]!.status = "sent"));
    expect(await scrape()).toEqual(["t0_feedback_pending 1", "t0_feedback_oldest_pending_seconds 60"]);
  });

  test("HEAD is answered like GET on the read routes (probes and uptime checkers use it), without a body", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    for (const path of ["/metrics", "/jobs", "/deliveries", "/healthz", "/readyz"]) {
      const res = await fetch(`${h.url}${path}`, { method: "HEAD", headers: auth });
      expect([path, res.status, await res.text()]).toEqual([path, 200, ""]);
    }
    expect((await fetch(`${h.url}/jobs`, { method: "HEAD" })).status).toBe(401);
    // The retry route stays POST only.
    const retry = await fetch(`${h.url}/jobs/abc/retry`, { method: "HEAD", headers: auth });
    expect([retry.status, retry.headers.get("allow")]).toEqual([405, "POST"]);
    const post = await fetch(`${h.url}/jobs`, { method: "POST", headers: auth });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
  });

  test("/healthz and /readyz answer GET and HEAD only: other methods → 405 with allow: GET, HEAD", async () => {
    h = await startHarness();
    for (const path of ["/healthz", "/readyz"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
        const res = await fetch(`${h.url}${path}`, { method });
        expect([path, method, res.status, res.headers.get("allow")]).toEqual([path, method, 405, "GET, HEAD"]);
        expect(((await res.json()) as any).error.code).toBe("method_not_allowed");
      }
    }
  });

  test("GET /deliveries lists recorded deliveries", async () => {
    h = await startHarness({ env: { ADMIN_TOKEN } });
    await h.send("workflow_run", failedRun({ conclusion: "success" }));
    const body = (await (await fetch(`${h.url}/deliveries?limit=5`, { headers: auth })).json()) as any;
    expect(body.deliveries).toEqual([expect.objectContaining({ event: "workflow_run", outcome: "ignored" })]);
  });
});

describe("admin API: retry judged inside the write", () => {
  let h: Harness;
  afterEach(async () => h && (await h.close()));

  test("a retry whose read is stale (another process finished the job in between) is refused, not reopening the job", async () => {
    const store = new MemoryJobStore();
    h = await startHarness({ env: { ADMIN_TOKEN }, store });
    await h.send("workflow_run", failedRun());
    const [job] = await store.listJobs();
    await store.updateJob(job!.id, (j) => {
      transition(j, "cloning", "2026-11-23T12:00:00.500Z", { stage: "clone-repo" });
      j.error = { code: "http_500", message: "boom", retryable: true, stage: "clone-repo", at: "2026-11-23T12:00:01.000Z" };
      transition(j, "failed", "2026-11-23T12:00:01.000Z", { stage: "clone-repo" });
    });
    // On Redis, a worker or a second retry can change the job between this retry's read and its write.
    const getJob = store.getJob.bind(store);
    let once = true;
    store.getJob = async (id) => {
      const read = await getJob(id);
      if (once) {
        once = false;
        await store.updateJob(id, (x) => {
          transition(x, "completed", "2026-11-23T12:00:02.000Z", { note: "finished elsewhere" });
          x.error = undefined;
        });
      }
      return read;
    };
    h.queue.items.length = 0;
    const res = await fetch(`${h.url}/jobs/${job!.id}/retry`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(409);
    expect((await getJob(job!.id))!.state).toBe("completed");
    expect(h.queue.items).toEqual([]);
  });
});
