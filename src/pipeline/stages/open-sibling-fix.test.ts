import { describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import type { Job } from "../../core/job.js";
import { makeDelivery, makeJob, parkOnOpenPr } from "../../../test/helpers/make-job.js";
import { OPEN_PULL_REQUEST, type OpenPullRequestResult } from "./open-pull-request-result.js";
import { openSiblingFix } from "./open-sibling-fix.js";

/** A job parked on its own open fix PR #`pr`, last changed at `at`. */
function parked(pr: number, fingerprint: string, at: string): Job {
  const job = makeJob({ fingerprint, at });
  return parkOnOpenPr(job, pr);
}

describe("openSiblingFix", () => {
  test("finds the open sibling PR behind more parked jobs of the repository than one listing page holds", async () => {
    const store = new MemoryJobStore();
    // The sibling was parked first; 60 other failures of the repository were parked after it, each on a PR of its own.
    const add = (job: Job) => store.recordIntake(makeDelivery(job), "{}", job);
    await add(parked(1, "fp-main", "2026-11-01T00:00:00.000Z"));
    for (let i = 0; i < 60; i++) await add(parked(100 + i, `fp-other-${i}`, `2026-11-02T00:00:${String(i).padStart(2, "0")}.000Z`));
    const job = makeJob({ fingerprint: "fp-main", at: "2026-11-03T00:00:00.000Z" });

    const sibling = await openSiblingFix(job, { store }, undefined);

    expect(sibling).toMatchObject({ pr: 1, branch: "ci-bot/fix-1" });
  });
});

describe("openSiblingFix: another workflow failing on the same commit", () => {
  test("is a sibling, not answered by the commit alone; the same failure's PR is preferred to it", async () => {
    const store = new MemoryJobStore();
    const add = (job: Job) => store.recordIntake(makeDelivery(job), "{}", job);
    await add(parked(5, "fp-lint", "2026-11-02T00:00:00.000Z"));
    const job = makeJob({ fingerprint: "fp-tests", at: "2026-11-03T00:00:00.000Z" });
    job.run.pullRequests = [7];

    const lint = await openSiblingFix(job, { store }, { failed_tests: [] });
    expect(lint).toMatchObject({ pr: 5 });
    expect(lint).not.toHaveProperty("answers");

    await add(parked(6, "fp-tests", "2026-11-01T00:00:00.000Z"));
    expect(await openSiblingFix(job, { store }, { failed_tests: [] })).toMatchObject({ pr: 6, answers: "same_commit" });
  });

  test("another branch's failure of the same commit is not a sibling", async () => {
    const store = new MemoryJobStore();
    const other = parked(5, "fp-lint", "2026-11-02T00:00:00.000Z");
    other.run.headBranch = "release";
    await store.recordIntake(makeDelivery(other), "{}", other);
    const job = makeJob({ fingerprint: "fp-tests", at: "2026-11-03T00:00:00.000Z" });

    expect(await openSiblingFix(job, { store }, undefined)).toBeUndefined();
  });
});

describe("openSiblingFix: a later commit of people's PR", () => {
  /** PR #7's run `runId` on commit `sha` of feature/slug, failing `fp-tests`. */
  const prRun = (runId: number, sha: string) => {
    const job = makeJob({ runId, fingerprint: "fp-tests", at: "2026-11-03T00:00:00.000Z" });
    Object.assign(job.run, { headSha: sha, headBranch: "feature/slug", pullRequests: [7] });
    return job;
  };
  const owner = () => {
    const job = parked(100, "fp-tests", "2026-11-02T00:00:00.000Z");
    Object.assign(job.run, { id: 555, headSha: "a".repeat(40), headBranch: "feature/slug", pullRequests: [7] });
    job.results["build-context"] = { context: { failed_tests: [{ name: "test_slug" }] } };
    return job;
  };

  test("failing the same way (the same tests or others): the fix PR of its earlier commit is the sibling, to update, not an answer", async () => {
    const store = new MemoryJobStore();
    await store.recordIntake(makeDelivery(owner()), "{}", owner());
    const job = prRun(556, "c".repeat(40));
    for (const tests of [[], [{ name: "test_slug" }], [{ name: "test_other" }]]) {
      const sibling = await openSiblingFix(job, { store }, { failed_tests: tests });
      expect(sibling).toMatchObject({ pr: 100, kin: "same failure on a later commit", mine: [] });
      expect(sibling).not.toHaveProperty("answers");
    }
  });

  test("another failure of the later commit (another fingerprint) has no sibling there", async () => {
    const store = new MemoryJobStore();
    await store.recordIntake(makeDelivery(owner()), "{}", owner());
    const job = prRun(556, "c".repeat(40));
    job.fingerprint = "fp-lint";
    expect(await openSiblingFix(job, { store }, { failed_tests: [] })).toBeUndefined();
  });

  test("an earlier commit's run ending after a later commit's fix went onto the PR is answered by it; its own commit is noted as its", async () => {
    const store = new MemoryJobStore();
    const first = owner();
    (first.results[OPEN_PULL_REQUEST] as OpenPullRequestResult).sharedCommits = [{ sha: "d".repeat(40), jobId: "job-557", inferenceId: "i", files: ["src/a.ts"], runId: 557, episodeId: "e" }];
    await store.recordIntake(makeDelivery(first), "{}", first);
    expect(await openSiblingFix(prRun(556, "c".repeat(40)), { store }, undefined)).toMatchObject({ answers: "later_commit_fixed", heads: ["b".repeat(40), "d".repeat(40)] });
    const retried = prRun(557, "e".repeat(40));
    retried.id = "job-557";
    const sibling = await openSiblingFix(retried, { store }, undefined);
    expect(sibling).toMatchObject({ mine: ["d".repeat(40)] });
    expect(sibling).not.toHaveProperty("answers");
  });
});

describe("openSiblingFix: a later commit of a branch with no PR (a push to main)", () => {
  /** main's push run `runId` on commit `sha`, failing `fp-tests`. */
  const pushRun = (runId: number, sha: string) => {
    const job = makeJob({ runId, fingerprint: "fp-tests", at: "2026-11-03T00:00:00.000Z" });
    job.run.headSha = sha;
    return job;
  };
  /** Run 555 of main at commit a failed test_slug; its fix PR #100 is open, maybe with later fixes on it. */
  const owner = (shared: OpenPullRequestResult["sharedCommits"] = []) => {
    const job = parked(100, "fp-tests", "2026-11-02T00:00:00.000Z");
    Object.assign(job.run, { id: 555, headSha: "a".repeat(40) });
    job.results["build-context"] = { context: { failed_tests: [{ name: "test_slug" }] } };
    (job.results[OPEN_PULL_REQUEST] as OpenPullRequestResult).sharedCommits = shared;
    return job;
  };
  const broughtToC = { sha: "d".repeat(40), jobId: "job-557", inferenceId: "i", files: ["src/b.ts"], runId: 557, episodeId: "e", headSha: "c".repeat(40) };
  const store = async (o: Job) => {
    const s = new MemoryJobStore();
    await s.recordIntake(makeDelivery(o), "{}", o);
    return s;
  };

  test("failing other tests: the fix PR is brought to that commit (a merge), not stacked on the older one", async () => {
    const sibling = await openSiblingFix(pushRun(556, "c".repeat(40)), { store: await store(owner()) }, { failed_tests: [{ name: "test_other" }] });
    expect(sibling).toMatchObject({ pr: 100, kin: "same failure on a later commit" });
    expect(sibling).not.toHaveProperty("answers");
  });

  test("failing only the PR's tests: answered by it, as on the same commit", async () => {
    expect(await openSiblingFix(pushRun(556, "c".repeat(40)), { store: await store(owner()) }, { failed_tests: [{ name: "test_slug" }] })).toMatchObject({ answers: "same_tests" });
  });

  test("on the commit a later fix brought the branch to: committed on top, as on the PR's own commit", async () => {
    const sibling = await openSiblingFix(pushRun(558, "c".repeat(40)), { store: await store(owner([broughtToC])) }, { failed_tests: [{ name: "test_third" }] });
    expect(sibling).toMatchObject({ kin: "same failure", files: ["src/a.ts", "src/b.ts"] });
    expect(sibling).not.toHaveProperty("answers");
  });

  test("an earlier commit's run ending after the branch was brought to a later one: answered, nothing written", async () => {
    const s = await store(owner([broughtToC]));
    expect(await openSiblingFix(pushRun(556, "b".repeat(40)), { store: s }, { failed_tests: [{ name: "test_other" }] })).toMatchObject({ answers: "later_commit_fixed" });
    // The PR's own commit too, once the branch has left it.
    expect(await openSiblingFix(pushRun(554, "a".repeat(40)), { store: s }, { failed_tests: [{ name: "test_other" }] })).toMatchObject({ answers: "later_commit_fixed" });
  });

  test("another workflow's failure of a commit the fix branch has left is not that PR's to take", async () => {
    const s = await store(owner([broughtToC]));
    const lint = pushRun(556, "a".repeat(40));
    lint.fingerprint = "fp-lint";
    expect(await openSiblingFix(lint, { store: s }, { failed_tests: [] })).toBeUndefined();
    lint.run.headSha = "c".repeat(40);
    expect(await openSiblingFix(lint, { store: s }, { failed_tests: [] })).toMatchObject({ pr: 100, kin: "same commit, another workflow" });
  });
});
