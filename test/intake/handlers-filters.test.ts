import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import type { FakeClock } from "../fakes/fake-clock.js";
import { failedRun, fixture, startHarness, type Harness } from "./harness.js";


async function lastDelivery(h: Harness) {
  const [d] = await h.store.listDeliveries({ limit: 1 });
  return d!;
}

describe("handlers: which deliveries become jobs", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.outbound).toEqual([]);
    await h.close();
  });

  describe("default config", () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    test("timed_out counts as a failure", async () => {
      await h.send("workflow_run", failedRun({ conclusion: "timed_out" }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
      const [job] = await h.store.listJobs();
      expect(job!.run.conclusion).toBe("timed_out");
    });

    test.each(["success", "cancelled", "skipped", "neutral", "action_required", "stale"])("conclusion %s → ignored with the reason", async (c) => {
      const res = await h.send("workflow_run", failedRun({ conclusion: c }));
      expect(res.status).toBe(202);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: `conclusion is ${c}; only failure and timed_out are repaired` });
      expect(await h.store.listJobs()).toEqual([]);
      expect(h.queue.items).toEqual([]);
    });

    test.each([["workflow_run", () => { const { action: _, ...p } = failedRun(); return p; }], ["check_suite", () => ({ ...fixture("check_suite.completed"), action: 7 })]] as const)(
      "%s without an action (or not a word) → 400 saying so, recorded as invalid, no job",
      async (event, payload) => {
        const res = await h.send(event, payload());
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toMatch(/has no action .*GitHub sends/);
        expect(await lastDelivery(h)).toMatchObject({ outcome: "invalid", reason: expect.stringMatching(/has no action/) });
        expect(await h.store.listJobs()).toEqual([]);
      },
    );

    test("workflow_run.requested → ignored (no schema demands on it)", async () => {
      await h.send("workflow_run", fixture("workflow_run.requested"));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", action: "requested", reason: expect.stringMatching(/only completed runs/) });
    });

    test("the app's own ci-bot/ branches are skipped", async () => {
      await h.send("workflow_run", failedRun({ branch: "ci-bot/fix-123" }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "branch ci-bot/fix-123 is one of the app's own fix branches" });
    });

    // A merge queue tests each group on a temporary gh-readonly-queue/<base>/pr-<n>-<sha> branch (merge_group,
    // and push runs of that branch), which GitHub deletes once the group is done: a fix PR would target a
    // branch about to vanish, and be the fix of a fix when the group holds the bot's own PR.
    test.each([
      ["merge_group", "gh-readonly-queue/main/pr-42-6dcb09b5b57875f334f61aebed695e2e4193db5e"],
      ["push", "gh-readonly-queue/main/pr-42-6dcb09b5b57875f334f61aebed695e2e4193db5e"],
    ])("a merge queue's %s run on its temporary branch is skipped", async (event, branch) => {
      const p = failedRun({ branch });
      p.workflow_run.event = event;
      await h.send("workflow_run", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/merge queue/) });
      expect(await h.store.listJobs()).toEqual([]);
    });

    test("a merge queue's check suite on its temporary branch is skipped", async () => {
      const p = fixture("check_suite.completed");
      p.check_suite = { ...p.check_suite, conclusion: "failure", head_branch: "gh-readonly-queue/main/pr-42-6dcb09b5b57875f334f61aebed695e2e4193db5e", pull_requests: [] };
      p.check_suite.app = { ...p.check_suite.app, slug: "circleci", name: "CircleCI" };
      await h.send("check_suite", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/merge queue/) });
      expect(await h.store.listJobs()).toEqual([]);
    });

    test("runs triggered by the app's bot user are skipped (triggering_actor)", async () => {
      const p = failedRun();
      p.workflow_run.triggering_actor = { ...p.workflow_run.triggering_actor, login: "t0-ci-bot[bot]", type: "Bot" };
      await h.send("workflow_run", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "triggering actor t0-ci-bot[bot] is the app's own bot user" });
    });

    test("a human whose login equals the bare slug is not mistaken for the bot", async () => {
      const p = failedRun();
      p.sender = { ...p.sender, login: "t0-ci-bot", type: "User" };
      await h.send("workflow_run", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
    });

    test("fork runs (head_repository ≠ repository) are skipped", async () => {
      const p = failedRun();
      p.workflow_run.head_repository = { ...p.workflow_run.head_repository, id: 999, full_name: "someone/octo-repo" };
      await h.send("workflow_run", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/fork someone\/octo-repo/) });
    });

    // GitHub lists in `pull_requests` the open PRs whose head is the run's branch, and that takes in a PR some
    // fork opened from this branch into itself (keeping a fork in sync): its number is that fork's, and here it
    // names another PR or issue, which the bot then commented on. Only this repository's PRs are the run's.
    test("a run's pull_requests keep only this repository's PRs, not a fork's PR of the same branch", async () => {
      const p = failedRun();
      const id = p.repository.id;
      const prRef = (number: number, baseRepo: number) => ({
        url: `https://api.github.com/repos/x/y/pulls/${number}`, id: number, number,
        head: { ref: "master", sha: p.workflow_run.head_sha, repo: { id, url: "u", name: "octo-repo" } },
        base: { ref: "main", sha: p.workflow_run.head_sha, repo: { id: baseRepo, url: "u", name: "octo-repo" } },
      });
      p.workflow_run.pull_requests = [prRef(7, id), prRef(3, 999)];
      await h.send("workflow_run", p);
      const [job] = await h.store.listJobs();
      expect(job!.run.pullRequests).toEqual([7]);
    });

    test("a check suite's pull_requests keep only this repository's PRs too", async () => {
      const p = fixture("check_suite.completed");
      p.check_suite.conclusion = "failure";
      p.check_suite.app = { ...p.check_suite.app, slug: "circleci", name: "CircleCI" };
      const id = p.repository.id;
      const prRef = (number: number, baseRepo: number) => ({
        url: "u", id: number, number, head: { ref: "changes", sha: p.check_suite.head_sha, repo: { id, url: "u", name: "r" } }, base: { ref: "main", sha: p.check_suite.head_sha, repo: { id: baseRepo, url: "u", name: "r" } },
      });
      p.check_suite.pull_requests = [prRef(3, 999), prRef(8, id)];
      await h.send("check_suite", p);
      const [job] = await h.store.listJobs();
      expect(job!.run.pullRequests).toEqual([8]);
    });

    test("a run with no head branch is skipped", async () => {
      await h.send("workflow_run", failedRun({ branch: null }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/no head branch/) });
    });

    test("the fix-loop cap: a new run with an already-attempted fingerprint is refused after MAX_ATTEMPTS_PER_FINGERPRINT (3)", async () => {
      for (const runId of [1, 2, 3]) expect((await h.send("workflow_run", failedRun({ runId }))).status).toBe(202);
      await h.send("workflow_run", failedRun({ runId: 4 }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/already attempted 3 times \(MAX_ATTEMPTS_PER_FINGERPRINT=3\)/) });
      expect(await h.store.listJobs()).toHaveLength(3);
      // A redelivery of an attempted run is still a duplicate, not a loop.
      await h.send("workflow_run", failedRun({ runId: 2 }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "duplicate" });
      // Another branch is another failure.
      const other = failedRun({ runId: 5, branch: "feature" });
      await h.send("workflow_run", other);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
    });

    test("the fix-loop cap counts from zero once the workflow passes on the branch again (not on another branch or a fork)", async () => {
      for (const runId of [1, 2, 3]) await h.send("workflow_run", failedRun({ runId }));
      const fork = failedRun({ runId: 4, conclusion: "success" });
      fork.workflow_run.head_repository = { ...fork.workflow_run.head_repository, id: 999, full_name: "someone/octo-repo" };
      await h.send("workflow_run", fork);
      await h.send("workflow_run", failedRun({ runId: 5, conclusion: "success", branch: "feature" }));
      await h.send("workflow_run", failedRun({ runId: 6 }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/already attempted 3 times/) });
      await h.send("workflow_run", failedRun({ runId: 7, conclusion: "success" }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "conclusion is success; only failure and timed_out are repaired" });
      await (h.deps.clock as FakeClock).advance(1000); // failures after the pass
      for (const runId of [8, 9, 10]) {
        await h.send("workflow_run", failedRun({ runId }));
        expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
      }
      await h.send("workflow_run", failedRun({ runId: 11 }));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/already attempted 3 times/) });
      expect(await h.store.listJobs()).toHaveLength(6);
    });

    test("a passing run's reset is sent beside its record, not after it (one store round trip before the 202)", async () => {
      const order: string[] = [];
      const store = h.store as MemoryJobStore;
      const record = store.recordIntake.bind(store);
      const clear = store.clearFingerprints.bind(store);
      store.recordIntake = async (...args) => {
        order.push("record");
        await new Promise((r) => setImmediate(r)); // a store's write takes a while: the reset must not wait for it
        order.push("recorded");
        return record(...args);
      };
      store.clearFingerprints = async (...args) => {
        order.push("clear");
        return clear(...args);
      };
      expect((await h.send("workflow_run", failedRun({ runId: 42, conclusion: "success" }))).status).toBe(202);
      expect([...order].sort()).toEqual(["clear", "record", "recorded"]);
      expect(order.indexOf("clear")).toBeLessThan(order.indexOf("recorded"));
    });

    test("the fix-loop cap holds for a burst: 12 concurrent failures of one kind give 3 jobs, the rest ignored with the reason", async () => {
      const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => h.send("workflow_run", failedRun({ runId: 700 + i }))));
      expect(sent.every((r) => r.status === 202)).toBe(true);
      expect(await h.store.listJobs()).toHaveLength(3);
      expect(h.queue.items).toHaveLength(3);
      const ignored = (await h.store.listDeliveries({ limit: 50 })).filter((d) => d.outcome === "ignored");
      expect(ignored).toHaveLength(9);
      for (const d of ignored) expect(d.reason).toMatch(/already attempted 3 times \(MAX_ATTEMPTS_PER_FINGERPRINT=3\)/);
    });

    test("fingerprint: same repo+workflow+branch+conclusion → same; other branch or conclusion → different", async () => {
      await h.send("workflow_run", failedRun({ runId: 10 }));
      await h.send("workflow_run", failedRun({ runId: 11 }));
      await h.send("workflow_run", failedRun({ runId: 12, branch: "dev" }));
      await h.send("workflow_run", failedRun({ runId: 13, conclusion: "timed_out" }));
      const byRun = new Map((await h.store.listJobs()).map((j) => [j.run.id, j.fingerprint]));
      expect(byRun.get(10)).toBe(byRun.get(11));
      expect(new Set(byRun.values()).size).toBe(3);
    });

    test("check_suite from GitHub Actions → duplicate in favour of workflow_run", async () => {
      const p = fixture("check_suite.completed.github-actions");
      p.check_suite.conclusion = "failure";
      await h.send("check_suite", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "duplicate", reason: expect.stringMatching(/workflow_run/) });
      expect(await h.store.listJobs()).toEqual([]);
    });

    test("check_suite from another CI → a job with source check_suite keyed on the suite id", async () => {
      const p = fixture("check_suite.completed");
      p.check_suite.conclusion = "failure";
      p.check_suite.app = { ...p.check_suite.app, slug: "circleci", name: "CircleCI" };
      p.check_suite.pull_requests = [];
      const res = await h.send("check_suite", p);
      expect(res.status).toBe(202);
      const [job] = await h.store.listJobs();
      expect(job).toMatchObject({
        key: `${p.repository.id}:${p.check_suite.id}`,
        run: { id: p.check_suite.id, source: "check_suite", checkSuiteId: p.check_suite.id, headBranch: "changes", headSha: p.check_suite.head_sha, conclusion: "failure" },
      });
      expect(h.queue.items).toHaveLength(1);
      await h.send("check_suite", p);
      expect(await lastDelivery(h)).toMatchObject({ outcome: "duplicate", jobId: job!.id });
    });

    test("the fix-loop cap of another CI app counts from zero once its suite passes on the branch (not from Actions, not on another branch)", async () => {
      const suite = (id: number, conclusion: string, o: { slug?: string; branch?: string } = {}) => {
        const p = fixture(o.slug === "github-actions" ? "check_suite.completed.github-actions" : "check_suite.completed");
        p.check_suite = { ...p.check_suite, id, conclusion, head_branch: o.branch ?? "changes", pull_requests: [] };
        if (o.slug !== "github-actions") p.check_suite.app = { ...p.check_suite.app, slug: "circleci", name: "CircleCI" };
        return p;
      };
      const created = async () => (await h.store.listJobs()).length;
      for (const id of [1, 2, 3]) await h.send("check_suite", suite(id, "failure"));
      await h.send("check_suite", suite(4, "success", { slug: "github-actions" }));
      await h.send("check_suite", suite(5, "success", { branch: "feature" }));
      await (h.deps.clock as FakeClock).advance(1000);
      await h.send("check_suite", suite(6, "failure"));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/already attempted 3 times/) });
      await h.send("check_suite", suite(7, "success"));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/conclusion is success/) });
      await (h.deps.clock as FakeClock).advance(1000);
      await h.send("check_suite", suite(8, "failure"));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
      expect(await created()).toBe(4);
    });

    test("check_suite success → ignored", async () => {
      await h.send("check_suite", fixture("check_suite.completed"));
      expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/conclusion is success/) });
    });

    // Every PR of every installed repository sends these: only the app's own fix PRs are its business, and
    // people's PRs are not counted (deliveries_total, `deliveries list`) as routed to a job.
    test("pull_request and pull_request_review on people's PRs are ignored, saying why, and create no job", async () => {
      expect((await h.send("pull_request", fixture("pull_request.closed"))).status).toBe(202);
      expect(await lastDelivery(h)).toMatchObject({ event: "pull_request", action: "closed", outcome: "ignored", installationId: 1, reason: expect.stringMatching(/#2 .*not a fix branch of this app/) });
      expect((await h.send("pull_request_review", fixture("pull_request_review.submitted"))).status).toBe(202);
      expect(await lastDelivery(h)).toMatchObject({ event: "pull_request_review", outcome: "ignored", reason: expect.stringMatching(/review/) });
      expect(await h.store.listJobs()).toEqual([]);
    });

    test("DRY_RUN is off by default on new jobs", async () => {
      await h.send("workflow_run", failedRun());
      expect((await h.store.listJobs())[0]!.dryRun).toBe(false);
    });
  });

  test("REPO_ALLOWLIST narrows the repositories (case-insensitive)", async () => {
    h = await startHarness({ env: { REPO_ALLOWLIST: "Octo-Org/Other, someone/else" } });
    await h.send("workflow_run", failedRun());
    expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "repository octo-org/octo-repo is not in REPO_ALLOWLIST" });
    await h.close();
    h = await startHarness({ env: { REPO_ALLOWLIST: "OCTO-ORG/octo-repo" } });
    await h.send("workflow_run", failedRun());
    expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
  });

  test("BOT_LOGIN names the bot; the actor check uses it", async () => {
    h = await startHarness({ env: { BOT_LOGIN: "my-fixer[bot]", DRY_RUN: "true" } });
    const p = failedRun();
    p.workflow_run.actor = { ...p.workflow_run.actor, login: "my-fixer[bot]", type: "Bot" };
    await h.send("workflow_run", p);
    expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "actor my-fixer[bot] is the app's own bot user" });
    await h.send("workflow_run", failedRun({ runId: 77 }));
    expect((await h.store.listJobs())[0]!.dryRun).toBe(true);
  });

  test("once GitHub has named the app (start-up check), runs its bot triggered are its own, not the default name's", async () => {
    h = await startHarness();
    h.deps.identity.learn("acme-ci-fixer");
    const ours = failedRun({ runId: 81 });
    ours.workflow_run.triggering_actor = { ...ours.workflow_run.triggering_actor, login: "acme-ci-fixer[bot]", type: "Bot" };
    await h.send("workflow_run", ours);
    expect(await lastDelivery(h)).toMatchObject({ outcome: "ignored", reason: "triggering actor acme-ci-fixer[bot] is the app's own bot user" });
    // Another app that happens to hold the name app.yml asks for is not this one.
    const other = failedRun({ runId: 82 });
    other.workflow_run.triggering_actor = { ...other.workflow_run.triggering_actor, login: "t0-ci-bot[bot]", type: "Bot" };
    await h.send("workflow_run", other);
    expect(await lastDelivery(h)).toMatchObject({ outcome: "job_created" });
  });
});
