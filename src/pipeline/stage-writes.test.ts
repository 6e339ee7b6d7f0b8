import { describe, expect, test } from "@jest/globals";
import { makeJob } from "../../test/helpers/make-job.js";
import { transition } from "../core/job.js";
import { completionBaseline, markStageStarted, recordStageOutcome, startsSinceCompleted } from "./stage-writes.js";

const AT = "2026-12-07T10:00:00.000Z";
const stage = { name: "fetch-logs", state: "cloning" as const };

describe("markStageStarted", () => {
  test("moves the job into the stage's state and counts the start", () => {
    const j = makeJob();
    markStageStarted(j, stage, AT);
    expect(j).toMatchObject({ state: "cloning", stage: "fetch-logs", updatedAt: AT });
    expect(j.attempts.byStage["fetch-logs"]).toBe(1);
    expect(j.attempts.total).toBe(1);
    expect(j.history.at(-1)).toMatchObject({ state: "cloning", at: AT, stage: "fetch-logs" });
    markStageStarted(j, stage, AT);
    expect(startsSinceCompleted(j, "fetch-logs")).toBe(2);
  });

  test("leaves a job stopped meanwhile as it is", () => {
    const j = makeJob();
    transition(j, "failed", AT, { note: "stopped" });
    const before = structuredClone(j);
    markStageStarted(j, stage, AT);
    expect(j).toEqual(before);
  });
});

describe("recordStageOutcome", () => {
  test("a completed stage is done, its starts counted at completion, the error and waits cleared", () => {
    const j = makeJob();
    markStageStarted(j, stage, AT);
    j.error = { code: "x", message: "m", retryable: true, at: AT };
    j.attempts.waits = 2;
    expect(recordStageOutcome(j, "fetch-logs", { result: { n: 1 } }, 0, AT)).toEqual({ stopped: false, woken: false });
    expect(j.completedStages).toEqual(["fetch-logs"]);
    expect(j.results["fetch-logs"]).toEqual({ n: 1 });
    expect(j.error).toBeUndefined();
    expect(j.attempts.waits).toBeUndefined();
    expect(startsSinceCompleted(j, "fetch-logs")).toBe(0);
  });

  test("a webhook recorded while the stage ran wakes it: not marked done, and no wait set", () => {
    const j = makeJob();
    j.wakes = 1;
    expect(recordStageOutcome(j, "watch-pr", { wait: "pr_event" }, 0, AT)).toEqual({ stopped: false, woken: true });
    expect(j.completedStages).toEqual([]);
    expect(j.waitingFor).toBeUndefined();
  });

  test("a stage that waits parks the job when nothing woke it", () => {
    const j = makeJob();
    expect(recordStageOutcome(j, "watch-pr", { wait: "pr_event", result: { pr: 3 } }, 0, AT)).toEqual({ stopped: false, woken: false });
    expect(j.waitingFor).toBe("pr_event");
    expect(j.completedStages).toEqual(["watch-pr"]);
  });

  test("a finish completes the job even if it was woken: a PR reopened meanwhile is still open", () => {
    const j = makeJob();
    j.wakes = 3;
    expect(recordStageOutcome(j, "watch-pr", { finish: "already fixed" }, 0, AT)).toEqual({ stopped: false, woken: false });
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)).toMatchObject({ state: "completed", note: "already fixed" });
  });

  test("a job stopped while the stage ran keeps what the stage did and nothing more", () => {
    const j = makeJob();
    transition(j, "failed", AT, { note: "stopped" });
    j.error = { code: "stopped", message: "stopped by an operator", retryable: false, at: AT };
    expect(recordStageOutcome(j, "open-pull-request", { result: { pr: 7 } }, 0, AT)).toEqual({ stopped: true, woken: false });
    expect(j.results["open-pull-request"]).toEqual({ pr: 7 });
    expect(j.completedStages).toEqual(["open-pull-request"]);
    expect(j.state).toBe("failed");
    expect(j.error?.code).toBe("stopped");
  });
});

describe("completionBaseline", () => {
  test("a job stored before completions were counted takes its completed stages' starts as the baseline", () => {
    const j = makeJob();
    j.attempts.byStage = { "fetch-logs": 4, "watch-pr": 9 };
    j.completedStages = ["fetch-logs"];
    j.results["watch-pr"] = { pr: 1 };
    delete j.attempts.atCompletion;
    expect(completionBaseline(j)).toEqual({ "fetch-logs": 4, "watch-pr": 9 });
    expect(startsSinceCompleted(j, "watch-pr")).toBe(0);
  });
});
