import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { compressRepeats, expandRepeats, findRepeatedBlocks, repeatMarker, sliceExcerptLines } from "./repeat-lines.js";

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

  test("a block that repeats the lines above it is one marker, also when it runs on into its own repeats", () => {
    const trace = ["[ERROR] No space left on device", "java.io.IOException: No space left on device"];
    for (let f = 0; f < 7; f++) trace.push(`    at org.example.deep.Visitor.scan${f} (Visitor.java:${100 + f})`);
    // Printed four times; the last time cut off after five lines, as a log that ends mid-trace is.
    const lines = [...trace, ...trace, ...trace, ...trace, ...trace.slice(0, 5), "[INFO] BUILD FAILURE"];
    expect(findRepeatedBlocks(lines)).toEqual([{ start: 9, length: 32, distance: 9 }]);
    const packed = compressRepeats(lines);
    expect(packed).toEqual([...trace, "[= the 9 lines above, 3 more times]", "[= 5 lines copied from 9 lines up]", "[INFO] BUILD FAILURE"]);
    expect(expandRepeats(packed)).toEqual(lines);
  });

  test("a repeated block away from what it repeats names how far up it starts", () => {
    const errors = Array.from({ length: 4 }, (_, i) => `[ERROR] /src/main/java/org/example/Arrays.java:[${684 + i},32] cannot find symbol variable length${i}`);
    const lines = [...errors, "[INFO] 4 errors", "[INFO] BUILD FAILURE", "[ERROR] Failed to execute goal compile on project example", ...errors];
    expect(findRepeatedBlocks(lines)).toEqual([{ start: 7, length: 4, distance: 7 }]);
    expect(compressRepeats(lines).slice(7)).toEqual(["[= 4 lines copied from 7 lines up]"]);
    expect(expandRepeats(compressRepeats(lines))).toEqual(lines);
    // A block of short lines is left as it is: its marker would not be shorter.
    expect(compressRepeats(["a", "b", "c", "a", "b", "c"])).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  test("a run of lines that count a number up is one marker, naming enough of the line for the number to occur once", () => {
    const line = (n: number) => `##[error]../../go/pkg/mod/k8s.io/client-go@v0.23.4/kubernetes/scheme/register.go:${n}:2: k8s.io/api@v0.23.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.23.4.zip": read: connection reset by peer`;
    const lines = [line(22), line(23), line(24), line(25), line(26), "##[error]internal/backend/remote-state/kubernetes/client.go:24:2: k8s.io/api@v0.23.4: connection reset", line(41)];
    const packed = compressRepeats(lines);
    // "23" occurs twice in the second line ("v0.23.4" too), so the number is named with a character each side.
    expect(packed.slice(0, 2)).toEqual([line(22), '[= 4 lines: the line above with ":22:" counting up to ":26:"]']);
    expect(packed).toHaveLength(4);
    expect(expandRepeats(packed)).toEqual(lines);
    // Two steps are not a run, and a step that skips a number ends one.
    expect(compressRepeats([line(1), line(2), line(3)]).filter((l) => l.includes("counting"))).toEqual([]);
    expect(compressRepeats([line(1), line(2), line(3), line(4), line(6), line(7)]).filter((l) => l.includes("counting"))).toEqual(['[= 3 lines: the line above with "o:1:2" counting up to "o:4:2"]']);
    expect(expandRepeats(compressRepeats([line(1), line(2), line(3), line(4), line(6), line(7)]))).toEqual([line(1), line(2), line(3), line(4), line(6), line(7)]);
  });

  test("every block of real logs expands back byte for byte", () => {
    const logs = ["gha-cidiff/terraform-quickchecks-run118/fail.log", "gha-cidiff/cidiff_11/fail.log", "gha-bugswarm/2525375274.log", "gha-bugswarm/2536167204.log", "gha-bugswarm/2536803026.log", "gha-bugswarm/27530380915.log"];
    let saved = 0;
    let blockMarkers = 0;
    for (const p of logs) {
      const lines = fixtureLines(p);
      for (let i = 0; i < lines.length; i += 97) {
        const block = lines.slice(i, i + 97);
        const packed = compressRepeats(block);
        expect(expandRepeats(packed)).toEqual(block);
        saved += block.join("\n").length - packed.join("\n").length;
        blockMarkers += packed.filter((l) => /^\[= (?:the|\d+ lines copied)/.test(l)).length;
      }
    }
    expect(saved).toBeGreaterThan(1000);
    expect(blockMarkers).toBeGreaterThan(10);
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
