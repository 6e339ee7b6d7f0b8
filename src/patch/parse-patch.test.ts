import { describe, expect, test } from "@jest/globals";
import { parsePatch, unquote } from "./parse-patch.js";

const ok = (text: string) => {
  const r = parsePatch(text);
  if (!r.ok) throw new Error(JSON.stringify(r.refusal));
  return r.files;
};

describe("parsePatch", () => {
  test("a deleted SQL comment line ('--- x') inside a hunk is content, not a file header", () => {
    const files = ok(["--- a/q.sql", "+++ b/q.sql", "@@ -1,3 +1,3 @@", " select 1;", "--- old comment", "+-- new comment", " select 2;", ""].join("\n"));
    expect(files).toHaveLength(1);
    expect(files[0]!.hunks[0]!.lines).toEqual([
      { kind: " ", text: "select 1;" },
      { kind: "-", text: "-- old comment" },
      { kind: "+", text: "-- new comment" },
      { kind: " ", text: "select 2;" },
    ]);
  });

  test("several files without diff --git headers, with timestamps after the paths", () => {
    const files = ok(["--- a/x.txt\t2024-01-01 00:00:00", "+++ b/x.txt\t2024-01-02 00:00:00", "@@ -1 +1 @@", "-a", "+b", "--- y.txt", "+++ y.txt", "@@ -1 +1 @@", "-c", "+d"].join("\n"));
    expect(files.map((f) => [f.status, f.path])).toEqual([["modified", "x.txt"], ["modified", "y.txt"]]);
  });

  test("CRLF model output is read like LF, and '\\ No newline' marks the line before it", () => {
    const files = ok("--- a/n.txt\r\n+++ b/n.txt\r\n@@ -1 +1 @@\r\n-a\r\n\\ No newline at end of file\r\n+b\r\n");
    expect(files[0]!.hunks[0]!.lines).toEqual([{ kind: "-", text: "a", noEol: true }, { kind: "+", text: "b" }]);
  });

  test("statuses: added, deleted (with no hunks), renamed, exec-bit mode change", () => {
    const files = ok([
      "diff --git a/new.sh b/new.sh", "new file mode 100755", "--- /dev/null", "+++ b/new.sh", "@@ -0,0 +1 @@", "+echo hi",
      "diff --git a/gone.txt b/gone.txt", "deleted file mode 100644", "index 1234567..0000000",
      "diff --git a/old name.txt b/new name.txt", "similarity index 100%", "rename from old name.txt", "rename to new name.txt",
      "diff --git a/run.sh b/run.sh", "old mode 100644", "new mode 100755",
    ].join("\n"));
    expect(files.map((f) => ({ s: f.status, p: f.path, o: f.oldPath, m: f.newMode }))).toEqual([
      { s: "added", p: "new.sh", o: null, m: "100755" },
      { s: "deleted", p: "gone.txt", o: "gone.txt", m: undefined },
      { s: "renamed", p: "new name.txt", o: "old name.txt", m: undefined },
      { s: "modified", p: "run.sh", o: "run.sh", m: "100755" },
    ]);
  });

  test("git's C-quoted paths are decoded; a Windows backslash is not turned into an escape", () => {
    expect(unquote("t\\303\\251st.txt")).toBe("tést.txt");
    expect(unquote("src\\test.py")).toBe("src\\test.py");
    const files = ok(['diff --git "a/t\\303\\251.txt" "b/t\\303\\251.txt"', '--- "a/t\\303\\251.txt"', '+++ "b/t\\303\\251.txt"', "@@ -1 +1 @@", "-a", "+b"].join("\n"));
    expect(files[0]!.path).toBe("té.txt");
  });

  test("a context line that looks like an indented fence is kept as it is", () => {
    const files = ok(["```diff", "--- a/README.md", "+++ b/README.md", "@@ -1,3 +1,3 @@", "  ```sh", "-  make", "+  make test", "  ```", "```"].join("\n"));
    expect(files[0]!.hunks[0]!.lines.map((l) => l.kind + l.text)).toEqual(["  ```sh", "-  make", "+  make test", "  ```"]);
  });

  test("copies, headerless hunks and prose-only answers are refused with a reason", () => {
    expect(parsePatch("diff --git a/a.txt b/b.txt\nsimilarity index 100%\ncopy from a.txt\ncopy to b.txt\n")).toMatchObject({ ok: false, refusal: { rule: "malformed_diff" } });
    expect(parsePatch("@@ -1 +1 @@\n-a\n+b\n")).toMatchObject({ ok: false, refusal: { rule: "malformed_diff", reason: expect.stringContaining("no file header") } });
    expect(parsePatch("The tests pass locally; nothing to change.")).toMatchObject({ ok: false, refusal: { rule: "no_diff" } });
    expect(parsePatch("")).toMatchObject({ ok: false, refusal: { rule: "no_diff" } });
  });
});
