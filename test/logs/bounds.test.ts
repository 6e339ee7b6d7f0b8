import { describe, expect, test } from "@jest/globals";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { analyzeLog, MAX_SCAN_CHARS } from "../../src/logs/analyze-log.js";
import { EvidenceStore } from "../../src/logs/evidence.js";
import { NOT_OK } from "../../src/logs/tap-extractor.js";

describe("bounded state", () => {
  test("the evidence store never keeps more than its cap, and keeps the strongest", () => {
    const store = new EvidenceStore(100, 50);
    for (let i = 1; i <= 5_000; i++) store.push(i, `line ${i}`, i === 4_321 ? 10 : 3, i === 4_321 ? "the error" : "noise");
    const kept = store.lines();
    expect(kept.length).toBeLessThanOrEqual(101);
    expect(kept.find((k) => k.line === 4_321)?.score).toBe(10);
  });

  test("a 3 MB line without a newline is cut, and the lines after it keep their numbers", async () => {
    const big = "x".repeat(3 * 1024 * 1024);
    async function* chunks() {
      for (let i = 0; i < big.length; i += 65_536) yield Buffer.from(big.slice(i, i + 65_536));
      yield Buffer.from("\nok\nError: boom at the end\n");
    }
    const a = await analyzeLog(chunks(), { budgetTokens: 300 });
    expect(a.lines).toBe(3);
    expect(a.errors.map((e) => e.line)).toContain(3);
    expect(a.excerptTokens).toBeLessThanOrEqual(300);
  });

  test("many failing tests and errors: lists stay capped", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3_000; i++) lines.push(`--- FAIL: TestCase${i} (0.00s)`, `    case_test.go:${i + 1}: boom ${i}`);
    const a = await analyzeLog(lines.join("\n"), { budgetTokens: 500 });
    expect(a.failedTests.length).toBeLessThanOrEqual(500);
    expect(a.errors.length).toBeLessThanOrEqual(50);
    expect(a.locations.length).toBeLessThanOrEqual(50);
    expect(a.excerptTokens).toBeLessThanOrEqual(500);
    expect(a.status).toBe("failed");
  }, 90_000); // ~3 s here (6,000 lines analysed): room for a CI machine slowed 25x

  test("an empty source is an empty, unknown analysis", async () => {
    const a = await analyzeLog("");
    expect(a).toMatchObject({ lines: 0, status: "unknown", steps: [], failingStep: null, excerpts: [], excerptTokens: 0 });
  });

  // The rules backtrack in proportion to a line's length at each position: a 1 MB line of spaces after
  // `not ok 1 - ` took minutes. Reading only a line's head bounds every rule, whatever its shape.
  test("the extractors read only a line's head: what lies past it is no evidence", async () => {
    const far = `${"x".repeat(MAX_SCAN_CHARS)} No space left on device\nnext line\n`;
    const near = `${"x".repeat(100)} No space left on device\nnext line\n`;
    expect((await analyzeLog(near)).errors.map((e) => e.line)).toEqual([1]);
    expect((await analyzeLog(far)).errors).toEqual([]);
  });

  test("TAP: a test point's directive is found without a lazy name before it (a long line backtracked)", async () => {
    expect(NOT_OK.source).not.toContain(".*?");
    const tap = ["TAP version 13", "not ok 1 - skipped # SKIP no db", "not ok 2 # TODO later", "not ok 3 - has # in it", "not ok 4 - real one", "# fail 2"];
    const a = await analyzeLog(tap.join("\n"));
    expect(a.failedTests.map((t) => t.name)).toEqual(["has # in it", "real one"]);
  });

  // A step's `Run` header and echoed script reach the evidence by another way than the ring (raised when
  // the step fails, however far down): uncut, a 200 KB script line took 14 s to redact and count.
  test("a failing step's echoed script is cut like any other line", async () => {
    const ts = "2024-01-01T00:00:00.0000000Z ";
    const script = `echo ${"word ".repeat(600)}`;
    const output = Array.from({ length: 300 }, (_, i) => `${ts}output ${i}`);
    const log = [`${ts}##[group]Run echo hi`, ts + script, `${ts}shell: bash -e {0}`, `${ts}##[endgroup]`, ...output, `${ts}##[error]Process completed with exit code 1.`];
    const a = await analyzeLog(log.join("\n"), { budgetTokens: 4000 });
    const lines = a.excerpts.flatMap((e) => e.text.split("\n"));
    expect(lines).toContain(`${script.slice(0, 600)}…`);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(601);
  });

  test("the evidence store cuts a line raised by a caller", () => {
    const store = new EvidenceStore();
    store.raise(1, "y".repeat(5_000), 6, "step header");
    expect(store.lines()[0]!.text).toBe(`${"y".repeat(600)}…`);
  });

  test("the ring of recent lines holds a copy of a long line's head, not the line", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const store = new EvidenceStore();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 64; i++) store.push(i + 1, `${i} ${"y".repeat(1 << 20)}`, 0, "");
    gc();
    // 64 lines of 1 MB went by; their heads are 38 KB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 << 20);
    expect(store.current()!.text).toBe(`63 ${"y".repeat(597)}…`);
  });

  // GitHub masks the secrets it was given as ***, not values derived from them: the redactor has to see them.
  test("a secret across a long line's cut is redacted whole, not shown by its head", async () => {
    const token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const pad = (head: string, at: number) => head + "y".repeat(at - head.length) + " ";
    const lines = [
      `${pad("Error: push rejected for", 585)}${token} end`,
      `${pad("Error: cannot connect to", 570)}postgres://app:${"s3cr3t".repeat(5)}@db:5432/app`,
      "##[error]Process completed with exit code 1.",
    ];
    const a = await analyzeLog(lines.join("\n"), { budgetTokens: 2000 });
    const text = a.excerpts.map((e) => e.text).join("\n");
    expect(text).toContain("Error: push rejected for");
    expect(text).toContain("Error: cannot connect to");
    expect(text).not.toContain("ghp_");
    expect(text).not.toContain("s3cr3t");
    expect(text).toContain("postgres://[REDACTED]@");
  });

  // Redaction shortens what comes before the cut (a long URL's credentials become one marker), so the kept
  // 600 characters reach past where the redacted window ended: a token across that end showed its head.
  test("a secret across the end of the redacted window is not shown when redaction shortened the head", async () => {
    const token = "glpat-HnvnzXtsMM3JznnJAX7e";
    const url = `Error: cannot fetch https://${"u".repeat(250)}:${"p".repeat(500)}@git.example.com/o/r.git `;
    const line = `${url}${"y".repeat(1184 - url.length)} ${token} end`;
    const a = await analyzeLog([line, "##[error]Process completed with exit code 1."].join("\n"), { budgetTokens: 2000 });
    const text = a.excerpts.map((e) => e.text).join("\n");
    expect(text).toContain("Error: cannot fetch https://[REDACTED]@");
    expect(text).not.toContain("glpat-");
  });

  // A key decoded in the job (`echo "$KEY_B64" | base64 -d`) is printed line by line: each line alone is base64
  // no rule knows, and the last one is short enough to pass for a word.
  test("a private key printed over many lines is redacted down to its last line", async () => {
    const key = [
    "-----BEGIN PRIVATE KEY-----",
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDoKGptMTY/0kg0",
    "Z+88rUythLM1J0Bc2tq7PK5BwvfwJd04Nr5mUNST+cb6NxJP3522Gl21kVLu2rLv",
    "B+ZHpsn80pau9UmXqI9nmlmS81zRP7XAi3SQQEVL8f3vUtmJmtiWebj2U7G2U7gu",
    "AaOfYFCx3qtjWjFf8qkIHelw+vZm507C9oQ/yb4Pb9akBUAZgn3MsiJ3oYRNWYsz",
    "jpaqaP88AM5TncO/vZl2pIb5ROSshsm5Qbx4Sw0uKc4DSztRQ6IwEfmZn2jp57hP",
    "ITx4sMcaaRjGiLC4k3c/DPVqJOwT9YR/HymsSECK4xMYEpkpqBuoa97othvVb27v",
    "0G10aJJjAgMBAAECggEAahzHAF/E/wjbbfCvndlMOed0jfAB8C8sWPaUY4R9FSwJ",
    "YD9NabC6aWR6eTWgzhdUm76TZIEnGfumW7ENpWRr4H5U12VQHNyzp1QaaxuHKjFn",
    "nrlfLuvhgKP8QF5rBgVbx/OdAiIhEUhU39pp8lfwqkwvpDq+ZK+iaQ5a/AQJieCC",
    "1YzBm50S0l3WmL3kU0PldMwcGEjSo8iJzB/kVeUVb7lQh4Zc5Tc2XG0Odsni7Lt3",
    "q3C6vlmw3Uci0tkiNmVHN3wJezbrh6XjOPHxqIVsSMleh9vJy3Tw6qSG0M8S8g0w",
    "Y14wU0eAQgPr9NoPJRT5ekqAHoL5IXVlBSuKtsWAAQKBgQD8eIKetnm1YjzkP3L/",
    "WkeXG3YlKj6P6znMHs1Z7kwgZek6qBkitBo4XkWCmoUBwfuf+JQHZZ0cGHbUDPw/",
    "TDihqW6YBQyGq251ToYHj7306gNGaTOVsWylvci+iwd1zZcgtYVdSIzU3tFdWrgr",
    "Ql6DM7VXk8FC+7xSd3aRRflSYwKBgQDrZzbKUFABKSWSivTZbDPLCiKXWhQKQ8rN",
    "HeKA5GeATOcgZG6egJdkhEnVBGe6Cw7w+zmOE4E1l0sAyDgw+/Z4DfBQXcOMON9U",
    "XGy6QGi+FjK9GYzYt1vEY+GJWywG2VyDsa8Hl+QJLo8QrDNzSU1inxXDcgVnbkLw",
    "WZ0/W1fAAQKBgQDdRkW9EtMjDSGvLoj8ksSSBIiM1DSW8KPsacazHi7sakV6ml/F",
    "UbJ1WvJzIDiYrMp7j2M2BHIpcKuc+HCQjZ5I2fXLGQm8cj3SZGsF746ePAd4y7Vh",
    "amp97RMnJTT5o6HkEhP8CR0daNh4iI1HpNivBz/VrPNCYN3SLU/mzTxSXwKBgCVP",
    "J4TrM7LrZZQTR/lJx++vPIpGcZSq5/KYgPSyvqC8D4m3wTyH3vbEbLtBRntbE1Qo",
    "TRfyiXEH+JA4K4e/93FRrDvgkISh4uuI9oaSfMdb11DXQtZ6QSYgOne9pn2zZ5FL",
    "0RTgAvldkrkuwbzM6mHuGtHuOWMKO7vCSETpYkABAoGBAIyq2Iss8sl+7UQje96U",
    "v1JhG3iHUxWCuZZPI2TaLQ+uRGD+gvTXFNFtBxW3RN0BxD7hTHcIFN0sS3G4Q4wd",
    "CIphK/fEn5o+d8/bujV2ZgUrD/SQcTLKxpgM9BKGfHAO/vWjMALHvacbJjEWCXRN",
    "BKvekcBaw3RQtdlv9hM9NzlI",
    "-----END PRIVATE KEY-----",
    ];
    const log = ["Run ./deploy.sh", "writing deploy key:", ...key, "Error: Permission denied (publickey).", "##[error]Process completed with exit code 1."];
    const a = await analyzeLog(log.join("\n"), { budgetTokens: 2000 });
    const text = a.excerpts.map((e) => e.text).join("\n");
    expect(text).toContain("Error: Permission denied (publickey).");
    for (const line of key.slice(1, -1)) for (let i = 0; i + 12 <= line.length; i++) expect(text).not.toContain(line.slice(i, i + 12));
  });
});
