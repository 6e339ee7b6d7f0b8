import { describe, expect, test } from "@jest/globals";
import { editedByPeople, markPrText } from "./pr-text-mark.js";

describe("the mark that tells the bot's PR text from people's", () => {
  const title = "ci-bot: fix test on main (run 10)";
  const body = "This PR was opened by t0-ci-bot.\n\nDetails.";

  test("the text as written is the bot's; any edit of the title or body, or a missing mark, is people's", () => {
    expect(editedByPeople(title, markPrText(title, body))).toBe(false);
    expect(editedByPeople(`${title}!`, markPrText(title, body))).toBe(true);
    expect(editedByPeople(title, markPrText(title, body).replace("Details.", "Details, and a maintainer's note."))).toBe(true);
    expect(editedByPeople(title, body)).toBe(true);
    expect(editedByPeople(title, null)).toBe(true);
  });

  // GitHub keeps text with its own normalisations; none of them is an edit by people.
  test("line endings, surrounding whitespace and a cut surrogate pair as GitHub stores them are still the bot's", () => {
    const cut = `${body}\n${"😀".repeat(3)}`.slice(0, -1); // a long body cut in the middle of a pair
    const stored = (s: string) => s.replace(/\n/g, "\r\n").replace(/\uD83D(?![\uDC00-\uDFFF])/g, "\uFFFD");
    expect(editedByPeople(`${title} `, stored(markPrText(title, cut)))).toBe(false);
  });
});
