import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { RecordOnlyQueue } from "../../src/adapters/queue/record-only-queue.js";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { transition } from "../../src/core/job.js";
import { run as jobsCli } from "../../src/cli/commands/jobs.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { run as deliveriesCli } from "../../src/cli/commands/deliveries.js";
import { gatewayError } from "../../src/adapters/tensorzero/gateway-errors.js";
import { silentLogger } from "../../src/core/logger.js";
import type { FeedbackRequest } from "../../src/core/ports/model-port.js";
import { flushFeedback, recordFeedback } from "../../src/feedback/outbox.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { PLANTED, expectRedacted, plantSecrets } from "../helpers/planted-secrets.js";
import { TRY_INFERENCES, giveTwoPatchTries } from "../helpers/two-patch-tries.js";
import { ADMIN_TOKEN, failedRun, startHarness } from "../intake/harness.js";

function capture() {
  const io = { stdout: "", stderr: "", out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe("CLI: jobs and deliveries", () => {
  let dir: string;
  let env: Record<string, string>;
  let failedId: string;
  let pendingId: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-cli-"));
    env = { DATA_DIR: dir };
    const store = await LowdbJobStore.open(dir);
    const failed = makeJob({ runId: 11, at: "2026-11-23T12:00:00.000Z" });
    const pending = makeJob({ runId: 12, at: "2026-11-23T12:05:00.000Z" });
    await store.recordIntake(makeDelivery(failed, { outcome: "job_created" }), "{}", failed);
    await store.recordIntake(makeDelivery(pending, { outcome: "job_created" }), "{}", pending);
    await store.recordIntake(makeDelivery(undefined, { outcome: "ignored", reason: "conclusion is success; only failure and timed_out are repaired" }), "{}");
    await store.updateJob(failed.id, (j) => {
      transition(j, "patching", "2026-11-23T12:01:00.000Z", { stage: "propose-patch" });
      j.completedStages = ["check-repo-config", "clone-repo", "fetch-logs", "build-context"];
      j.error = { code: "model_timeout", message: "the gateway did not answer", retryable: true, stage: "propose-patch", at: "2026-11-23T12:02:00.000Z" };
      j.attempts.waits = 3; // it had waited on the gateway before (WAIT_MAX_HOURS counts from waitsSince)
      j.attempts.waitsSince = "2026-11-23T12:01:30.000Z";
      transition(j, "failed", "2026-11-23T12:02:00.000Z", { stage: "propose-patch" });
    });
    await store.close();
    failedId = failed.id;
    pendingId = pending.id;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("jobs list: table and --json, --state filter", async () => {
    const io = capture();
    expect(await jobsCli(["list"], env, io)).toBe(0);
    const lines = io.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE\s+REPO\s+RUN\s+BRANCH\s+CREATED\s+ERROR$/);
    expect(lines[1]).toContain(pendingId); // newest first
    expect(lines[2]).toMatch(new RegExp(`${failedId}\\s+failed\\s+octo-org/octo-repo\\s+run 11\\s+main\\s+\\S+\\s+model_timeout`));

    const json = capture();
    expect(await jobsCli(["list", "--state", "failed", "--json"], env, json)).toBe(0);
    expect(JSON.parse(json.stdout).map((j: { id: string }) => j.id)).toEqual([failedId]);
  });

  test("jobs show/list and deliveries list redact secrets a stored record carries, as text and as --json", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(failedId, (j) => plantSecrets(j));
    await store.recordIntake(makeDelivery(undefined, { reason: `could not read config with ${PLANTED.pat}` }), "{}");
    await store.close();
    const runs: Array<[typeof jobsCli, string[]]> = [
      [jobsCli, ["show", failedId]],
      [jobsCli, ["show", failedId, "--json"]],
      [jobsCli, ["list", "--json"]],
      [deliveriesCli, ["list"]],
      [deliveriesCli, ["list", "--json"]],
    ];
    for (const [cli, args] of runs) {
      const io = capture();
      expect([args, await cli(args, env, io)]).toEqual([args, 0]);
      expectRedacted(io.stdout);
    }
    const json = capture();
    await jobsCli(["show", failedId, "--json"], env, json);
    const shown = JSON.parse(json.stdout);
    expect(shown).toMatchObject({ id: failedId, state: "failed", error: { code: "http_401", retryable: false } });
    expect(shown.feedback[0].lastError).toMatch(/^network: connect ECONNREFUSED https:\/\/\[REDACTED\]@tensorzero\.internal:3000\/inference/);
    const text = capture();
    await jobsCli(["show", failedId], env, text);
    expect(text.stdout).toContain("error     http_401 in propose-patch: gateway https://[REDACTED]@tensorzero.internal:3000/inference refused");
  });

  // A feedback item the gateway refused (or that keeps failing) is on the job: the text view must say so,
  // not only --json, or the person looking at the job never learns its outcome did not reach TensorZero.
  test("jobs show: the feedback outbox, each item's status, and why one was refused or is still pending", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => {
      const base = { attempts: 1, createdAt: "2026-11-23T12:40:00.000Z" };
      j.feedback = [
        { ...base, id: "pr_merged:ep1", metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status: "sent", sentAt: "2026-11-23T12:40:01.000Z" },
        { ...base, id: "demonstration:inf1", metric: "demonstration", value: {}, target: { inferenceId: "0192f5a0-0000-7000-8000-000000000002" }, status: "failed", lastError: "model_bad_request: TensorZero rejected the request with 400: Demonstration does not fit function output schema" },
        { ...base, attempts: 3, id: "comment:review:31", metric: "comment", value: "ok", target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status: "pending", lastError: "model_network: cannot reach TensorZero", backoffs: 3, nextAttemptAt: "2026-11-23T12:47:00.000Z" },
        { ...base, attempts: 0, id: "comment:review:32", metric: "comment", value: "ok", target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status: "pending" },
      ];
    });
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain([
      "feedback  1 sent, 1 failed, 2 pending",
      "  sent     pr_merged  episode 0192f5a0-0000-7000-8000-000000000001  (1 attempt)",
      "  failed   demonstration  inference 0192f5a0-0000-7000-8000-000000000002  (1 attempt): model_bad_request: TensorZero rejected the request with 400: Demonstration does not fit function output schema",
      // Backed off after the gateway failed it: not sent before then.
      "  pending  comment  episode 0192f5a0-0000-7000-8000-000000000001  (3 attempts, next 2026-11-23T12:47:00.000Z): model_network: cannot reach TensorZero",
      "  pending  comment  episode 0192f5a0-0000-7000-8000-000000000001  (0 attempts)",
    ].join("\n"));
    const none = capture();
    expect(await jobsCli(["show", failedId], env, none)).toBe(0);
    expect(none.stdout).not.toContain("feedback");
  });

  test("jobs show: an item refused for a config mismatch shows when it is sent next, as a backed-off one does", async () => {
    const store = await LowdbJobStore.open(dir);
    const clock = new FakeClock(Date.parse("2026-11-23T12:40:00.000Z"));
    const model = {
      proposePatch: async () => { throw new Error("unused"); },
      status: async () => ({ status: "ok" }),
      feedback: async (r: FeedbackRequest): Promise<{ feedbackId: string }> => { throw gatewayError(404, `Unknown metric: ${r.metric}`, { path: "/feedback" }); },
    };
    const deps = { store, clock, logger: silentLogger(), model };
    await recordFeedback(deps, pendingId, [{ id: "pr_merged:ep1", metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" } }]);
    await flushFeedback(deps, pendingId);
    await clock.advance(60_000);
    await flushFeedback(deps, pendingId);
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain("  pending  pr_merged  episode 0192f5a0-0000-7000-8000-000000000001  (2 attempts, next 2026-11-23T12:43:00.000Z): model_not_found: ");
  });

  test("jobs list with a bad --state → 2 and the valid states", async () => {
    const io = capture();
    expect(await jobsCli(["list", "--state", "done"], env, io)).toBe(2);
    expect(io.stderr).toMatch(/--state must be one of pending, cloning/);
  });

  test("jobs show: text and --json; unknown id → 1", async () => {
    const io = capture();
    expect(await jobsCli(["show", failedId], env, io)).toBe(0);
    expect(io.stdout).toContain(`job       ${failedId}`);
    expect(io.stdout).toContain("error     model_timeout in propose-patch: the gateway did not answer");
    const json = capture();
    expect(await jobsCli(["show", failedId, "--json"], env, json)).toBe(0);
    expect(JSON.parse(json.stdout).state).toBe("failed");
    const missing = capture();
    expect(await jobsCli(["show", "nope"], env, missing)).toBe(1);
    expect(missing.stderr).toMatch(/no job with id nope/);
  });

  // GitHub's rate limit, an outage, a full disk: the job is not failing, it waits, and the text says until when.
  test("jobs show: a job waiting (a rate limit) or backing off reads as such, with its next try, not as an error", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => {
      transition(j, "analysis", "2026-11-23T12:06:00.000Z", { stage: "fetch-logs" });
      j.error = { code: "github_rate_limited", message: "GitHub's rate limit is spent (API rate limit exceeded); it resets at 2026-11-23T12:46:00.000Z, and the job waits until then without using up its retries.", retryable: true, stage: "fetch-logs", at: "2026-11-23T12:06:00.000Z" };
      j.attempts.waits = 1;
      j.attempts.waitsSince = "2026-11-23T12:06:00.000Z";
      j.nextAttemptAt = "2026-11-23T12:46:31.000Z";
    });
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain("waiting   github_rate_limited in fetch-logs since 2026-11-23T12:06:00.000Z, next try 2026-11-23T12:46:31.000Z: GitHub's rate limit is spent");
    expect(io.stdout).not.toMatch(/^error /m);
    const again = await LowdbJobStore.open(dir);
    await again.updateJob(pendingId, (j) => {
      j.error = { code: "http_500", message: "Internal Server Error", retryable: true, stage: "fetch-logs", at: "2026-11-23T12:07:00.000Z" };
      delete j.attempts.waits;
      delete j.attempts.waitsSince;
      j.nextAttemptAt = "2026-11-23T12:07:05.000Z";
    });
    await again.close();
    const retrying = capture();
    expect(await jobsCli(["show", pendingId], env, retrying)).toBe(0);
    expect(retrying.stdout).toContain("retrying  http_500 in fetch-logs, next try 2026-11-23T12:07:05.000Z: Internal Server Error");
    // A failed job's error stays one, though it was retryable and had waited before.
    const failed = capture();
    expect(await jobsCli(["show", failedId], env, failed)).toBe(0);
    expect(failed.stdout).toContain("error     model_timeout in propose-patch: the gateway did not answer");
  });

  // A maintainer debugging a job its patch tries ended sees each try, not only the last one's error.
  test("jobs show: a job's patch tries, one line each in the text and as patchTries in --json, redacted", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => giveTwoPatchTries(j));
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain([
      "tries",
      `  1  patch_refused  workflow_edits: edits a workflow (seen with token [REDACTED]) (.github/workflows/ci.yml)  files .github/workflows/ci.yml  inference ${TRY_INFERENCES[0]} (variant openai_gpt)`,
      `  2  validation_failed  \`npm test\` exited 1; failing: sum adds, uses [REDACTED]  files src/math.js  inference ${TRY_INFERENCES[1]} (variant anthropic_sonnet)`,
    ].join("\n"));
    expectRedacted(io.stdout);

    const json = capture();
    expect(await jobsCli(["show", pendingId, "--json"], env, json)).toBe(0);
    expectRedacted(json.stdout);
    expect(JSON.parse(json.stdout).patchTries).toEqual([
      {
        try: 1, outcome: "patch_refused", rule: "workflow_edits", file: ".github/workflows/ci.yml", reason: "workflow_edits: edits a workflow (seen with token [REDACTED]) (.github/workflows/ci.yml)",
        files: [".github/workflows/ci.yml"], inferenceId: TRY_INFERENCES[0], variant: "openai_gpt", patchHash: "a".repeat(64),
      },
      {
        try: 2, outcome: "validation_failed", command: "npm test", ended: "exited 1", failingTests: ["sum adds", "uses [REDACTED]"], reason: "`npm test` exited 1; failing: sum adds, uses [REDACTED]",
        files: ["src/math.js"], inferenceId: TRY_INFERENCES[1], variant: "anthropic_sonnet", patchHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    // No proposal yet: no tries, and no heading for them.
    const none = capture();
    expect(await jobsCli(["show", failedId], env, none)).toBe(0);
    expect(none.stdout).not.toContain("tries\n");
  });

  // "Why did the bot open this PR" without opening it: the evidence and the PR the job recorded.
  test("jobs show: the last validation's evidence and test counts, and the fix PR the job opened", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => {
      j.results["apply-and-validate"] = {
        verdict: "passed", sandbox: "bwrap", network: "none", evidence: { before: "red", after: "green", reproduced: true }, testsRan: { before: 10, after: 10 }, commands: { setup: [], validate: [] }, runs: [], notes: [],
      };
      j.results["open-pull-request"] = { branch: "ci-bot/fix-12", commitSha: "0123456789abcdef0123", pr: { number: 7, htmlUrl: "https://github.com/octo-org/octo-repo/pull/7", nodeId: "PR_1", state: "open", draft: true } };
    });
    await store.updateJob(failedId, (j) => {
      j.results["apply-and-validate"] = { verdict: "passed", sandbox: "bwrap", network: "setup", evidence: { before: null, after: "green", reproduced: null, note: "reproduce-first is off" }, ciTestsRan: { ci: 120, after: 97 }, commands: { setup: [], validate: [] }, runs: [], notes: [] };
    });
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain("\nvalidated passed: before the patch red, with it green; tests run 10 before, 10 with the patch; sandbox bwrap, network none\n");
    expect(io.stdout).toContain("\nfix pr    #7 https://github.com/octo-org/octo-repo/pull/7  branch ci-bot/fix-12 @ 0123456789ab\n");
    const off = capture();
    expect(await jobsCli(["show", failedId], env, off)).toBe(0);
    expect(off.stdout).toContain("\nvalidated passed: before the patch not run, with it green; reproduce-first is off; tests run in CI's failing run 120, here with the patch 97; sandbox bwrap, network setup\n");
    expect(off.stdout).not.toContain("fix pr");
  });

  test("jobs show: the fix PR's events, reviews dismissed and drafts changed by people included", async () => {
    const store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => {
      j.results["pr-events"] = [
        { id: "ci:900:abc", kind: "ci", runId: 900, conclusion: "success", headSha: "c".repeat(40), at: "2026-11-23T12:10:00.000Z" },
        { id: "ready_for_review:100:2026-11-23T12:20:00Z", kind: "ready_for_review", by: "alice", at: "2026-11-23T12:20:00.000Z" },
        { id: "review_dismissed:31", kind: "review_dismissed", reviewId: 31, author: "carol", by: "bob", at: "2026-11-23T12:30:00.000Z" },
        { id: "closed:100", kind: "closed", merged: true, headSha: "c".repeat(40), by: "alice", at: "2026-11-23T12:40:00.000Z" },
      ];
    });
    await store.close();
    const io = capture();
    expect(await jobsCli(["show", pendingId], env, io)).toBe(0);
    expect(io.stdout).toContain([
      "pr events",
      `  2026-11-23T12:10:00.000Z  ci  run 900 success on ${"c".repeat(12)}`,
      "  2026-11-23T12:20:00.000Z  ready_for_review  by alice",
      "  2026-11-23T12:30:00.000Z  review_dismissed  review 31 of carol by bob",
      "  2026-11-23T12:40:00.000Z  closed  merged by alice",
    ].join("\n"));
    const none = capture();
    expect(await jobsCli(["show", failedId], env, none)).toBe(0);
    expect(none.stdout).not.toContain("pr events");
  });

  /** Each command line exits 2 with its reason on stderr and nothing on stdout. */
  async function expectUsageErrors(cases: Array<[typeof jobsCli, string[], RegExp]>): Promise<void> {
    for (const [cli, args, why] of cases) {
      const io = capture();
      expect([args, await cli(args, env, io)]).toEqual([args, 2]);
      expect(io.stderr).toMatch(why);
      expect(io.stdout).toBe("");
    }
  }

  test("a stray argument, or an option of another subcommand, is a usage error (2), not ignored", async () => {
    // `jobs list failed` listed every job, as if the state had been read.
    const cases: Array<[typeof jobsCli, string[], RegExp]> = [
      [jobsCli, ["list", "failed"], /unexpected argument "failed"/],
      [jobsCli, ["show", failedId, "--state", "failed"], /unknown option --state/],
      [jobsCli, ["retry", failedId, "--json"], /unknown option --json/],
      [jobsCli, ["list", "--url", "http://127.0.0.1:1"], /unknown option --url/],
      [deliveriesCli, ["list", "10"], /unexpected argument "10"/],
      [deliveriesCli, ["redeliver", "48"], /unexpected argument "48"/],
    ];
    await expectUsageErrors(cases);
  });

  test("an empty job id (an unset shell variable: `jobs show \"$ID\"`) is a usage error (2), not \"no job with id ;\"", async () => {
    const cases: Array<[typeof jobsCli, string[], RegExp]> = [
      [jobsCli, ["show", ""], /jobs show needs exactly one job id/],
      [jobsCli, ["show", "  "], /jobs show needs exactly one job id/],
      [jobsCli, ["retry", ""], /jobs retry needs exactly one job id/],
      [jobsCli, ["retry", "", "--feedback"], /jobs retry needs exactly one job id/],
    ];
    await expectUsageErrors(cases);
  });

  test("a yes/no option given a value (--json=false) is a usage error (2), not read as given", async () => {
    // `--json=false` printed JSON; node:util parseArgs (analyze-log, eval-logs, apply-patch) refuses it too.
    const cases: Array<[typeof jobsCli, string[], RegExp]> = [
      [jobsCli, ["list", "--json=false"], /--json takes no value/],
      [jobsCli, ["show", failedId, "--json=true"], /--json takes no value/],
      [deliveriesCli, ["list", "--json=false"], /--json takes no value/],
      [deliveriesCli, ["redeliver", "--dry-run=false"], /--dry-run takes no value/],
    ];
    await expectUsageErrors(cases);
  });

  test("--repo must be owner/name, and --limit a whole number from 1 to 10000 (the admin API's cap): else 2", async () => {
    // `--repo nonsense` matched no job and printed "no jobs" (exit 0), as if the repository had none.
    const cases: Array<[typeof jobsCli, string[], RegExp]> = [
      [jobsCli, ["list", "--repo", "nonsense"], /--repo must be owner\/name \(e\.g\. octo-org\/octo-repo\), got "nonsense"/],
      [jobsCli, ["list", "--repo", "https://github.com/octo-org/octo-repo"], /--repo must be owner\/name/],
      ...["10001", "0", "-1", "2.5", "1e3", "x"].flatMap((n): Array<[typeof jobsCli, string[], RegExp]> => [
        [jobsCli, ["list", "--limit", n], /--limit must be a whole number from 1 to 10000/],
        [deliveriesCli, ["list", "--limit", n], /--limit must be a whole number from 1 to 10000/],
      ]),
    ];
    await expectUsageErrors(cases);
    const ok: Array<[typeof jobsCli, string[]]> = [
      [jobsCli, ["list", "--repo", "Octo-Org/octo-repo", "--limit", "10000", "--json"]],
      [deliveriesCli, ["list", "--limit", "10000", "--json"]],
    ];
    for (const [cli, args] of ok) {
      const io = capture();
      expect([args, await cli(args, env, io)]).toEqual([args, 0]);
      expect(JSON.parse(io.stdout).length).toBeGreaterThan(0);
    }
  });

  test("jobs retry --url that is not an http(s) address is a usage error (2) saying what to pass, before anything is asked", async () => {
    // `--url localhost:3000` was fetched as is: "cannot reach the server at localhost:3000 (fetch failed)",
    // exit 1, as if the server were down.
    const cases: Array<[typeof jobsCli, string[], RegExp]> = ["notaurl", "localhost:3000", "ftp://127.0.0.1:3000", "http://"].flatMap((url): Array<[typeof jobsCli, string[], RegExp]> => [
      [jobsCli, ["retry", failedId, "--url", url], /--url must be the server's http:\/\/ or https:\/\/ address, such as http:\/\/127\.0\.0\.1:3000/],
      [jobsCli, ["retry", failedId, "--feedback", "--url", url], /--url must be the server's http:\/\/ or https:\/\/ address/],
    ]);
    await expectUsageErrors(cases);
  });

  test("jobs retry --url without ADMIN_TOKEN says to set it, without inventing a server pid", async () => {
    const io = capture();
    expect(await jobsCli(["retry", failedId, "--url", "http://127.0.0.1:1"], env, io)).toBe(1);
    expect(io.stderr).toMatch(/Set ADMIN_TOKEN/);
    expect(io.stderr).not.toMatch(/undefined/);
  });

  test("jobs retry with no server: writes the store; the job is back in the failed stage's state and resumes on start", async () => {
    // A stale lock whose pid came round to us (a container's CLI runs as pid 1, as its server did).
    writeFileSync(join(dir, "owner.pid"), String(process.pid));
    const io = capture();
    expect(await jobsCli(["retry", failedId], env, io)).toBe(0);
    expect(io.stdout).toMatch(/patching again; no server is running/);
    const store = await LowdbJobStore.open(dir);
    try {
      const job = await store.getJob(failedId);
      expect(job).toMatchObject({ state: "patching", completedStages: ["check-repo-config", "clone-repo", "fetch-logs", "build-context"] });
      expect(job!.error).toBeUndefined();
      // A retried job waits afresh: an old waitsSince would fail it at its first wait.
      expect(job!.attempts.waits).toBeUndefined();
      expect(job!.attempts.waitsSince).toBeUndefined();
      expect(await store.listUnfinishedJobIds()).toContain(failedId);
    } finally {
      await store.close();
    }
    const again = capture();
    expect(await jobsCli(["retry", pendingId], env, again)).toBe(1);
    expect(again.stderr).toMatch(/only failed jobs can be retried/);
  });

  test("jobs retry with no server and T0_WORKERS=0 set: does not promise the job runs at the next start", async () => {
    const io = capture();
    expect(await jobsCli(["retry", failedId], { ...env, T0_WORKERS: "0" }, io)).toBe(0);
    expect(io.stdout).toBe(`job ${failedId} is patching again; no server is running, so it runs when a server with workers starts (T0_WORKERS=0 is set here: start it with T0_WORKERS=1 or more)\n`);
  });

  test("jobs retry while a server owns DATA_DIR: goes through the admin API, which enqueues it", async () => {
    const h = await startHarness({ store: await LowdbJobStore.open(dir), env: { ADMIN_TOKEN } });
    // The server runs in this process here; in life it is another one (a lock with the CLI's own pid is stale).
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    try {
      const noToken = capture();
      expect(await jobsCli(["retry", failedId], env, noToken)).toBe(1);
      expect(noToken.stderr).toMatch(/owns DATA_DIR[\s\S]*Set ADMIN_TOKEN/);

      const io = capture();
      expect(await jobsCli(["retry", failedId, "--url", h.url], { ...env, ADMIN_TOKEN }, io)).toBe(0);
      expect(io.stdout).toMatch(/patching again and queued; this server's workers run it/);
      expect(h.queue.items.map((i) => i.jobId)).toEqual([failedId]);
      expect((await h.store.getJob(failedId))!.state).toBe("patching");

      // Reads work read-only beside the running server, and see what it wrote.
      await h.send("workflow_run", failedRun({ runId: 99 }));
      const list = capture();
      expect(await jobsCli(["list", "--json"], env, list)).toBe(0);
      expect(JSON.parse(list.stdout).map((j: { run: { id: number } }) => j.run.id).sort()).toEqual([11, 12, 99]);
    } finally {
      await h.close();
    }
  });

  test("jobs retry with an ADMIN_TOKEN the server does not have: says to use the server's, not to send a header", async () => {
    // The server's 401 says "Send `Authorization: Bearer <ADMIN_TOKEN>`", which the CLI did: told that, the
    // operator who had set a token (another deployment's, a stale one) had nothing to go on.
    const h = await startHarness({ store: await LowdbJobStore.open(dir), env: { ADMIN_TOKEN } });
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    try {
      const io = capture();
      expect(await jobsCli(["retry", failedId, "--url", h.url], { ...env, ADMIN_TOKEN: "another-deployments-token" }, io)).toBe(1);
      expect(io.stderr).toBe(`t0-ci-bot jobs: the server at ${h.url} refused ADMIN_TOKEN (401): set it to the value the server has\n`);
      expect((await h.store.getJob(failedId))!.state).toBe("failed");
    } finally {
      await h.close();
    }
  });

  test("jobs retry through a server started without ADMIN_TOKEN: says the server needs it, and the way round it", async () => {
    // The server's 403 text ("set ADMIN_TOKEN … and restart to use it") read as if this command lacked it,
    // which it had set.
    const h = await startHarness({ store: await LowdbJobStore.open(dir) });
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    try {
      const io = capture();
      expect(await jobsCli(["retry", failedId, "--url", h.url], { ...env, ADMIN_TOKEN }, io)).toBe(1);
      expect(io.stderr).toBe(
        `t0-ci-bot jobs: the server at ${h.url} has no ADMIN_TOKEN, so its admin API is off (403): restart it with ADMIN_TOKEN set to this value, or stop it and run this again to retry in the store directly\n`,
      );
      expect((await h.store.getJob(failedId))!.state).toBe("failed");
    } finally {
      await h.close();
    }
  });

  test("jobs retry through a server listening on an IPv6 HOST (::1) reaches it at [::1]", async () => {
    const h = await startHarness({ store: await LowdbJobStore.open(dir), env: { ADMIN_TOKEN } });
    const v6 = createHttpServer({ deps: h.deps, verify: async () => false });
    const { port } = await v6.listen(0, "::1");
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[?::1\]?)(:\d+)?$/.test(host)); // loopback, IPv6 too
    try {
      const io = capture();
      expect(await jobsCli(["retry", failedId], { ...env, ADMIN_TOKEN, HOST: "::1", PORT: String(port) }, io)).toBe(0);
      expect(io.stderr).toBe("");
      expect(h.queue.items.map((i) => i.jobId)).toEqual([failedId]);
    } finally {
      await v6.close();
      await h.close();
    }
  });

  test("jobs retry through a server with T0_WORKERS=0: prints the server's message saying who runs the job", async () => {
    const h = await startHarness({ store: await LowdbJobStore.open(dir), env: { ADMIN_TOKEN, T0_WORKERS: "0" } });
    h.deps.queue = new RecordOnlyQueue(); // as composition builds it for the embedded store with no workers
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    try {
      const io = capture();
      expect(await jobsCli(["retry", failedId, "--url", h.url], { ...env, ADMIN_TOKEN }, io)).toBe(0);
      expect(io.stdout).toBe(
        `job ${failedId} is patching again; this server only records jobs (T0_WORKERS=0) and its DATA_DIR store is single-process: restart it with T0_WORKERS=1 or more to run it\n`,
      );
    } finally {
      await h.close();
    }
  });

  // A backed-off item waits up to an hour: an operator who fixed its cause asks for it now.
  test("jobs retry --feedback: the job's pending feedback is due again, whatever the job's state, in the store or through the server", async () => {
    const backedOff = (id: string) => ({ id, metric: "pr_merged", value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, status: "pending" as const, attempts: 4, backoffs: 4, nextAttemptAt: "2026-11-23T13:40:00.000Z", lastError: "model_gateway_error: TensorZero answered 500", createdAt: "2026-11-23T12:40:00.000Z" });
    let store = await LowdbJobStore.open(dir);
    await store.updateJob(pendingId, (j) => void (j.feedback = [backedOff("a"), { ...backedOff("b"), status: "sent" }]));
    await store.close();
    const io = capture();
    expect(await jobsCli(["retry", pendingId, "--feedback"], env, io)).toBe(0);
    expect(io.stdout).toBe(`job ${pendingId}: 1 pending feedback item due again; the outbox sends it at its next sweep, once a server or worker runs jobs on this store\n`);
    store = await LowdbJobStore.open(dir);
    const [a, b] = (await store.getJob(pendingId))!.feedback;
    expect([a!.nextAttemptAt, a!.backoffs, a!.status]).toEqual([undefined, undefined, "pending"]);
    expect(b).toMatchObject({ status: "sent", nextAttemptAt: "2026-11-23T13:40:00.000Z" });
    // The job is left as it was: not retried, not queued.
    expect((await store.getJob(pendingId))!.state).toBe("pending");
    await store.updateJob(pendingId, (j) => void (j.feedback = [backedOff("a")]));
    await store.close();

    const none = capture();
    expect(await jobsCli(["retry", failedId, "--feedback"], env, none)).toBe(1);
    expect(none.stderr).toMatch(/has no feedback waiting to be sent/);

    const h = await startHarness({ store: await LowdbJobStore.open(dir), env: { ADMIN_TOKEN } });
    writeFileSync(join(dir, "owner.pid"), String(process.ppid));
    try {
      const viaServer = capture();
      expect(await jobsCli(["retry", pendingId, "--feedback", "--url", h.url], { ...env, ADMIN_TOKEN }, viaServer)).toBe(0);
      expect(viaServer.stdout).toBe(`job ${pendingId}: 1 pending feedback item due again; the outbox sends it at its next sweep (within a minute where jobs run)\n`);
      expect((await h.store.getJob(pendingId))!.feedback[0]!.nextAttemptAt).toBeUndefined();
      expect(h.queue.items).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test.each([
    ["does not exist", "typo", /does not exist/],
    ["holds no store", "empty", /holds no t0-ci-bot store \(no jobs\/ or journal\/ in it\)/],
    // A file (a DATA_DIR=.env slip, the key's path) "held no store" as an empty folder does.
    ["is a file", "a-file", /is a file, not a directory/],
  ])("a DATA_DIR that %s: every command says so, names DATA_DIR and what to set, exits 1 and creates nothing", async (_what, sub, problem) => {
    const where = join(dir, sub);
    if (sub === "empty") mkdirSync(where);
    if (sub === "a-file") writeFileSync(where, "APP_ID=1\n");
    const cases: Array<[typeof jobsCli, string[]]> = [
      [jobsCli, ["list"]],
      [jobsCli, ["show", failedId]],
      [jobsCli, ["retry", failedId]],
      [deliveriesCli, ["list"]],
    ];
    for (const [cli, args] of cases) {
      const io = capture();
      expect(await cli(args, { DATA_DIR: where }, io)).toBe(1);
      expect(io.stdout).toBe("");
      expect(io.stderr).toMatch(problem);
      expect(io.stderr).toContain(`DATA_DIR ${where} `);
      expect(io.stderr).toMatch(/Set DATA_DIR to the server's data directory .* or REDIS_URL/);
    }
    if (sub === "empty") expect(readdirSync(where)).toEqual([]);
    else if (sub === "a-file") expect(readFileSync(where, "utf8")).toBe("APP_ID=1\n");
    else expect(existsSync(where)).toBe(false);
  });

  test("deliveries list: text and --json with --limit", async () => {
    const io = capture();
    expect(await deliveriesCli(["list"], env, io)).toBe(0);
    const lines = io.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/workflow_run\.completed\s+octo-org\/octo-repo\s+ignored\s+conclusion is success/);
    const json = capture();
    expect(await deliveriesCli(["list", "--limit", "2", "--json"], env, json)).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    const bad = capture();
    expect(await deliveriesCli(["list", "--limit", "x"], env, bad)).toBe(2);
  });
});
