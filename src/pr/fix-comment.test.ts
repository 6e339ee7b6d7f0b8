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

  test("a run is listed once: a later attempt of its fix replaces its line", () => {
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

  // lint.yml's run 556 failed on the commit tests.yml's run 555 failed on; its fix went onto #100, run 555's
  // fix PR, which now answers both: the comment keeps each workflow's run, whichever job writes last.
  test("a fix PR that another workflow's fix went onto lists both runs, each with its workflow's link", () => {
    const base = written([100, fixOf(555)]);
    const lint = { ...fixOf(556, "ruff: unused import in slug.py."), run: run(556, "lint") };
    const byLint = renderFixComment(MARKER, base, { number: 100 }, lint);
    expect(byLint).toContain("proposes a fix for failed runs of this pull request, newest first:");
    expect(byLint).toContain("<!-- t0-ci-bot:fix 100 run 556 -->\n- #100 for the failed run [556](https://github.com/octo/slug/actions/runs/556) of `lint` (validated locally)\n  > ruff: unused import");
    expect(byLint).toContain("<!-- t0-ci-bot:fix 100 run 555 -->\n- #100 for the failed run [555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally)\n  > slugify joins");
    expect(byLint.indexOf("run 556")).toBeLessThan(byLint.indexOf("run 555"));
    // #100's own job repairs its fix meanwhile, writing from the text before lint's: both agree after one round.
    const repair = fixOf(555, "Second thought.", 2);
    const byRepair = renderFixComment(MARKER, base, { number: 100 }, repair);
    const merged = renderFixComment(MARKER, byRepair, { number: 100 }, lint);
    expect(renderFixComment(MARKER, byLint, { number: 100 }, repair)).toBe(merged);
    expect(renderFixComment(MARKER, merged, { number: 100 }, lint)).toBe(merged);
    expect(merged.match(/^- #100 /gm)).toHaveLength(2);
    expect(merged).toContain("[555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally, attempt 2)\n  > Second thought.");
    // Merged, both of its lines say so.
    expect(withFixOutcome(merged, 100, "merged").match(/\(validated locally(?:, attempt 2)?\) — merged\n/g)).toHaveLength(2);
  });

  test("a fix PR brought to a later commit of the PR: its earlier run's line goes, other fix PRs' lines stay", () => {
    const base = written([99, fixOf(554)], [100, fixOf(555)]);
    const later = renderFixComment(MARKER, base, { number: 100 }, { ...fixOf(556), laterCommit: true });
    expect(later.match(/^- #100 /gm)).toHaveLength(1);
    expect(later).toContain("<!-- t0-ci-bot:fix 100 run 556 -->\n- #100 updated for commit aaaaaaa");
    expect(later).toContain("<!-- t0-ci-bot:fix 99 run 554 -->");
    // Written again (the upsert's check after writing): nothing changes.
    expect(renderFixComment(MARKER, later, { number: 100 }, { ...fixOf(556), laterCommit: true })).toBe(later);
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
