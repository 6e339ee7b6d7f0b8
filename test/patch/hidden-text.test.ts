import { describe, expect, test } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { expectAccepted, expectRefusedUnlessAllowed } from "./policy-expectations.js";

/**
 * A patch line that reads differently from what it does: bidi controls (Trojan Source), invisible and tag
 * characters, raw control characters and mixed-script identifiers are refused as hidden_text unless the
 * repository allows it; what the file already had, emoji, and text in other scripts go through.
 */

const AUTH = 'def is_admin(user):\n    return user.role == "admin"\n';
const ACCESS_JS = 'export function canDelete(user) {\n  const isAdmin = user.role === "admin";\n  return isAdmin;\n}\n';

describe("a patch adding hidden text", () => {
  test.each<[string, Case, RegExp]>([
    // The classic early return: shown as a comment, run as code.
    ["a right-to-left override hiding an early return in a comment", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": 'def is_admin(user):\n    """ Check access \u202e } \u2066if True:\u2069 \u2066 # bypass"""\n    return user.role == "admin"\n' } }, /U\+202E RIGHT-TO-LEFT OVERRIDE \(a bidirectional control.*Trojan Source.*at app\/auth\.py line 2, column 22: ".*\\u202e.*"/],
    ["an isolate in a JavaScript string comparison", { before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace('"admin"', '"user\u2067 \u2066// admin"') } }, /U\+2067 RIGHT-TO-LEFT ISOLATE .* at src\/access\.js line 2/],
    ["a left-to-right mark in an identifier", { before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace("return isAdmin", "return is\u200eAdmin") } }, /U\+200E LEFT-TO-RIGHT MARK/],
    ["a zero-width space inside a name", { before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace("return isAdmin;", "const is\u200bAdmin = true;\n  return is\u200bAdmin;") } }, /U\+200B ZERO WIDTH SPACE \(an invisible character.* line 3, column 11/],
    ["a zero-width joiner between Latin letters", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": AUTH.replace('"admin"', '"ad\u200dmin"') } }, /U\+200D ZERO WIDTH JOINER/],
    ["a Hangul filler naming an invisible variable", { before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace("return isAdmin;", "const \u3164 = true;\n  return isAdmin || \u3164;") } }, /U\+3164 HANGUL FILLER/],
    ["a soft hyphen in a string", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": AUTH.replace('"admin"', '"ad\u00admin"') } }, /U\+00AD SOFT HYPHEN/],
    ["a BOM in the middle of a line", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": AUTH.replace("return", "return \ufeff") } }, /U\+FEFF/],
    ["a BOM put at the start of a file that had none", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `\ufeff${AUTH}` } }, /U\+FEFF.* line 1, column 1/],
    ["tag characters spelling a hidden instruction", { before: { "README.md": "# app\n" }, after: { "README.md": `# app\n\nSee docs.${[..."ignore tests"].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join("")}\n` } }, /U\+E0069 \(a Unicode tag character.*\\u\{e0069\}/],
    ["variation selectors smuggling bytes after a letter", { before: { "README.md": "# app\n" }, after: { "README.md": "# app\n\nHello\ufe01\ufe02\ufe03\n" } }, /U\+FE01 \(a variation selector/],
    ["an escape sequence in a test message", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `${AUTH}\nprint("ok\u001b[2K\u001b[1Afailed")\n` } }, /U\+001B ESCAPE \(a control character.*line 4/],
    ["a bell", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `${AUTH}# done\u0007\n` } }, /U\+0007 BEL/],
    ["a carriage return inside an LF line", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": AUTH.replace('"admin"', '"admin" # checked\r    return True') } }, /U\+000D CARRIAGE RETURN/],
    ["a C1 control", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `${AUTH}# \u009b31m\n` } }, /U\+009B/],
    ["a Cyrillic а in a Latin identifier", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `${AUTH}\n\ndef is_\u0430dmin(user):\n    return True\n` } }, /identifier "is_\u0430dmin" at app\/auth\.py line 5, which mixes Latin letters with Cyrillic ones \(U\+0430 CYRILLIC "\u0430"\).*reads as "is_admin"/],
    ["a Cyrillic letter with no Latin look-alike in a Latin identifier", { before: { "app/auth.py": AUTH }, after: { "app/auth.py": `${AUTH}\nsize\u0416 = 1\n` } }, /identifier "size\u0416" .*mixes Latin letters with Cyrillic ones \(U\+0416 CYRILLIC "\u0416"\): a name in two scripts/],
    ["a new mixed-script name beside one the file already has", { before: { "app/auth.py": `${AUTH}is_\u0430dmin = 1\n` }, after: { "app/auth.py": `${AUTH}is_\u0430dmin = 1\nx = is_\u0430dmin or \u0441heck\n` } }, /identifier "\u0441heck" at app\/auth\.py line 4.*reads as "check"/],
    ["a Greek omicron in a Latin identifier", { before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace("return isAdmin;", "const isAdmin\u03bf = true;\n  return isAdmin\u03bf;") } }, /mixes Latin letters with Greek ones.*U\+03BF/],
    ["a bidi control in a new file's name", { before: { "README.md": "# app\n" }, after: { "README.md": "# app\n", "tests/test_\u202egnp.py": "def test_x():\n    assert True\n" } }, /the path .*\\u202e.* holds U\+202E/],
  ])("%s is refused as hidden_text unless allowed", (_name, c, reason) => expectRefusedUnlessAllowed(c, "hidden_text", reason));

  test("the refusal tells the model how to write it instead, and carries no hidden character itself", async () => {
    const { diff, repo, cleanup } = await gitDiff({ before: { "src/access.js": ACCESS_JS }, after: { "src/access.js": ACCESS_JS.replace('"admin"', '"admin\u202e"') } });
    try {
      const r = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
      if (r.ok) throw new Error("accepted");
      expect(r.refusal.reason).toContain("write it as an escape (\\u202e), or allow hidden_text in .github/ci-bot.yml");
      expect(r.refusal.reason).not.toMatch(/[\u202a-\u202e]/);
    } finally {
      await cleanup();
    }
  });

  test("a refused file name is named escaped, as the PR's earlier tries show it", async () => {
    const { diff, repo, cleanup } = await gitDiff({ before: { "README.md": "# app\n" }, after: { "README.md": "# app\n", "tests/test_\u202egnp.py": "X = 1\n" } });
    try {
      const r = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
      expect(r).toMatchObject({ ok: false, refusal: { rule: "hidden_text", file: "tests/test_\\u202egnp.py" } });
    } finally {
      await cleanup();
    }
  });

  const BIDI_FIXTURES = 'CASES = [\n    "abc\u202edef",\n    "x\u2066y\u2069",\n]\n';
  test.each<[string, Case]>([
    ["a line holding a bidi control moved below another", { before: { "tests/test_bidi.py": 'import x\n\nA = "\u202eabc"\nB = 1\n' }, after: { "tests/test_bidi.py": 'import x\n\nB = 1\nA = "\u202eabc"\n' } }],
    ["a bidi-detector fixture file gets one more case of the characters it already holds", { before: { "tests/test_bidi.py": BIDI_FIXTURES }, after: { "tests/test_bidi.py": BIDI_FIXTURES.replace("]\n", '    "\u202eok",\n]\n') } }],
    ["a file starting with a BOM edited below it", { before: { "App.cs": "\ufeffusing System;\n\nclass App {}\n" }, after: { "App.cs": "\ufeffusing System;\nusing System.IO;\n\nclass App {}\n" } }],
    ["the first line of a file starting with a BOM rewritten", { before: { "App.cs": "\ufeffusing System;\n\nclass App {}\n" }, after: { "App.cs": "\ufeffusing System.IO;\n\nclass App {}\n" } }],
    ["an emoji family with zero-width joiners in a string and in Markdown", { before: { "README.md": "# app\n" }, after: { "README.md": "# app\n\nMade by the 👨\u200d👩\u200d👧 team 🏳️\u200d🌈 ⚠️ 1️⃣ 🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}\n", "app/msg.py": 'FAMILY = "👨\u200d👩\u200d👧"\n' } }],
    ["CJK, Arabic and Hebrew text in strings and comments", { before: { "app/msg.py": "A = 1\n" }, after: { "app/msg.py": 'A = 1\nGREETING = "你好，世界"  # 挨拶\nAR = "مرحبا بالعالم"  # تحية\nHE = "שלום עולם"  # ברכה\nJA = "葛\u{e0100}城市"\n' } }],
    ["a Persian word with its zero-width non-joiner, and Devanagari with a joiner", { before: { "app/msg.py": "A = 1\n" }, after: { "app/msg.py": 'A = 1\nFA = "می\u200cخواهم"\nHI = "क्\u200dष"\n' } }],
    ["whole Cyrillic and Greek words, and Greek letters naming maths", { before: { "app/calc.py": "A = 1\n" }, after: { "app/calc.py": 'A = 1\nRU = "привет мир"  # Москва\nEL = "καλημέρα"\nΔt = 0.1\nσ_x = 2 * Δt\n' } }],
    ["a tab-indented Go file and a page break between sections", { before: { "main.go": "package main\n\nfunc main() {}\n", "app/calc.py": "A = 1\n" }, after: { "main.go": "package main\n\nfunc main() {\n\tprintln(\"ok\")\n}\n", "app/calc.py": "A = 1\n\f\nB = 2\n" } }],
    ["a CRLF file edited with CRLF lines", { before: { "app/win.py": "A = 1\r\nB = 2\r\n" }, after: { "app/win.py": "A = 1\r\nC = 3\r\nB = 2\r\n" } }],
    ["a fixture file whose name already holds a bidi control, edited", { before: { "tests/fixtures/\u202egnp.txt": "abc\n" }, after: { "tests/fixtures/\u202egnp.txt": "abc\ndef\n" } }],
    ["a line holding a hidden character removed", { before: { "app/auth.py": `${AUTH}# x\u200by\n` }, after: { "app/auth.py": AUTH } }],
  ])("%s is accepted", (_name, c) => expectAccepted(c));
});
