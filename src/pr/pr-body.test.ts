import { describe, expect, test } from "@jest/globals";
import { leakedPieces, SECRETS_CORPUS } from "../../test/helpers/planted-secrets.js";
import { makeJob } from "../../test/helpers/make-job.js";
import { renderFixComment } from "./fix-comment.js";
import { prBodyInput } from "./pr-body-input.js";
import { renderCiFailedComment, renderCombinedPrBody, renderCombinedPrTitle, renderCommitMessage, renderPrBody, renderPrTitle, type LostFix, type PrBodyInput } from "./pr-body.js";

const input = (over: Partial<PrBodyInput> = {}): PrBodyInput => ({
  repo: "octo/slug",
  run: { id: 555, attempt: 1, url: "https://github.com/octo/slug/actions/runs/555", workflow: "tests", headBranch: "feature/slug", headSha: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" },
  failing: [{ job: "pytest", step: "Run tests", command: "python -m pytest -q", exitCode: 1 }],
  classification: "test",
  diagnosis: "slugify joins words with underscores; the tests expect hyphens.",
  confidence: 0.82,
  files: [{ path: "slug.py", status: "modified", additions: 1, deletions: 1 }],
  additions: 1,
  deletions: 1,
  validation: {
    evidence: { before: "red", after: "green", reproduced: true },
    commands: [
      { phase: "reproduce", command: "python -m pytest -q", exitCode: 1, timedOut: false, durationMs: 812 },
      { phase: "validate", command: "python -m pytest -q", exitCode: 0, timedOut: false, durationMs: 790 },
    ],
    outputTail: "..\n2 passed in 0.04s\n",
    sandbox: "bwrap",
  },
  overrides: [],
  tensorzero: { episodeId: "0192f5a0-0000-7000-8000-000000000001", inferenceId: "0192f5a0-0000-7000-8000-000000000002", variant: "gpt_4o_mini_v1" },
  repairAttempt: 1,
  ...over,
});

describe("PR body of several fixes, each validated alone on one commit", () => {
  const lint = input({ run: { ...input().run, id: 556, workflow: "lint", url: "https://github.com/octo/slug/actions/runs/556" }, overrides: ["allow.workflow_edits"] });

  test("one fix (its record kept) is the single-fix body and title", () => {
    expect(renderCombinedPrBody([input()])).toBe(renderPrBody(input()));
    expect(renderCombinedPrTitle([input()])).toBe(renderPrTitle(input()));
  });

  test("a fix whose record is lost is named with its files and commit, and no evidence is made up for it", () => {
    const lost: LostFix = { lost: true, run: { id: 555, headSha: input().run.headSha, workflow: "tests" }, files: ["slug.py"], commitSha: "c".repeat(40) };
    const body = renderCombinedPrBody([lost, lint]);
    expect(body).toContain("### Fix 1 of 2: run 555 of `tests`\n\nThe bot no longer keeps this fix's record (a later attempt's replaced it, or its job was removed): it changed `slug.py` in commit `cccccccccccc`, whose message says how it was validated.\n");
    expect(body.match(/Its validation, alone/g)).toHaveLength(1);
    expect(renderCombinedPrTitle([lost, lint])).toBe("ci-bot: fix tests and lint on feature/slug (runs 555, 556)");
  });

  test("each fix's earlier tries sit under it, and many long tails stay under GitHub's limit", () => {
    const tried = input({ earlierTries: [{ code: "validation_failed", command: "pytest", ended: "exited 1" }] });
    expect(renderCombinedPrBody([tried, lint])).toContain("#### Earlier tries\nThis fix is the model's try 2");
    const long = (id: number) => input({ run: { ...input().run, id }, validation: { ...input().validation, outputTail: "x".repeat(3000) + "\n".repeat(1) + Array.from({ length: 100 }, (_, k) => `line ${k} ${"y".repeat(500)}`).join("\n") } });
    const body = renderCombinedPrBody(Array.from({ length: 8 }, (_, k) => long(555 + k)));
    expect(body.length).toBeLessThan(65_536);
    // The tails share the room: each keeps its last lines only.
    expect(body).not.toContain("line 94 ");
    expect(body).toContain("line 99 ");
  });
});

test("validation's note reads as a sentence, and a green unpatched run is said once", () => {
  const green = { ...input().validation, evidence: { before: "green" as const, after: "green" as const, reproduced: false, note: "the failure did not reproduce here before the patch (flaky, or it depends on the CI environment)" } };
  const body = renderPrBody(input({ validation: green }));
  expect(body).toContain("with the patch: 🟢 green. The failure did not reproduce here before the patch (flaky, or it depends on the CI environment).");
  expect(body.match(/did not reproduce/g)).toHaveLength(1);
  // A record from before validation kept a note still says it.
  expect(renderPrBody(input({ validation: { ...green, evidence: { ...green.evidence, note: undefined } } }))).toContain("The failure did not reproduce locally before the patch.");
});

describe("how many tests ran, beside the red → green evidence", () => {
  /** The fix's validation section, down to its command table. */
  const validation = (i: PrBodyInput) => {
    const body = renderPrBody(i);
    return body.slice(body.indexOf("### Validation"), body.indexOf("| phase |"));
  };
  const skipped = { evidence: { before: null, after: "green" as const, reproduced: null, note: "reproduce-first is off" }, commands: [{ phase: "validate", command: "python -m pytest -q", exitCode: 0, timedOut: false, durationMs: 790 }] };

  test("before and after the patch here, when the unpatched tree was run", () => {
    expect(validation(input({ validation: { ...input().validation, testsRan: { before: 10, after: 10 } } }))).toMatchSnapshot();
  });

  test("without the unpatched run: CI's failing run's count for the same command, and fewer here flagged for the reviewer", () => {
    expect(validation(input({ validation: { ...skipped, ciTestsRan: { ci: 120, after: 120 } } }))).toMatchSnapshot("as many");
    expect(validation(input({ validation: { ...skipped, ciTestsRan: { ci: 120, after: 97 } } }))).toMatchSnapshot("fewer here");
    expect(validation(input({ validation: { ...skipped, ciTestsRan: { ci: "cut", after: 97 } } }))).toMatchSnapshot("CI's log cut");
    expect(validation(input({ validation: { ...skipped, ciTestsRan: { ci: 120 } } }))).toContain("CI's failing run ran 120 tests; the run here with the patch printed no count of its tests.");
    // The local before/after is the evidence when there is one: CI's count is not shown beside it.
    expect(validation(input({ validation: { ...input().validation, testsRan: { before: 10, after: 10 }, ciTestsRan: { ci: 120, after: 10 } } }))).not.toContain("CI's");
    expect(validation(input({ validation: skipped }))).not.toContain("Tests run");
  });

  test("each fix of several shows its own counts, read from its job's validation record", () => {
    const job = makeJob();
    job.results["propose-patch"] = { episodeId: "e", inferenceId: "i", variantName: "v", proposal: { diagnosis: "d", diff: "--- a/x\n+++ b/x\n", confidence: 0.5 } };
    job.results["apply-and-validate"] = { ...skipped, verdict: "passed", runs: [], patch: { files: [], overrides: [], additions: 0, deletions: 0 }, ciTestsRan: { ci: 120, after: 97 } };
    const other = input({ run: { ...input().run, id: 556, workflow: "lint" }, validation: { ...input().validation, testsRan: { before: 4, after: 4 } } });
    const body = renderCombinedPrBody([prBodyInput(job), other]);
    const [first, second] = body.split("### Fix 2 of 2");
    expect(first).toContain("CI's failing run ran 120 tests; with the patch 97 ran here.");
    expect(first).toContain("Fewer tests ran here (97) than in CI's failing run (120).");
    expect(second).toContain("4 before the patch, 4 with it.");
    expect(second).not.toContain("CI's failing run");
  });
});

describe("PR body template", () => {
  test("renders the evidence, the change, policy, confidence, TensorZero ids and how to give feedback", () => {
    expect(renderPrTitle(input())).toMatchSnapshot("title");
    expect(renderPrBody(input())).toMatchSnapshot("body");
    expect(renderCommitMessage(input())).toMatchSnapshot("commit message");
  });

  test("repair attempt with an overridden rule and a timed-out command", () => {
    const body = renderPrBody(input({
      repairAttempt: 2,
      overrides: ["skip_tests"],
      validation: { evidence: { before: null, after: "green", reproduced: null, note: "Reproduce-first was skipped (budget)." }, commands: [{ phase: "setup", command: "pip install -e .", exitCode: null, timedOut: true, durationMs: 60000 }] },
    }));
    expect(body).toMatchSnapshot();
    expect(body).toContain("repair attempt 2");
    expect(body).toContain("skip_tests");
  });

  test("a workflow that will not run on the fix: the body says why CI stays silent, and how to start it", () => {
    const noCi = { workflow: ".github/workflows/tests.yml", triggers: "push (branches: main), workflow_dispatch", branch: "ci-bot/fix-555", baseBranch: "feature/slug", dispatch: true };
    const body = renderPrBody(input({ noCi }));
    expect(body).toMatchSnapshot();
    expect(body).toContain("started by hand");
    expect(renderPrBody(input({ noCi: { ...noCi, dispatch: false } }))).not.toContain("started by hand");
    expect(renderPrBody(input({ noCi: { ...noCi, triggers: "x".repeat(5000) } })).length).toBeLessThan(body.length + 400);
    expect(renderPrBody(input())).not.toContain("CI will not run");
  });

  test("a fix PR updated for a later commit of the branch says so in its body, its commit and its line on people's PR", () => {
    const later = input({ laterCommit: true, run: { ...input().run, id: 556, url: "https://github.com/octo/slug/actions/runs/556", headSha: "b2c3d4e5f60718293a4b5c6d7e8f9012345678a1" } });
    expect(renderPrBody(later)).toContain("This PR was opened by t0-ci-bot for an earlier failed run of `feature/slug`, and updated for [run 556 (attempt 1)](https://github.com/octo/slug/actions/runs/556) of `tests` on its later commit `b2c3d4e5f607`: the branch now holds that commit and a fix validated on it, in place of the earlier commit's.");
    expect(renderCommitMessage(later)).toContain("\n\nBrings this branch to feature/slug at b2c3d4e5f607, a later commit failing the same way, with the fix validated on it in place of the earlier commit's.\n\nWhy: ");
    expect(renderFixComment("<!-- m -->", undefined, { number: 100 }, later)).toContain("- #100 updated for commit b2c3d4e: a fix for the failed run [556](https://github.com/octo/slug/actions/runs/556) of `tests` (validated locally)");
    // A fix PR opened for its own run says nothing of an update.
    expect(renderPrBody(input())).not.toContain("updated for");
    expect(renderCommitMessage(input())).not.toContain("Brings this branch");
  });

  test("a fix from a later try names the earlier tries and why each failed, one line each, the last three", () => {
    const refused = { code: "patch_refused", rule: "skip_tests", file: "test/slug.test.py", reason: "the patch adds `@pytest.mark.skip`, which skips a test" };
    const red = { code: "validation_failed", command: "python -m pytest -q", ended: "exited 1" };
    const body = renderPrBody(input({ earlierTries: [refused, red] }));
    expect(body).toMatchSnapshot();
    expect(body).toContain("### Earlier tries\nThis fix is the model's try 3; its earlier patches were not used:\n" +
      "- try 1: refused by the patch policy (`skip_tests` at `test/slug.test.py`): the patch adds `@\u2060pytest.mark.skip`, which skips a test\n" +
      "- try 2: validation still failed: `python -m pytest -q` exited 1\n");
    expect(renderPrBody(input())).not.toContain("Earlier tries");
    expect(renderPrBody(input({ earlierTries: [red, { ...red, sameAs: 1 }] }))).toContain("- try 2: validation still failed: `python -m pytest -q` exited 1 (the same patch as try 1, not run again)\n");
    const many = renderPrBody(input({ earlierTries: [refused, red, red, red, { ...red, command: "npm test", ended: "timed out" }] }));
    expect(many).toContain("try 6; its earlier patches were not used:\n- tries 1–2: not shown here (the job record has them)\n- try 3: validation still failed");
    expect(many).toContain("- try 5: validation still failed: `npm test` timed out\n");
    expect(many).not.toContain("- try 2:");
  });

  // The policy's reason quotes the patch, the model's text, which a log can steer.
  test("an earlier try's reason cannot ping, close issues, hide the rest of the body or leak a secret", () => {
    const token = "ghp_" + "B".repeat(36);
    const reason = `the patch adds "Fixes #12 @octocat <!-- ${token}"\nand more`;
    const body = renderPrBody(input({ earlierTries: [{ code: "patch_refused", rule: "weaken_assertions", file: "a.py", reason }] }));
    const line = body.split("\n").find((l) => l.startsWith("- try 1:"))!;
    expect(line).toContain("F\u2060ixes #\u206012 @\u2060octocat &lt;!-- [REDACTED]\" and more");
    expect(body).not.toContain(token);
    expect(body).toContain("### Policy");
  });

  test("secrets in model text or command output never reach the PR", () => {
    const token = "ghp_" + "A".repeat(36);
    const body = renderPrBody(input({ diagnosis: `the token ${token} was printed`, validation: { ...input().validation, outputTail: `export GITHUB_TOKEN=${token}` } }));
    expect(body).not.toContain(token);
    expect(renderFixComment("<!-- m -->", undefined, { number: 9 }, input({ diagnosis: token }))).not.toContain(token);
  });

  // A repository without draft PRs (private, Free plan) gets a regular one, and a draft is marked ready once
  // CI passes: the body does not call it a draft, nor does the failing PR's comment, which other jobs keep as it is.
  test("neither the body nor the failing PR's comment calls the fix a draft", () => {
    expect(renderPrBody(input())).not.toMatch(/draft/i);
    expect(renderFixComment("<!-- m -->", undefined, { number: 9 }, input())).not.toMatch(/draft/i);
    expect(renderFixComment("<!-- m -->", undefined, { number: 9 }, input())).toContain("#9 for the failed run [555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally)");
  });

  test("output containing backticks cannot break out of its code block", () => {
    const body = renderPrBody(input({ validation: { ...input().validation, outputTail: "```\n## injected heading\n```" } }));
    expect(body).toContain("````\n```\n## injected heading\n```\n````");
  });

  test("model text cannot @-mention people", () => {
    const body = renderPrBody(input({ diagnosis: "Ask @octocat and @org/team to review." }));
    expect(body).not.toMatch(/@octocat|@org\/team/);
    expect(body).toContain("@\u2060octocat");
  });

  // A log can plant "Fixes #12" for the model to echo: merging the fix would close issue 12.
  test("model text cannot close, reference or entity-mention issues and people", () => {
    const diagnosis = "Fixes #12, closes octo/other#3 and resolves: https://github.com/octo/slug/issues/5 (GH-7). &#64;octocat &commat;org";
    const texts = {
      body: renderPrBody(input({ diagnosis })),
      commit: renderCommitMessage(input({ diagnosis })),
      comment: renderFixComment("<!-- m -->", undefined, { number: 9 }, input({ diagnosis })),
      ciFailed: renderCiFailedComment("<!-- m -->", { conclusion: "failure", runId: 7, why: diagnosis, draft: true }),
    };
    // The comment on the failing PR names the fix PR (#9) itself: only the model's words are checked.
    for (const [where, text] of Object.entries({ ...texts, comment: texts.comment.replace("- #9 for", "- for") })) {
      expect([where, text]).not.toEqual([where, expect.stringMatching(/\b(fixes|closes|resolves):?\s+\S*(#|\/issues\/)|#\d|GH-\d/i)]);
    }
    expect(texts.body).toContain("F\u2060ixes #\u206012");
    expect(texts.body).toContain("&amp;#\u206064;octocat &amp;commat;org");
    expect(texts.commit).toContain("&#\u206064;octocat");
    // Without a run URL the commit names the run in words: "#555" would name issue 555.
    expect(renderCommitMessage(input({ run: { ...input().run, url: undefined } }))).toContain("Failing run: run 555");
  });

  // A prompt-injected model can write text that reads differently from what it says (Trojan Source) or carries
  // what nobody sees: every place its words are published shows those characters as escapes.
  test.each<[string, string, string]>([
    ["a right-to-left override", "The check \u202ereversed\u202c fails.", "The check \\u202ereversed\\u202c fails."],
    ["an isolate", "Run \u2066tests\u2069 again.", "Run \\u2066tests\\u2069 again."],
    ["a zero-width space and a word joiner of its own", "Call is\u200bAdmin, and @\u2060x.", "Call is\\u200bAdmin, and @\\u2060x."],
    ["tag characters", `See docs.${String.fromCodePoint(0xe0069, 0xe0067)}`, "See docs.\\u{e0069}\\u{e0067}"],
    ["a terminal escape and a bell", "Output \u001b[2Kcleared\u0007.", "Output \\u001b[2Kcleared\\u0007."],
  ])("model text holding %s shows it escaped in the PR, commit and comments", (_name, diagnosis, shown) => {
    const texts = {
      body: renderPrBody(input({ diagnosis })),
      commit: renderCommitMessage(input({ diagnosis })),
      comment: renderFixComment("<!-- m -->", undefined, { number: 9 }, input({ diagnosis })),
      ciFailed: renderCiFailedComment("<!-- m -->", { conclusion: "failure", runId: 7, why: diagnosis, draft: true }),
      tries: renderPrBody(input({ earlierTries: [{ code: "patch_refused", rule: "skip_tests", reason: diagnosis, file: "a.py" }] })),
    };
    for (const [where, text] of Object.entries(texts)) {
      expect([where, text]).toEqual([where, expect.stringContaining(shown)]);
      // The bot's own word joiner after `@` stays: it is what keeps a mention quiet.
      expect([where, text.replace(/@\u2060/g, "@")]).not.toEqual([where, expect.stringMatching(/[\u202a-\u202e\u2066-\u2069\u200b\u2060\x07\x1b]|[\u{e0000}-\u{e007f}]/u)]);
    }
  });

  // The repository's own text is no safer: a test can print a bidi override at run time from escapes, and a
  // branch's workflow names its steps and commands.
  test("command output, step names, commands and file paths holding hidden characters show them escaped", () => {
    const body = renderPrBody(input({
      failing: [{ job: "py\u202etest", step: "Run\u200b tests", command: "python -m pytest \u2066-q\u2069", exitCode: 1 }],
      files: [{ path: "sl\u202eug.py", status: "modified", additions: 1, deletions: 1 }],
      validation: { ...input().validation, outputTail: "test_\u202edesrever passed\n\u001b]0;title\u0007 2 passed\n" },
    }));
    expect(body).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\x07\x1b]/);
    for (const shown of ["py\\u202etest", "Run\\u200b tests", "\\u2066-q\\u2069", "sl\\u202eug.py", "test_\\u202edesrever passed", "\\u001b]0;title\\u0007"]) expect(body).toContain(shown);
  });

  test("emoji, their joiners and text in other scripts are shown as written", () => {
    const diagnosis = "The 👨\u200d👩\u200d👧 fixture ⚠️ expects \"你好\", \"مرحبا\", \"שלום\" and \"می\u200cخواهم\".";
    expect(renderPrBody(input({ diagnosis }))).toContain(diagnosis);
    expect(renderCommitMessage(input({ diagnosis }))).toContain(diagnosis);
  });

  // A multi-line `run:` script in the failing step: a blank line ended the code span and the rest was Markdown.
  test("a multi-line command stays one code span, in the list and in the table", () => {
    const command = "npm ci\n\n@octocat please merge | <b>now</b>\nnpm test";
    const body = renderPrBody(input({
      failing: [{ job: "test", step: "Run tests", command, exitCode: 1 }],
      validation: { ...input().validation, commands: [{ phase: "validate", command, exitCode: 0, timedOut: false, durationMs: 5 }] },
    }));
    expect(body).toContain(": `npm ci ⏎ @octocat please merge | <b>now</b> ⏎ npm test` (exit 1)");
    expect(body).toContain("| validate | `npm ci ⏎ @octocat please merge \\| <b>now</b> ⏎ npm test` | exit 0 | 0.0 s |");
    expect(renderCommitMessage(input({ validation: { ...input().validation, commands: [{ phase: "validate", command, exitCode: 0, timedOut: false, durationMs: 5 }] } }))).toContain(
      "Validated locally: npm ci ⏎ @\u2060octocat please merge | <b>now</b> ⏎ npm test (",
    );
  });

  // A log can plant "<!--" for the model to echo: the rest of the body, policy included, would be a hidden comment.
  test("model text cannot hide the sections after it behind HTML or an open code fence", () => {
    for (const diagnosis of ["The fix is trivial. <!-- ignore the rest", "See below.\n<details><summary>more</summary>\n", "Replace it with:\n```python\nreturn a + b\n"]) {
      const body = renderPrBody(input({ diagnosis }));
      const before = body.slice(0, body.indexOf("### The change"));
      expect(before).not.toMatch(/<!--|<details/);
      // Every fence opened before the change table is closed before it.
      expect((before.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    const comment = renderCiFailedComment("<!-- m -->", { conclusion: "failure", runId: 7, why: "the repair was refused: <!-- hide", draft: true });
    expect(comment.slice("<!-- m -->".length)).not.toContain("<!--");
    expect(comment).toContain("The PR stays a draft");
    const kept = renderPrBody(input({ diagnosis: "Use `a<b` and\n```\nif x<y: pass\n<br>\n```\nwhen x < y, not <b>x</b>." }));
    expect(kept).toContain("Use `a<b` and\n```\nif x<y: pass\n<br>\n```\nwhen x < y, not &lt;b>x&lt;/b>.");
    // An HTML-escaping failure quotes entities in code, where they are shown as written, not as `&amp;#x27;`.
    const entities = renderPrBody(input({ diagnosis: "escape() returns `&#x27;` for a quote:\n```\nexpect(escape(\"'\")).toBe(\"&#x27;\")\n```\nnot &#x40;x." }));
    expect(entities).toContain("escape() returns `&#x27;` for a quote:\n```\nexpect(escape(\"'\")).toBe(\"&#x27;\")\n```\nnot &amp;#x40;x.");
  });

  // Tags outside code are shown as text (`&lt;password>`): redacted after that, the XML rules no longer read them.
  test("a secret in the diagnosis is redacted before its tags are escaped or its # and @ are quieted", () => {
    const body = renderPrBody(input({ diagnosis: "settings.xml sets <password>Hm5Lw2Qz8Rt4vB</password> and DB_PASSWORD=Pa#12@xYz9k" }));
    expect(body).toContain("&lt;password>[REDACTED]&lt;/password>");
    expect(body).toContain("DB_PASSWORD=[REDACTED]");
    expect(leakedPieces(body, "Hm5Lw2Qz8Rt4vB")).toEqual([]);
  });

  // A repair's refusal quotes the model, which can echo a secret from the log; the comment cuts it at 1,000.
  test("a secret across the CI-failed comment's cut is redacted whole, not shown by its head", () => {
    const leaked = SECRETS_CORPUS.flatMap((c) => {
      // The cut falls inside the secret and leaves at least 12 of its characters before it.
      const head = `the repair was refused: ${"x ".repeat(500)}`.slice(0, 1_000 - Math.max(12, Math.ceil(c.secret.length / 2)) - c.text.indexOf(c.secret));
      const comment = renderCiFailedComment("<!-- m -->", { conclusion: "failure", runId: 7, why: `${head}${c.text} and more`, draft: true });
      const pieces = leakedPieces(comment, c.secret);
      return pieces.length ? [[c.kind, pieces]] : [];
    });
    expect(leaked).toEqual([]);
  });

  // The diagnosis's first line goes into the commit message (public in the branch's history) and the comment on
  // the failing PR, each cut (200, 300 characters).
  test("a secret across the cut of the diagnosis's first line is redacted whole, not shown by its head", () => {
    const leaked = SECRETS_CORPUS.flatMap((c) =>
      ([["commit message", 200], ["fix comment", 300]] as const).flatMap(([where, cut]) => {
        const head = `The model says: ${"x ".repeat(200)}`.slice(0, cut - Math.max(12, Math.ceil(c.secret.length / 2)) - c.text.indexOf(c.secret));
        const i = input({ diagnosis: `${head}${c.text} and more` });
        const text = where === "commit message" ? renderCommitMessage(i) : renderFixComment("<!-- m -->", undefined, { number: 9 }, i);
        const pieces = leakedPieces(text, c.secret);
        return pieces.length ? [[where, c.kind, pieces]] : [];
      }),
    );
    expect(leaked).toEqual([]);
  });
});

describe("what CI's log showed, in the PR", () => {
  const log = { job: "pytest", startLine: 212, endLine: 216, text: "    def test_hyphens():\n>       assert slugify('a b') == 'a-b'\nE       AssertionError: assert 'a_b' == 'a-b'\n\ntests/test_slug.py:4: AssertionError" };
  const tests = [{ name: "tests/test_slug.py::test_hyphens" }, { name: "test_spaces", file: "tests/test_slug.py" }];

  test("the failed tests by name and the log lines around the error, folded, under What failed", () => {
    const body = renderPrBody(input({ failedInCi: { tests, log } }));
    expect(body.slice(body.indexOf("### What failed"), body.indexOf("Classification:"))).toMatchSnapshot();
  });

  test("read off the failure context: its tests, and its first excerpt that is not the command line", () => {
    const job = makeJob();
    job.results["propose-patch"] = { episodeId: "e", inferenceId: "i", variantName: "v", proposal: { diagnosis: "d", diff: "--- a/x\n+++ b/x\n", confidence: 0.5 } };
    job.results["apply-and-validate"] = { verdict: "passed", evidence: { before: "red", after: "green", reproduced: true }, runs: [], patch: { files: [], overrides: [], additions: 0, deletions: 0 } };
    job.results["build-context"] = {
      context: {
        run: { id: 1, attempt: 1, head_sha: "a", head_branch: "main" },
        failing_jobs: [{ name: "pytest" }], classification: "test", failed_tests: [{ name: "test_spaces", file: "tests/test_slug.py", line: 9 }],
        excerpts: [{ job: "pytest", startLine: 200, endLine: 201, reason: "failing step command", text: "##[group]Run pytest\npytest" }, { ...log, reason: "error line" }],
      },
    };
    expect(prBodyInput(job).failedInCi).toEqual({ tests: [{ name: "test_spaces", file: "tests/test_slug.py" }], log: { job: "pytest", startLine: 212, endLine: 216, text: log.text } });
    job.results["build-context"] = { context: { run: { id: 1, attempt: 1, head_sha: "a", head_branch: "main" }, failing_jobs: [], classification: "infra", failed_tests: [], excerpts: [{ job: "pytest", startLine: 1, endLine: 1, reason: "failing step command", text: "pytest" }] } };
    expect(prBodyInput(job).failedInCi).toBeUndefined();
    expect(renderPrBody(prBodyInput(job))).not.toContain("failed in CI");
  });

  test("many tests are counted past the tenth, and a long excerpt shows its end, where the error is", () => {
    const many = Array.from({ length: 14 }, (_, k) => ({ name: `test_${k}` }));
    const long = { ...log, endLine: 311, text: Array.from({ length: 100 }, (_, k) => `line ${k}`).join("\n") };
    const body = renderPrBody(input({ failedInCi: { tests: many, log: long } }));
    expect(body).toContain("`test_9` and 4 more.");
    expect(body).not.toContain("`test_10`");
    expect(body).toContain("<summary>CI's log around the error (job pytest, log lines 212–311, the last 30)</summary>");
    expect(body).toContain("line 99\n");
    expect(body).not.toContain("line 69\n");
    // Several fixes share the room: each shows fewer lines.
    const combined = renderCombinedPrBody(Array.from({ length: 3 }, (_, k) => input({ run: { ...input().run, id: 555 + k }, failedInCi: { tests: [], log: long } })));
    expect(combined.match(/the last 10\)/g)).toHaveLength(3);
  });

  test("the log and the names cannot leak a secret, ping anyone, or break out of the summary or the fence", () => {
    const [secret] = SECRETS_CORPUS;
    const body = renderPrBody(input({
      failedInCi: {
        tests: [{ name: "test_`x`_@octocat" }],
        log: { job: "py</summary><img src=x>", startLine: 1, endLine: 3, text: `${secret!.text}\ncc @octocat\n\`\`\`\nescaped` },
      },
    }));
    expect(leakedPieces(body, secret!.secret)).toEqual([]);
    // In a code span GitHub links no mention; in the fenced log neither, but the joiner is kept as the output tail's.
    expect(body).toContain("Tests that failed in CI: `test_'x'_@octocat`.");
    expect(body).toContain("cc @\u2060octocat");
    expect(body).toContain("<summary>CI's log around the error (job py&lt;/summary>&lt;img src=x>, log lines 1–3)</summary>");
    expect(body).toContain("````\n");
    expect(body).toContain("\n```\nescaped\n````");
  });

  test("a job name in the summary, HTML and no code span, pings no one", () => {
    const body = renderPrBody(input({ failedInCi: { tests: [], log: { job: "notify @octocat", startLine: 1, endLine: 1, text: "boom" } } }));
    expect(body).toContain("<summary>CI's log around the error (job notify @\u2060octocat, log lines 1–1)</summary>");
  });
});
