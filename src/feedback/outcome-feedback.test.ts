import { expect, test } from "@jest/globals";
import { makeJob } from "../../test/helpers/make-job.js";
import { addFeedback } from "./outbox.js";
import { demonstrationFeedback, fixCiFeedback, mergedFeedback, noPrFeedback, reviewCommentFeedback } from "./outcome-feedback.js";

const TOKEN = "ghp_R3alTok3nAbCdEfGhIjKlMnOpQrStUvWx12";

test("review text and people's final diffs are redacted before they are kept and sent to TensorZero", () => {
  const job = makeJob();
  const comment = reviewCommentFeedback(job, "ep", "review_comment:1", "alice", `CI still fails for me with\nAuthorization: token ${TOKEN}`);
  expect(comment.value).toBe("CI still fails for me with\nAuthorization: token [REDACTED]");
  const demo = demonstrationFeedback(job, "inf", { diagnosis: "d", patch: `--- a/.npmrc\n+++ b/.npmrc\n@@ -0,0 +1 @@\n+//npm.pkg.github.com/:_authToken=${TOKEN}\n`, confidence: 1, files: [".npmrc"] });
  expect(JSON.stringify(demo.value)).not.toContain(TOKEN);
  expect(demo.value).toMatchObject({ diagnosis: "d", confidence: 1, files: [".npmrc"], tests_to_run: null });
});

test("a token straddling the comment's length cap is not sent half-redacted", () => {
  // The cap falls inside the token: what is left of it must still be masked.
  const text = `${"x".repeat(9_990)} ${TOKEN} trailing`;
  const comment = reviewCommentFeedback(makeJob(), "ep", "review_comment:2", "alice", text);
  expect(String(comment.value).includes(TOKEN.slice(0, 9))).toBe(false);
  expect(String(comment.value).length).toBeLessThanOrEqual(10_000);
});

test("the fix commit's CI verdict: an item per change, none for the value last recorded, each inference on its own", () => {
  const job = makeJob();
  const verdict = (inference: string, passed: boolean, run: number) => {
    const item = fixCiFeedback(job, inference, passed, { id: run, attempt: 1 }, job.feedback);
    if (item) addFeedback(job, [item], "2026-12-06T00:00:00.000Z");
    return item?.id;
  };
  expect(verdict("inf-1", false, 900)).toBe("ci_passed_on_fix_branch:inf-1");
  expect(verdict("inf-1", false, 901)).toBeUndefined();
  expect(verdict("inf-2", true, 950)).toBe("ci_passed_on_fix_branch:inf-2");
  expect(verdict("inf-1", true, 900)).toBe("ci_passed_on_fix_branch:inf-1:2");
  expect(verdict("inf-1", false, 902)).toBe("ci_passed_on_fix_branch:inf-1:3");
  expect(job.feedback.at(-1)?.tags).toMatchObject({ fix_run_id: "902", fix_run_attempt: "1" });
});

test("the PR's outcome: an item per change, each episode on its own; a job's earlier no-PR false is not this PR's outcome", () => {
  const job = makeJob();
  const outcome = (episode: string, merged: boolean) => {
    const item = mergedFeedback(job, episode, merged, merged ? "merged" : "closed_without_merge", job.feedback);
    if (item) addFeedback(job, [item], "2026-12-06T00:00:00.000Z");
    return item?.id;
  };
  // The job ended without a PR, then an operator's retry opened one.
  addFeedback(job, [noPrFeedback(job, "ep", "no_fix_proposed")], "2026-12-06T00:00:00.000Z");
  expect(outcome("ep", false)).toBe("pr_merged:ep");
  expect(outcome("ep", false)).toBeUndefined(); // closed again after a reopen: the value stands
  expect(outcome("ep2", false)).toBe("pr_merged:ep2");
  expect(outcome("ep", true)).toBe("pr_merged:ep:2");
  expect(outcome("ep2", true)).toBe("pr_merged:ep2:2");
  expect(job.feedback.map((f) => [f.id, f.value])).toEqual([
    ["pr_merged:ep:no_pr", false], ["pr_merged:ep", false], ["pr_merged:ep2", false], ["pr_merged:ep:2", true], ["pr_merged:ep2:2", true],
  ]);
});
