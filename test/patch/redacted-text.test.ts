import { describe, expect, test } from "@jest/globals";
import { MASK } from "../../src/core/redact.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { RULES } from "../../src/patch/rules.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { configWith } from "./helpers.js";
import { expectAccepted } from "./policy-expectations.js";

/**
 * The model reads logs and files with their secrets replaced by the mask: a patch that writes the mask
 * back into the code is refused, whatever the repository allows, and one that only removes or moves a
 * line holding it (the file held it as text) goes through.
 */

const EVERY_ALLOW = configWith(Object.values(RULES).flatMap((r) => (r.overridableBy ? [r.overridableBy] : [])));
const SETTINGS = 'import os\n\nDEBUG = False\nAPI_URL = "https://api.example.com"\n';
const MASK_TEST = `def test_masks_tokens():\n    assert redact("token ghp_x") == "token ${MASK}"\n`;
const WORDS_TEST = 'def test_keeps_words():\n    words = "hello there"\n    assert redact(words) == words\n    assert redact("") == ""\n';
const REDACT_TESTS = (...tests: string[]) => `from app.redact import redact\n\n\n${tests.join("\n\n")}`;

describe("a patch adding the redaction mask", () => {
  test.each<[string, Case]>([
    ["a settings file given the masked value the log showed", { before: { "app/settings.py": SETTINGS }, after: { "app/settings.py": `${SETTINGS}API_KEY = "${MASK}"\n` } }],
    ["a fixture's token rewritten to the mask", { before: { "tests/fixtures/auth.json": '{ "token": "tok-1" }\n' }, after: { "tests/fixtures/auth.json": `{ "token": "${MASK}" }\n` } }],
    ["a new .env.test written from the log", { before: { "app/settings.py": SETTINGS }, after: { ".env.test": `DATABASE_URL=postgres://ci:${MASK}@localhost/ci\n` } }],
  ])("%s is refused as redacted_text, with no allow key to pass it", async (_name, c) => {
    const { diff, repo, cleanup } = await gitDiff(c);
    try {
      const r = await applyPatch(diff, repo, { config: EVERY_ALLOW, dryRun: true });
      expect(r).toMatchObject({ ok: false, refusal: { rule: "redacted_text", reason: expect.stringContaining(`holds the mask ${MASK}`) } });
    } finally {
      await cleanup();
    }
  });

  test.each<[string, Case]>([
    ["a line holding the mask removed", { before: { "app/settings.py": `${SETTINGS}API_KEY = "${MASK}"\n` }, after: { "app/settings.py": SETTINGS } }],
    // git diffs the swap as the short test removed above and added below.
    ["a redaction test holding the mask as text moved below another", { before: { "tests/test_redact.py": REDACT_TESTS(MASK_TEST, WORDS_TEST) }, after: { "tests/test_redact.py": REDACT_TESTS(WORDS_TEST, MASK_TEST) } }],
    ["a redactor's test file that expects the mask gets one more such assertion", { before: { "tests/test_redact.py": REDACT_TESTS(MASK_TEST) }, after: { "tests/test_redact.py": REDACT_TESTS(MASK_TEST, `def test_masks_keys():\n    assert redact("key AKIA1") == "key ${MASK}"\n`) } }],
    ["the mask as a regular expression in a redactor's code", { before: { "app/redact.py": "import re\n" }, after: { "app/redact.py": 'import re\n\nMASKED = re.compile(r"\\[REDACTED\\]")\n' } }],
  ])("%s is accepted", (_name, c) => expectAccepted(c));
});
