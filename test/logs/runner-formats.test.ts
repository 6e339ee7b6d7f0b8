import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";

// Runners the labelled log set has no sample of, in the raw Actions log form; each fixture's source is in
// fixtures/logs/ATTRIBUTION.md.
const snippet = (name: string) => readFileSync(new URL(`../../fixtures/logs/snippets/${name}`, import.meta.url), "utf8");
const errorTexts = (a: Awaited<ReturnType<typeof analyzeLog>>) => a.errors.map((e) => e.text);

describe("CTest", () => {
  test("each failed, crashed or timed-out test is named, from its result line and the end-of-run list", async () => {
    const a = await analyzeLog(snippet("ctest.log"));
    expect(a.status).toBe("failed");
    expect(a.failedTests.map((t) => t.name)).toEqual(["math_sum", "io_crash", "net_slow"]);
    // The test's own output is a `file:line:` message, not a compiler error; one test timed out, which may pass on retry.
    expect(a.classification).toBe("flaky-suspect");
    expect(errorTexts(a)).toEqual(
      expect.arrayContaining([
        "2/4 Test #2: math_sum .........................***Failed    0.01 sec",
        "sum_test.c:12: expected 5, got -1",
        "The following tests FAILED:",
      ]),
    );
  });

  test("a passing run names no test and has no errors", async () => {
    const a = await analyzeLog(snippet("ctest-passed.log"));
    expect(a.status).toBe("passed");
    expect(a.failedTests).toEqual([]);
    expect(a.errors).toEqual([]);
  });
});

describe("XCTest (swift-corelibs-xctest)", () => {
  test("the failed test case is named; its assertion is a test failure at file:line, not a compile error", async () => {
    const a = await analyzeLog(snippet("xctest-linux.log"));
    expect(a.failedTests).toEqual([{ name: "SingleFailingTestCase.test_fails" }]);
    expect(a.classification).toBe("test");
    expect(a.locations).toContainEqual({ path: "/home/runner/work/swift-corelibs-xctest/swift-corelibs-xctest/Tests/Functional/SingleFailingTestCase/main.swift", line: 22 });
    expect(a.errors.find((e) => e.text.includes("XCTAssertTrue failed"))?.kind).toBe("test-failure");
  });
});

describe("ExUnit", () => {
  test("`N) name (Module)` over its file:line names the test; `** (Error)` is the error", async () => {
    const a = await analyzeLog(snippet("exunit.log"));
    expect(a.failedTests).toEqual([{ name: "world (Hello)", file: "test/ex_unit/formatter_test.exs", line: 1 }]);
    expect(a.classification).toBe("test");
    expect(errorTexts(a)).toContain("** (RuntimeError) oops");
  });

  test("a numbered failure of another runner (RSpec, mocha) is not taken for ExUnit's", async () => {
    const log = ["  1) Cart totals adds tax (Cart)", "     Failure/Error: expect(total).to eq(110)", "", "1 example, 1 failure"].join("\n");
    expect((await analyzeLog(log)).failedTests).toEqual([]);
  });
});

describe("Playwright", () => {
  test("the list reporter's ✘ lines and the failure headers name each test with its project and file", async () => {
    const a = await analyzeLog(snippet("playwright.log"));
    expect(a.failedTests).toEqual([
      { name: "[foo] › fails", file: "a.test.ts", line: 6 },
      { name: "[bar] › fails", file: "a.test.ts", line: 6 },
    ]);
    expect(a.classification).toBe("test");
    expect(errorTexts(a)).toContain("Error: expect(received).toBe(expected) // Object.is equality");
  });
});

describe("a failing test's line", () => {
  test("is kept where the runner prints one (RSpec's re-run command)", async () => {
    const log = "Failed examples:\n\nrspec ./spec/cart_spec.rb:12 # Cart totals adds tax\n";
    expect((await analyzeLog(log)).failedTests).toEqual([{ name: "Cart totals adds tax", file: "./spec/cart_spec.rb", line: 12 }]);
  });
});

describe("dotnet test (xUnit through the VSTest console logger)", () => {
  test("the line under `Error Message:` is the error, and a frame's `in path:line N` is a location", async () => {
    const a = await analyzeLog(snippet("dotnet-xunit.log"));
    expect(a.failedTests.map((t) => t.name)).toEqual(["WindowLogger.Presentation.Tests.Forms.MainFormTests.RefreshActivityGrid_WithActivities_ShouldDisplayData"]);
    expect(a.classification).toBe("test");
    expect(a.errors.find((e) => e.text === "Expected dataSource not to be <null>.")?.kind).toBe("exception");
    expect(a.locations).toContainEqual({ path: "D:\\a\\window-logger\\window-logger\\tests\\WindowLogger.Presentation.Tests\\Forms\\MainFormTests.cs", line: 138 });
  });
});

describe("bun test", () => {
  test("`(fail) suite > test` names the test; `(pass)` and `(skip)` lines do not", async () => {
    const a = await analyzeLog(snippet("bun.log"));
    expect(a.failedTests).toEqual([{ name: "Example test › add two numbers with type" }]);
    expect(a.classification).toBe("test");
    expect(errorTexts(a)).toContain("error: expect(received).toBe(expected)");
  });
});

describe("deno test", () => {
  test("`name => ./file:line:col` names each failed test with its place; `file://` frames are locations", async () => {
    const a = await analyzeLog(snippet("deno.log"));
    expect(a.failedTests).toEqual([
      { name: "test 0", file: "./main.ts", line: 1 },
      { name: "test 1", file: "./main.ts", line: 4 },
    ]);
    expect(a.classification).toBe("test");
    expect(a.locations).toContainEqual({ path: "/home/runner/work/app/app/main.ts", line: 2, column: 9 });
    expect(errorTexts(a)).toContain("test 0 ... FAILED (2ms)");
  });
});

describe("dart test", () => {
  const expectDart = async (name: string, frames: number[]) => {
    const a = await analyzeLog(snippet(name));
    expect(a.failedTests).toEqual([{ name: "failure 1" }, { name: "failure 2" }]);
    expect(a.classification).toBe("test");
    expect(a.errors.filter((e) => e.text === "oh no").map((e) => e.kind)).toEqual(["exception", "exception"]);
    for (const line of frames) expect(a.locations).toContainEqual({ path: "test.dart", line, column: 33 });
  };
  test("the GitHub reporter (the default on Actions): each `❌ name (failed)` group names a test", async () => {
    await expectDart("dart-github.log", [6, 8]);
  });
  test("the expanded reporter: `+0 -1: name [E]` names a test; its message and `file line:col` frame follow", async () => {
    await expectDart("dart-expanded.log", [6, 7]);
  });
  test("a file that fails to load is a failure, not a test named `loading …`", async () => {
    // dart-lang/test pkgs/test/test/runner/runner_test.dart, "a test file throws".
    const a = await analyzeLog(["00:00 +0 -1: loading test.dart [E]", '  Failed to load "test.dart": oh no', "", "00:00 +0 -1: Some tests failed."].join("\n"));
    expect(a.status).toBe("failed");
    expect(a.failedTests).toEqual([]);
    expect(errorTexts(a)).toContain('Failed to load "test.dart": oh no');
  });
});

describe("bats (TAP)", () => {
  test("`# (in test file x.bats, line N)` is the failure's place, not the next failing test's name", async () => {
    const a = await analyzeLog(snippet("bats.log"));
    expect(a.failedTests.map((t) => t.name)).toEqual(["a failing test"]);
    expect(a.locations).toEqual(
      expect.arrayContaining([
        { path: "test/fixtures/bats/failing.bats", line: 4 },
        { path: "test/fixtures/bats/failing_and_passing.bats", line: 2 },
      ]),
    );
    expect(errorTexts(a)).toContain("#   `false' failed");
  });
});

describe("XCTest (macOS)", () => {
  test("`-[Module.Class test]` is named Module.Class.test; its assertion is a test failure at file:line", async () => {
    const a = await analyzeLog(snippet("xctest-macos.log"));
    expect(a.failedTests).toEqual([{ name: "XcbeautifyLibTests.XcbeautifyLibTests.testAggregateTarget" }]);
    expect(a.classification).toBe("test");
    expect(a.locations).toContainEqual({ path: "/Users/andres/Git/xcbeautify/Tests/XcbeautifyLibTests/XcbeautifyLibTests.swift", line: 13 });
    expect(a.errors.find((e) => e.text.includes("XCTAssertEqual failed"))?.kind).toBe("test-failure");
  });
});

describe("dotnet test: data-driven tests keep their arguments", () => {
  test("VSTest console logger: xUnit theories, NUnit TestCases and MSTest DataRows are each named as printed", async () => {
    const a = await analyzeLog(snippet("dotnet-data-driven.log"));
    expect(a.failedTests.map((t) => t.name)).toEqual([
      "Calc.XunitTests.CalcTests.Adds(a: 1, b: 2, expected: 4)",
      "Calc.XunitTests.CalcTests.Adds(a: -1, b: -2, expected: -4)",
      "Divides(1,0)",
      "Adds(2,2,5)",
      "Subtracts (5,3,1)",
    ]);
    expect(a.classification).toBe("test");
    expect(errorTexts(a)).toEqual(
      expect.arrayContaining(["System.DivideByZeroException : Attempted to divide by zero.", "Assert.AreEqual failed. Expected:<1>. Actual:<2>."]),
    );
    expect(a.locations).toContainEqual({ path: "/home/runner/work/calc/calc/tests/Calc.NUnitTests/CalcTests.cs", line: 12 });
  });

  test("the message under `Error Message:` runs to `Stack Trace:`, its later lines included", async () => {
    // NUnit's Assert.Multiple reports each failed assertion in one message, longer than the context kept after a
    // line; 200 lines of other output put it out of reach of the failing step's tail.
    const filler = Array.from({ length: 200 }, (_, i) => `  Restored /home/runner/work/app/app/src/P${i}/P${i}.csproj (in 12 ms).`);
    const body = [
      "  Failed Total(3,30) [4 ms]",
      "  Error Message:",
      "   Multiple failures or warnings in test:",
      "  1)   Assert.That(cart.Count, Is.EqualTo(3))",
      "  Expected: 3",
      "  But was:  2",
      "",
      "  2)   Assert.That(cart.Total, Is.EqualTo(30))",
      "  Expected: 30",
      "  But was:  27",
      "",
      "  3)   Assert.That(cart.Tax, Is.EqualTo(3))",
      "  Expected: 3",
      "  But was:  0",
      "",
      "  Stack Trace:",
      "     at Shop.Tests.CartTests.Total(Int32 items, Int32 expected) in /src/tests/CartTests.cs:line 22",
      "",
      ...filler,
      "Failed!  - Failed:     1, Passed:     9, Skipped:     0, Total:    10, Duration: 40 ms - Shop.Tests.dll (net8.0)",
    ];
    const lines = ["##[group]Run dotnet test", "shell: /usr/bin/bash -e {0}", "##[endgroup]", ...body, "##[error]Process completed with exit code 1."];
    const a = await analyzeLog(lines.map((l, i) => `2025-03-04T10:00:${String(i % 60).padStart(2, "0")}.1234567Z ${l}`).join("\n"));
    const shown = a.excerpts.map((e) => e.text).join("\n");
    expect(shown).toContain("3)   Assert.That(cart.Tax, Is.EqualTo(3))");
    expect(shown).toContain("But was:  0");
    expect(a.failedTests).toEqual([{ name: "Total(3,30)" }]);
  });

  test("the message's first line is the error even after a blank line under the banner", async () => {
    const log = ["  Failed Shop.Tests.CartTests.Empty [2 ms]", "  Error Message:", "", "   Expected cart.Items to be empty, but found 1 item.", "  Stack Trace:"].join("\n");
    expect((await analyzeLog(log)).errors.find((e) => e.text === "Expected cart.Items to be empty, but found 1 item.")?.kind).toBe("exception");
  });

  test("a plain log that ends in the testing platform's passing summary passed", async () => {
    const log = ["Test run summary: Passed! - /src/tests/Calc.Tests/bin/Debug/net9.0/Calc.Tests.dll (net9.0|x64)", "  total: 6", "  failed: 0", "  succeeded: 6", "  skipped: 0", "  duration: 812ms"].join("\n");
    expect((await analyzeLog(log)).status).toBe("passed");
  });

  test("Microsoft.Testing.Platform: `failed Name (4ms)` names the test; the lines indented under it are its error and frames", async () => {
    const a = await analyzeLog(snippet("dotnet-mtp.log"));
    expect(a.failedTests.map((t) => t.name)).toEqual(["Calc.Tests.CalcTests.Adds(a: 1, b: 2, expected: 4)", "Calc.Tests.CalcTests.Divides(a: 1, b: 0)"]);
    expect(a.classification).toBe("test");
    expect(a.errors.find((e) => e.text === "Assert.Equal() Failure: Values differ")?.kind).toBe("exception");
    // The platform writes a frame's source as `in path:14`, without VSTest's `line`.
    expect(a.locations).toContainEqual({ path: "/home/runner/work/calc/calc/tests/Calc.Tests/CalcTests.cs", line: 14 });
    expect(a.locations).toContainEqual({ path: "/home/runner/work/calc/calc/src/Calc/Calculator.cs", line: 9 });
  });

  test("a line that only starts with `Failed` names no test", async () => {
    const log = "Failed to download package 'Newtonsoft.Json.13.0.3' from 'https://api.nuget.org/v3-flatcontainer/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg'.\n";
    expect((await analyzeLog(log)).failedTests).toEqual([]);
  });
});

describe("Playwright 1.40+ (list reporter, retries)", () => {
  test("`✘  2 [project] › file › title` and the failure headers name a failing test once; a test the summary lists as flaky is not failing", async () => {
    const a = await analyzeLog(snippet("playwright-retries.log"));
    expect(a.failedTests).toEqual([{ name: "[chromium] › cart › applies a coupon", file: "tests/cart.spec.ts", line: 12 }]);
    expect(errorTexts(a)).toContain("Error: expect(locator).toHaveText(expected) failed");
  });

  test("a flaky test whose header names its failing step is still the flaky test", async () => {
    const log = [
      "  ✘  1 [webkit] › tests/login.spec.ts:8:5 › logs in (2.3s)",
      "  ✓  2 [webkit] › tests/login.spec.ts:8:5 › logs in (retry #1) (2.0s)",
      "",
      "  1) [webkit] › tests/login.spec.ts:8:5 › logs in › submit the form ───────────────────────────────",
      "",
      "    Error: locator.click: Target page, context or browser has been closed",
      "",
      "  1 flaky",
      "    [webkit] › tests/login.spec.ts:8:5 › logs in ───────────────────────────────────────────────────",
      "  4 passed (9.1s)",
    ].join("\n");
    expect((await analyzeLog(log)).failedTests).toEqual([]);
  });

  test("the `N failed` list names the failing tests even when the failures above it were cut off", async () => {
    const log = ["  2 failed", "    [chromium] › tests/a.spec.ts:3:5 › suite › one ──────", "    tests/b.spec.ts:9:1 › two ──────", "  1 passed (3.0s)"].join("\n");
    expect((await analyzeLog(log)).failedTests).toEqual([
      { name: "[chromium] › suite › one", file: "tests/a.spec.ts", line: 3 },
      { name: "two", file: "tests/b.spec.ts", line: 9 },
    ]);
  });
});

describe("Swift Testing", () => {
  test("`✘ Test name recorded an issue at File.swift:l:c` names the test and its place; suites and the run are not tests", async () => {
    const a = await analyzeLog(snippet("swift-testing.log"));
    expect(a.failedTests).toEqual([{ name: "addition()" }, { name: "Division by zero throws" }, { name: "subtraction(a:b:expected:)" }]);
    expect(a.classification).toBe("test");
    expect(a.locations).toEqual(
      expect.arrayContaining([
        { path: "CalculatorTests.swift", line: 12, column: 5 },
        { path: "CalculatorTests.swift", line: 24, column: 5 },
      ]),
    );
    expect(a.errors.find((e) => e.text.startsWith("↳ Expected CalcError.divisionByZero"))?.kind).toBe("exception");
  });

  test("Windows' `×` symbol, and SF Symbols' on a macOS terminal, mark the same failures", async () => {
    const log = [
      "× Test parsesDates() recorded an issue at DateTests.swift:7:9: Expectation failed: (parsed → nil) != nil",
      "× Test parsesDates() failed after 0.001 seconds with 1 issue.",
      "\u{100884}  Test \"Formats money\" recorded an issue at MoneyTests.swift:30:5: Caught error: FormatError.badLocale",
      "\u{100884}  Test \"Formats money\" failed after 0.010 seconds with 1 issue.",
    ].join("\n");
    const a = await analyzeLog(log);
    expect(a.failedTests).toEqual([{ name: "parsesDates()" }, { name: "Formats money" }]);
    expect(a.locations).toContainEqual({ path: "MoneyTests.swift", line: 30, column: 5 });
  });

  test("a known issue and a passing test are not failures", async () => {
    const log = [
      "◇ Test rounding() started.",
      "━ Test rounding() recorded a known issue at MathTests.swift:4:5: Expectation failed: 1.0 == 1.1",
      "━ Test rounding() passed after 0.001 seconds with 1 known issue.",
      "✔ Test run with 1 test passed after 0.002 seconds with 1 known issue.",
    ].join("\n");
    const a = await analyzeLog(log);
    expect(a.failedTests).toEqual([]);
    expect(a.status).toBe("passed");
  });
});
