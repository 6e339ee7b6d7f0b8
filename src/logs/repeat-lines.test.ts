import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { compressRepeats, expandRepeats, repeatMarker, sliceExcerptLines } from "./repeat-lines.js";

const fixtureLines = (p: string) =>
  readFileSync(new URL(`../../fixtures/logs/ci-logs/${p}`, import.meta.url), "utf8")
    .split("\n")
    .map((l) => l.replace(/\r$/, "").replace(/^\S+Z /, ""));

describe("repeat markers", () => {
  test("a line equal to one above names the nearest, with its indentation", () => {
    const msg = "    testing.go:132: Incompatible Terraform version v1.3.0: the backend is compatible with >= 0.1.0";
    expect(compressRepeats(["--- FAIL: TestA (0.00s)", msg, "--- FAIL: TestB (0.00s)", msg, msg])).toEqual([
      "--- FAIL: TestA (0.00s)",
      msg,
      "--- FAIL: TestB (0.00s)",
      "    [= 2 lines up]",
      "    [= line above]",
    ]);
  });

  test("a line that differs in one place names what changed, widened until the old text occurs once", () => {
    const a = '##[error]../pkg/mod/k8s.io/client-go@v0.23.4/kubernetes/scheme/register.go:22:2: k8s.io/api@v0.23.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.23.4.zip": connection reset by peer';
    const b = a.replace("go:22:2", "go:23:2");
    expect(repeatMarker([a], b)).toBe('[= line above, "22" → "23"]');
    // "23" occurs three times in b, so "24" after it is only unambiguous with more of the line.
    const c = a.replace("go:22:2", "go:24:2");
    expect(repeatMarker([b], c)).toBe('[= line above, "go:23" → "go:24"]');
    expect(expandRepeats([b, '[= line above, "go:23" → "go:24"]'])).toEqual([b, c]);
  });

  test("short lines, lines unlike those above and markers that save little stay as they are", () => {
    expect(repeatMarker(["ok"], "ok")).toBeUndefined();
    expect(repeatMarker(["FAIL\tgithub.com/x/y\t0.1s"], "FAIL\tgithub.com/x/z\t0.2s")).toBeUndefined();
    expect(repeatMarker(["first line of something long enough"], "entirely different text, also long")).toBeUndefined();
    // Indentation differs: the marker would have to say more than it saves.
    expect(repeatMarker(["  at com.example.Foo.bar(Foo.java:10)"], "at com.example.Foo.bar(Foo.java:11)")).toBeUndefined();
  });

  test("every block of real logs expands back byte for byte", () => {
    const logs = ["gha-cidiff/terraform-quickchecks-run118/fail.log", "gha-cidiff/cidiff_11/fail.log", "gha-bugswarm/2525375274.log", "gha-bugswarm/2536167204.log", "gha-bugswarm/27530380915.log"];
    let saved = 0;
    for (const p of logs) {
      const lines = fixtureLines(p);
      for (let i = 0; i < lines.length; i += 97) {
        const block = lines.slice(i, i + 97);
        const packed = compressRepeats(block);
        expect(expandRepeats(packed)).toEqual(block);
        saved += block.join("\n").length - packed.join("\n").length;
      }
    }
    expect(saved).toBeGreaterThan(1000);
  });

  test("a slice of an excerpt never points above its first line", () => {
    const msg = "    state_test.go:427: incorrect client requests for the state that was written";
    const lines = ["--- FAIL: TestA (0.00s)", msg, "--- FAIL: TestB (0.00s)", msg, "--- FAIL: TestC (0.00s)", msg];
    const text = compressRepeats(lines).join("\n");
    expect(text).toContain("[= 2 lines up]");
    const tail = sliceExcerptLines(text, -3);
    expect(tail).toEqual(["    state_test.go:427: incorrect client requests for the state that was written", "--- FAIL: TestC (0.00s)", "    [= 2 lines up]"]);
    expect(expandRepeats(tail)).toEqual(lines.slice(-3));
  });
});
