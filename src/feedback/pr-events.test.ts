import { expect, test } from "@jest/globals";
import { lastOpenOrClose, type PrEvent } from "./pr-events.js";

// A merged PR's reviews can still be dismissed, and a draft change heard late: the PR stays merged.
test("lastOpenOrClose: review dismissals and draft changes after the close do not reopen the PR", () => {
  const closed: PrEvent = { id: "closed:7:2026-11-23T12:00:00Z", kind: "closed", merged: true, headSha: "b".repeat(40), at: "2026-11-23T12:00:01.000Z", ghAt: "2026-11-23T12:00:00Z" };
  const later: PrEvent[] = [
    { id: "review_dismissed:31", kind: "review_dismissed", reviewId: 31, by: "bob", at: "2026-11-23T13:00:00.000Z" },
    { id: "converted_to_draft:7:2026-11-23T14:00:00Z", kind: "converted_to_draft", by: "alice", at: "2026-11-23T14:00:01.000Z", ghAt: "2026-11-23T14:00:00Z" },
  ];
  expect(lastOpenOrClose([closed, ...later])).toBe(closed);
  expect(lastOpenOrClose(later)).toBeUndefined();
});
