import { expect, test } from "@jest/globals";
import { lastOpenOrClose, type PrEvent } from "./pr-events.js";

// A draft change heard late, after the merge: the PR stays merged.
test("lastOpenOrClose: draft changes after the close do not reopen the PR", () => {
  const closed: PrEvent = { id: "closed:7:2026-11-23T12:00:00Z", kind: "closed", merged: true, headSha: "b".repeat(40), at: "2026-11-23T12:00:01.000Z", ghAt: "2026-11-23T12:00:00Z" };
  const later: PrEvent[] = [
    { id: "converted_to_draft:7:2026-11-23T14:00:00Z", kind: "converted_to_draft", by: "alice", at: "2026-11-23T14:00:01.000Z", ghAt: "2026-11-23T14:00:00Z" },
  ];
  expect(lastOpenOrClose([closed, ...later])).toBe(closed);
  expect(lastOpenOrClose(later)).toBeUndefined();
});
