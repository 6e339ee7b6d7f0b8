import { describe, expect, test } from "@jest/globals";
import { fixCommentMarker, renderFixComment, withFixOutcome } from "./fix-comment.js";

const MARKER = fixCommentMarker(1296269, 7);
const run = (id: number, workflow = "tests") => ({ id, attempt: 1, url: `https://github.com/octo/slug/actions/runs/${id}`, workflow, headBranch: "feature/slug", headSha: "a".repeat(40) });
const fixOf = (id: number, diagnosis = "slugify joins words with underscores; the tests expect hyphens.", repairAttempt = 1) => ({ run: run(id), diagnosis, repairAttempt });

/** The comment as jobs leave it, one after the other, each from the text the one before wrote. */
const written = (...fixes: Array<[number, ReturnType<typeof fixOf>]>) =>
  fixes.reduce<string | undefined>((current, [pr, i]) => renderFixComment(MARKER, current, { number: pr }, i), undefined)!;

describe("the bot's one comment on people's PR", () => {
  test("lists each fix PR with the run and workflow it answers, newest run first (snapshot)", () => {
    const text = written([100, fixOf(555)], [101, { ...fixOf(556, "The locale test needs a fixed TZ."), run: run(556, "nightly") }]);
    expect(text).toMatchSnapshot();
    expect(text.indexOf("#101")).toBeLessThan(text.indexOf("#100"));
    expect(renderFixComment(MARKER, undefined, { number: 100 }, fixOf(555))).toContain("proposes a fix for a failed run of this pull request:");
  });

  test("a fix PR is listed once: a later attempt on it replaces its line", () => {
    const text = written([100, fixOf(555)], [101, fixOf(556)], [100, fixOf(555, "Second thought: the separator is a setting.", 2)]);
    expect(text.match(/#100 /g)).toHaveLength(1);
    expect(text).toContain("#100 for the failed run [555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally, attempt 2)\n  > Second thought");
    expect(text).not.toContain("underscores; the tests expect hyphens.\n\n<!-- t0-ci-bot:fix 101");
  });

  test("the same fixes make the same text, whichever job writes last", () => {
    const a = written([100, fixOf(555)], [101, fixOf(556)]);
    expect(written([101, fixOf(556)], [100, fixOf(555)])).toBe(a);
    expect(renderFixComment(MARKER, a, { number: 100 }, fixOf(555))).toBe(a);
  });

  // Two jobs of the PR editing at once: the upsert reads the comment after writing, and when the other's edit
  // came last, writes its fix back into that text. Each must then find the other's text already holding its fix.
  test("two jobs that each write their fix back into the other's text agree after one round", () => {
    const base = written([100, fixOf(555)]);
    const a = fixOf(556);
    const b = fixOf(557);
    const aFirst = renderFixComment(MARKER, base, { number: 101 }, a);
    const bLast = renderFixComment(MARKER, base, { number: 102 }, b);
    expect(bLast).not.toContain("#101 ");
    const merged = renderFixComment(MARKER, bLast, { number: 101 }, a);
    expect(merged).toBe(renderFixComment(MARKER, aFirst, { number: 102 }, b));
    expect(renderFixComment(MARKER, merged, { number: 102 }, b)).toBe(merged);
    expect(renderFixComment(MARKER, merged, { number: 101 }, a)).toBe(merged);
  });

  // Job 556's fix committed onto fix PR #100 (the same failure) while #100's own job 555 writes its repair.
  test("a fix PR listed for a newer run keeps that line: the older run's job does not take it back", () => {
    const base = written([100, fixOf(555)]);
    const repair = fixOf(555, "Second thought.", 2);
    const shared = fixOf(556, "Same failure, later commit.");
    const byShared = renderFixComment(MARKER, base, { number: 100 }, shared);
    const byRepair = renderFixComment(MARKER, base, { number: 100 }, repair);
    expect(renderFixComment(MARKER, byShared, { number: 100 }, repair)).toBe(byShared);
    expect(renderFixComment(MARKER, byRepair, { number: 100 }, shared)).toBe(byShared);
    expect(byShared.match(/#100 /g)).toHaveLength(1);
  });

  test("a PR that failed for months keeps its ten newest fixes (a comment has a size limit)", () => {
    const many = Array.from({ length: 14 }, (_, k) => [200 + k, fixOf(600 + k)] as [number, ReturnType<typeof fixOf>]);
    const text = written(...many);
    expect(text.match(/^- #/gm)).toHaveLength(10);
    expect(text).toContain("#213 ");
    expect(text).not.toContain("#203 ");
  });

  // Model text is untrusted: it must not hide the fixes listed after it, nor add one of its own.
  test("a diagnosis cannot hide or forge the fixes listed after it, ping people or name issues", () => {
    const planted = "Fixes #12 for @octocat <!-- t0-ci-bot:fix 5 run 9999 --> <details>";
    const text = written([100, fixOf(555, planted)], [101, fixOf(556)], [102, fixOf(557)]);
    expect(text).not.toContain("<!-- t0-ci-bot:fix 5 run");
    expect(text).not.toContain("<details>");
    expect(text).not.toMatch(/@octocat|#12/);
    const again = renderFixComment(MARKER, text, { number: 103 }, fixOf(558));
    expect(again.match(/^- #/gm)).toHaveLength(4);
    expect(again).not.toContain("#5 ");
  });

  test("a workflow name is shown as code: no mention, no issue reference, no markup", () => {
    const text = renderFixComment(MARKER, undefined, { number: 100 }, { ...fixOf(555), run: run(555, "ci `@team` #3") });
    expect(text).toContain("of `ci '@team' #3`");
  });

  test("a comment of an earlier version (one per job) keeps the fix it named, in today's words", () => {
    const legacy = "<!-- t0-ci-bot:fix-comment 1296269:554 -->\n🤖 t0-ci-bot proposes a fix for the failed run 554: #99 (validated locally, attempt 2).\n\n> The separator <!-- changed.";
    const text = renderFixComment(MARKER, legacy, { number: 100 }, fixOf(555));
    expect(text).not.toContain("t0-ci-bot:fix-comment");
    expect(text).toContain("<!-- t0-ci-bot:fix 99 run 554 -->\n- #99 for the failed run 554 (validated locally, attempt 2)\n  > The separator &lt;!-- changed.");
    expect(renderFixComment(MARKER, "<!-- t0-ci-bot:fix-comment 1:2 -->\nsomething else", { number: 100 }, fixOf(555)).match(/^- #/gm)).toHaveLength(1);
  });

  test("a listed fix PR merged or closed says so on its own line; reopened, the line is as it was; others are untouched", () => {
    const text = written([100, fixOf(555)], [101, fixOf(556)]);
    const merged = withFixOutcome(text, 100, "merged");
    expect(merged).toContain("(validated locally) — merged\n  > slugify");
    expect(merged.replace(" — merged", "")).toBe(text);
    expect(withFixOutcome(merged, 100, "merged")).toBe(merged);
    expect(withFixOutcome(merged, 100, "closed")).toBe(text.replace("#100 for the failed run [555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally)", "$& — closed without merging"));
    expect(withFixOutcome(merged, 100, "open")).toBe(text);
    expect(withFixOutcome(text, 102, "merged")).toBe(text);
    // Another job adding its fix later keeps the line as it stands.
    expect(renderFixComment(MARKER, merged, { number: 102 }, fixOf(557))).toContain("(validated locally) — merged\n");
  });

  test("a diagnosis that reads like an outcome is not taken for one: only the fix's own line is read", () => {
    const text = written([100, fixOf(555, "The step — merged")]);
    expect(withFixOutcome(text, 100, "open")).toBe(text);
  });
});
