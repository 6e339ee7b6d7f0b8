import { connect } from "node:net";
import { afterEach, describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { transition } from "../../src/core/job.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { connectionsAfterStop, failedRun, fixture, startHarness, type Harness } from "./harness.js";

/** The status line of the answer to `GET <target>`, sent as raw bytes (fetch would not send such a target). */
function rawStatus(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let out = "";
    s.on("data", (d) => (out += d));
    s.on("close", () => resolve(out.split("\r\n")[0]!));
    s.on("error", reject);
  });
}

describe("requests strangers can send", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    expect(h?.outbound ?? []).toEqual([]);
    await h?.close();
    h = undefined;
  });

  // X-GitHub-Event is not covered by the signature: one signed body can be replayed under any event name.
  test.each(["hasOwnProperty", "__proto__", "valueOf", "constructor", "toString"])("X-GitHub-Event: %s on a signed body → 202, recorded as ignored like any unhandled event", async (event) => {
    h = await startHarness();
    expect((await h.send(event, failedRun())).status).toBe(202);
    expect(await h.store.listDeliveries()).toEqual([expect.objectContaining({ event, outcome: "ignored", reason: `event ${event} is not handled by this app` })]);
  });

  test.each(["//[", "http://[", "//a:b@[x]/jobs"])("a request target URL cannot parse (%s) → 400, not 500", async (target) => {
    h = await startHarness();
    expect(await rawStatus(Number(new URL(h.url).port), target)).toMatch(/^HTTP\/1\.1 400 /);
  });

  test("while stopping, such a target on a connection opened before the stop → 503 (it threw in the request listener and ended the process)", async () => {
    h = await startHarness();
    const server = h.http.server;
    await h.http.close();
    const relay = await connectionsAfterStop(server);
    try {
      expect(await rawStatus(relay.port, "//[")).toBe("HTTP/1.1 503 Service Unavailable");
    } finally {
      await relay.close();
    }
  });

  // The dry run told them the branch name; a person who applies its diff there pushes CI and a PR onto it.
  test("CI and a PR on a branch named like the fix branch of a dry-run job (no PR opened) → 202, not a 500", async () => {
    const store = new MemoryJobStore();
    h = await startHarness({ store });
    const job = { ...makeJob({ repoId: 300029405, runId: 111 }), dryRun: true };
    await store.recordIntake(makeDelivery(job), "{}", job);
    await store.updateJob(job.id, (j) => {
      transition(j, "completed", "2026-11-23T12:00:01.000Z", { stage: "open-pull-request", note: "dry run: described the fix PR instead of opening it" });
      j.results["open-pull-request"] = { dryRun: true, branch: "ci-bot/fix-111", base: { branch: "main", sha: "a".repeat(40) }, files: [], title: "t", commitMessage: "m", body: "b", diff: "", labels: [], commentOn: [] };
    });
    const run = failedRun({ runId: 5555, branch: "ci-bot/fix-111" });
    run.workflow_run.head_sha = "c".repeat(40);
    expect((await h.send("workflow_run", run)).status).toBe(202);
    const pr = fixture("pull_request.closed");
    pr.repository = run.repository;
    pr.pull_request = { ...pr.pull_request, number: 43, head: { ...pr.pull_request.head, ref: "ci-bot/fix-111", sha: "c".repeat(40) } };
    expect((await h.send("pull_request", pr)).status).toBe(202);
    const sent = await store.listDeliveries({ limit: 2 });
    expect(sent.map((d) => [d.event, d.outcome]).sort()).toEqual([["pull_request", "ignored"], ["workflow_run", "ignored"]]);
    expect(h.queue.items).toEqual([]);
  });

  test("a fork's run on a branch named like the fix branch (ci-bot/fix-<run>) is not taken as CI of the fix", async () => {
    const store = new MemoryJobStore();
    h = await startHarness({ store });
    const job = makeJob({ repoId: 300029405, runId: 111 });
    await store.recordIntake(makeDelivery(job), "{}", job);
    const commitSha = "b".repeat(40);
    await store.updateJob(job.id, (j) => {
      transition(j, "pr", "2026-11-23T12:00:01.000Z", { stage: "watch-pr" });
      j.waitingFor = "pr_outcome";
      j.results["open-pull-request"] = { branch: "ci-bot/fix-111", commitSha, verified: true, pr: { number: 42, draft: true }, createdPr: true, commentedOn: [], files: [], inferenceId: "i", episodeId: "e", repairAttempt: 1 };
    });
    // Anyone can push the public fix commit to a fork under that name and open a PR: its run is theirs.
    const p = failedRun({ runId: 5555, branch: "ci-bot/fix-111", conclusion: "action_required" });
    p.workflow_run.head_sha = commitSha;
    p.workflow_run.event = "pull_request";
    p.workflow_run.head_repository = { ...p.workflow_run.head_repository, id: 999, full_name: "stranger/octo-repo" };
    expect((await h.send("workflow_run", p)).status).toBe(202);
    const after = await store.getJob(job.id);
    expect({ events: after!.results["pr-events"], waitingFor: after!.waitingFor, enqueued: h.queue.items.length }).toEqual({ events: undefined, waitingFor: "pr_outcome", enqueued: 0 });
    expect((await store.listDeliveries({ limit: 1 }))[0]).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/^run is on fork stranger\/octo-repo/) });
  });
});
