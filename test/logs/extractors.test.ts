import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";
import { ErrorExtractor } from "../../src/logs/error-extractors.js";
import { mayCarrySignal } from "../../src/logs/prefilter.js";
import { dedupeTests, normalizeTestName, sameTest } from "../../src/logs/test-names.js";

const snippet = (name: string) => readFileSync(new URL(`../../fixtures/logs/snippets/${name}`, import.meta.url), "utf8");
const names = async (text: string) => (await analyzeLog(text)).failedTests.map((t) => t.name);

describe("failing tests from real snippets", () => {
  test("Maven Surefire (CRLF)", async () => {
    expect(await names(snippet("maven-surefire.crlf.log"))).toEqual(["com.alibaba.fastjson2.JSONReaderStrTest.test_UUID"]);
  });
  test("Surefire parameterised methods take the class from the 'in' header", async () => {
    const found = await names(snippet("maven-parameterised.log"));
    expect(found).toContain("org.dromara.hertzbeat.manager.service.MonitorServiceTest.getMonitor");
    expect(found.every((n) => n.startsWith("org.dromara.hertzbeat.manager.service.MonitorServiceTest."))).toBe(true);
  });
  test("jest", async () => {
    expect(await names(snippet("jest.log"))).toEqual(["victory-core › should export everything"]);
  });
  test("unittest, including loader failures with dotted ids", async () => {
    const found = await names(snippet("unittest.log"));
    expect(found).toEqual(
      expect.arrayContaining([
        "tests.test_detectron2 (unittest.loader._FailedTest)",
        "test_convert_original_predictions_with_mask_output (tests.test_mmdetectionmodel.TestMmdetDetectionModel)",
      ]),
    );
    expect(found.some((n) => n.startsWith("pip"))).toBe(false);
  });
  test("pytest short summary and xdist progress", async () => {
    const summary = await names(snippet("pytest-summary.log"));
    expect(summary).toContain("tests/deployment/sagemaker/test_sagemaker.py::test_sagemaker_apply_success");
    expect(await names(snippet("pytest-xdist.log"))).toEqual(["tests/integration/test_mongodb.py::TestMongoCache::test_ttl"]);
  });
  test("pytest FAILURES section headers", async () => {
    const a = await analyzeLog(snippet("pytest-failures-section.log"));
    expect(a.failedTests.map((t) => t.name)).toContain("kat[MergeSlashesDisabled]");
    expect(a.errors.some((e) => e.text.startsWith("E   AssertionError"))).toBe(true);
  });
  test("Gradle", async () => {
    expect(await names(snippet("gradle.log"))).toEqual(["DownloadExtensionTest.downloadSingleFileError()"]);
  });
  test("Gradle test with a Java stack trace: exception and frames are located", async () => {
    const a = await analyzeLog(snippet("gradle-java-trace.log"));
    expect(a.failedTests.map((t) => t.name)).toEqual(["ConsoleClientTest.testClassicParsing()"]);
    expect(a.locations).toEqual(expect.arrayContaining([{ path: "LogParser.java", line: 39 }]));
    expect(a.errors.map((e) => e.kind)).toContain("exception");
  });
  test("Ant / JUnit platform console", async () => {
    const found = await names(snippet("ant-junit.log"));
    expect(found).toEqual(["com.exedio.cope.vault.VaultFileServicePropertiesProbeTest.probeGroups", "com.exedio.cope.vault.VaultFileServicePosixGroupTest.putStreamInfo"]);
  });
  test("go test, with subtests", async () => {
    const found = await names(snippet("go-test.log"));
    expect(found).toEqual(expect.arrayContaining(["TestCloud_PrepareConfig", "TestCloud_PrepareConfigWithEnvVars/with_no_organization_attribute_or_env_var"]));
  });
});

describe("errors, locations and classification from real snippets", () => {
  test("javac errors through Maven: compile, with file:[line,col]", async () => {
    const a = await analyzeLog(snippet("javac-maven.log"));
    expect(a.classification).toBe("compile");
    expect(a.locations[0]).toEqual({ path: "/home/runner/work/auto/auto/value/src/it/functional/src/test/java/com/google/auto/value/CompileWithEclipseTest.java", line: 42, column: 46 });
  });
  test("go panic is an exception with its stack", async () => {
    const a = await analyzeLog(snippet("go-panic.log"));
    expect(a.failedTests.map((t) => t.name)).toContain("TestCloud_applyBasic");
    expect(a.errors.some((e) => e.kind === "exception" && e.text.startsWith("panic:"))).toBe(true);
  });
  test("go panic's frames are its trace: Go's own sources are no location, the repository's test file is", async () => {
    const a = await analyzeLog(snippet("go-panic.log"));
    const paths = a.locations.map((l) => l.path);
    expect(paths).toContain("/home/runner/work/terraform/terraform/internal/cloud/backend_apply_test.go");
    expect(paths.filter((p) => p.includes("/hostedtoolcache/go/"))).toEqual([]);
    // A frame's `+0x5b9` (its pc offset) is not a message at the location.
    expect(a.excerpts.map((e) => e.reason)).not.toContain("message at a source location");
  });
  test("docker registry fetch failure is infra", async () => {
    expect((await analyzeLog(snippet("docker-infra.log"))).classification).toBe("infra");
  });
  test("staticcheck findings are lint, with locations", async () => {
    const a = await analyzeLog(snippet("staticcheck.log"));
    expect(a.classification).toBe("lint");
    expect(a.locations).toContainEqual({ path: "internal/states/instance_object_test.go", line: 63, column: 3 });
  });
  test("go.mod out of date is a dependency problem", async () => {
    expect((await analyzeLog(snippet("go-mod-tidy.log"))).classification).toBe("dependency");
  });
});

// Tools that the shared log set has no sample of: short samples in each tool's documented output format.
describe("tool formats without a shared sample", () => {
  const cases: { tool: string; log: string; tests?: string[]; location?: object; classification: string }[] = [
    {
      tool: "cargo test",
      log: "running 2 tests\ntest parser::tests::parses_empty ... ok\ntest parser::tests::parses_header ... FAILED\n\nfailures:\n\n---- parser::tests::parses_header stdout ----\nthread 'parser::tests::parses_header' panicked at src/parser.rs:41:9:\nassertion `left == right` failed\n\ntest result: FAILED. 1 passed; 1 failed\nerror: test failed, to rerun pass `--lib`\n",
      tests: ["parser::tests::parses_header"],
      location: { path: "src/parser.rs", line: 41, column: 9 },
      classification: "test",
    },
    {
      tool: "rustc",
      log: "   Compiling demo v0.1.0\nerror[E0425]: cannot find value `x` in this scope\n --> src/main.rs:3:13\n  |\n3 |     let y = x + 1;\n  |             ^ not found in this scope\n\nerror: could not compile `demo` due to previous error\n",
      location: { path: "src/main.rs", line: 3, column: 13 },
      classification: "compile",
    },
    {
      tool: "tsc",
      log: "> tsc -p .\nsrc/index.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\nnpm ERR! code ELIFECYCLE\n",
      location: { path: "src/index.ts", line: 12, column: 5 },
      classification: "compile",
    },
    {
      tool: "gcc",
      log: "gcc -c main.c\nmain.c:5:3: error: 'y' undeclared (first use in this function)\nmake: *** [Makefile:4: main.o] Error 1\n",
      location: { path: "main.c", line: 5, column: 3 },
      classification: "compile",
    },
    {
      tool: "eslint",
      log: "\n/home/runner/work/app/app/src/a.js\n  3:7  error  'x' is assigned a value but never used  no-unused-vars\n  9:1  warning  Unexpected console statement  no-console\n\n✖ 2 problems (1 error, 1 warning)\n",
      location: { path: "/home/runner/work/app/app/src/a.js", line: 3, column: 7 },
      classification: "lint",
    },
    {
      tool: "mypy",
      log: "src/app/models.py:27: error: Incompatible return value type (got \"str\", expected \"int\")  [return-value]\nFound 1 error in 1 file (checked 12 source files)\n",
      location: { path: "src/app/models.py", line: 27 },
      classification: "lint",
    },
    {
      tool: "ruff",
      log: "src/app/util.py:4:8: F401 [*] `os` imported but unused\nFound 1 error.\n",
      location: { path: "src/app/util.py", line: 4, column: 8 },
      classification: "lint",
    },
    {
      tool: "npm ERESOLVE",
      log: "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nnpm ERR! Found: react@18.2.0\n",
      classification: "dependency",
    },
    {
      tool: "pip",
      log: "ERROR: Could not find a version that satisfies the requirement torch==9.9 (from versions: 2.0.0)\nERROR: No matching distribution found for torch==9.9\n",
      classification: "dependency",
    },
    {
      tool: "Python traceback",
      log: 'Traceback (most recent call last):\n  File "/home/runner/work/app/app/run.py", line 8, in <module>\n    main()\nValueError: bad config\n',
      location: { path: "/home/runner/work/app/app/run.py", line: 8 },
      classification: "unknown",
    },
    {
      tool: "Node stack",
      log: "TypeError: Cannot read properties of undefined (reading 'x')\n    at parse (/home/runner/work/app/app/src/parse.js:14:22)\n    at Object.<anonymous> (/home/runner/work/app/app/node_modules/lib/index.js:3:1)\n",
      location: { path: "/home/runner/work/app/app/src/parse.js", line: 14, column: 22 },
      classification: "unknown",
    },
    {
      tool: "RSpec",
      log: "Failures:\n\n  1) Cart totals adds tax\n     Failure/Error: expect(total).to eq(110)\n\nFailed examples:\n\nrspec ./spec/cart_spec.rb:12 # Cart totals adds tax\n",
      tests: ["Cart totals adds tax"],
      classification: "test",
    },
    {
      tool: "minitest",
      log: "  1) Failure:\nCartTest#test_total [test/cart_test.rb:8]:\nExpected: 110\n  Actual: 100\n\n3 runs, 3 assertions, 1 failures, 0 errors, 0 skips\n",
      tests: ["CartTest#test_total"],
      classification: "test",
    },
    {
      tool: "PHPUnit",
      log: "There was 1 failure:\n\n1) Tests\\Unit\\CartTest::testTotal\nFailed asserting that 100 matches expected 110.\n\n/app/tests/Unit/CartTest.php:14\n\nFAILURES!\nTests: 3, Assertions: 3, Failures: 1.\n",
      tests: ["Tests\\Unit\\CartTest::testTotal"],
      location: { path: "/app/tests/Unit/CartTest.php", line: 14 },
      classification: "test",
    },
    {
      tool: "dotnet test",
      log: "  Failed Shop.Tests.CartTests.Total_IncludesTax [12 ms]\n  Error Message:\n   Assert.Equal() Failure\nFailed!  - Failed:     1, Passed:    10, Skipped:     0, Total:    11\n",
      tests: ["Shop.Tests.CartTests.Total_IncludesTax"],
      classification: "test",
    },
    {
      tool: "C# compiler via MSBuild",
      log: "Program.cs(7,23): error CS1002: ; expected [/src/app/app.csproj]\nBuild FAILED.\n",
      location: { path: "Program.cs", line: 7, column: 23 },
      classification: "compile",
    },
    {
      tool: "Jenkins",
      log: "[Pipeline] sh\n+ make\nmake: *** [all] Error 2\nFinished: FAILURE\n",
      classification: "unknown",
    },
    {
      tool: "vitest",
      log: " FAIL  src/sum.test.ts > sum > adds negatives\nAssertionError: expected -1 to be -2\n",
      tests: ["sum › adds negatives"],
      classification: "test",
    },
    {
      tool: "Ant JUnit, outcome on the line after the Testcase",
      log: [
        "    [junit] Testsuite: wyc.testing.AllValidVerificationTest",
        "    [junit] Tests run: 3, Failures: 1, Errors: 1, Skipped: 0, Time elapsed: 0.5 sec",
        "    [junit] Testcase: validVerification[Lambda_Valid_6] took 0.097 sec",
        "    [junit] \tCaused an ERROR",
        "    [junit] java.lang.RuntimeException: unknown bytecode encountered",
        "    [junit] Testcase: validVerification[Record_Valid_1] took 0.01 sec",
        "    [junit] loading fixtures",
        "    [junit] \tFAILED",
        "    [junit] Testcase: validVerification[FunctionRef_Valid_7] took 0.062 sec",
        "    [junit] \tFAILED",
        "    [junit] expected:<1> but was:<2>",
        "    [junit] Test wyc.testing.AllValidVerificationTest FAILED",
        "BUILD FAILED",
      ].join("\n"),
      tests: ["wyc.testing.AllValidVerificationTest.validVerification[Lambda_Valid_6]", "wyc.testing.AllValidVerificationTest.validVerification[FunctionRef_Valid_7]"],
      classification: "test",
    },
    {
      tool: "Surefire 2.x end-of-run summary (JUnit and TestNG entries)",
      log: [
        "Results :",
        "",
        "Failed tests: ",
        "  BasicsTestCase.testOBORoundTripEscapeChars:673 Expected no diffs. expected:<0> but was:<2>",
        "  BasicsTestCase.testWriteCurlyBraces:206 null",
        "Tests in error: ",
        "  RoundTripTestCase.testRoundTripOWLRO:217->OboFormatTestBasics.convert:91 » OWLRuntime",
        "  testUpload on instance testUpload(org.example.UploadTest)(org.example.UploadTest): boom",
        "",
        "Tests run: 4728, Failures: 2, Errors: 2, Skipped: 1",
        "  Leftover.line:12 after the list is not a test",
        "[INFO] BUILD FAILURE",
      ].join("\n"),
      tests: ["BasicsTestCase.testOBORoundTripEscapeChars", "BasicsTestCase.testWriteCurlyBraces", "RoundTripTestCase.testRoundTripOWLRO", "org.example.UploadTest.testUpload"],
      classification: "test",
    },
    {
      tool: "Surefire 2.22 [ERROR] Failures, a message over several lines",
      log: [
        "[ERROR] Failures: ",
        "[ERROR]   CodegenTest.aliases share one adapter:372 expected:<...endObject()",
        "  }",
        "}[]> but was:<...endObject()>",
        "[ERROR]   CodegenTest.nullable:40 expected:<1> but was:<2>",
        "[INFO] ",
        "[ERROR] Tests run: 80, Failures: 2, Errors: 0, Skipped: 0",
        "[INFO] BUILD FAILURE",
      ].join("\n"),
      tests: ["CodegenTest.aliases share one adapter", "CodegenTest.nullable"],
      classification: "test",
    },
    {
      tool: "Surefire 3 (`-- Time elapsed`)",
      log: [
        "[ERROR] Tests run: 1, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.019 s <<< FAILURE! -- in com.example.ValidatorTest",
        "[ERROR] com.example.ValidatorTest.noAssert -- Time elapsed: 0.012 s <<< FAILURE!",
        "org.opentest4j.AssertionFailedError: expected: <1> but was: <2>",
        "[INFO] BUILD FAILURE",
      ].join("\n"),
      tests: ["com.example.ValidatorTest.noAssert"],
      classification: "test",
    },
    {
      tool: "nose (dotted path, generator test arguments)",
      log: [
        "======================================================================",
        "FAIL: test.rosdep_duplicates_test.test_rosdep_duplicates",
        "----------------------------------------------------------------------",
        "AssertionError: duplicate keys",
        "======================================================================",
        "FAIL: sklearn.tests.test_common.test_all_estimators('GMM', <class 'sklearn.mixture.gmm.GMM'>)",
        "----------------------------------------------------------------------",
        "FAILED (failures=2)",
      ].join("\n"),
      tests: ["test.rosdep_duplicates_test.test_rosdep_duplicates", "sklearn.tests.test_common.test_all_estimators('GMM', <class 'sklearn.mixture.gmm.GMM'>)"],
      classification: "test",
    },
    {
      tool: "pytest summary, a parameter id with spaces",
      log: "FAILED tests/test_core.py::test_span[ok 2:30pm now-valid_spans10-sys_time] - AssertionError: assert 1 == 2\n==== 1 failed, 40 passed in 2.1s ====\n",
      tests: ["tests/test_core.py::test_span[ok 2:30pm now-valid_spans10-sys_time]"],
      classification: "test",
    },
    {
      tool: "pytest under tox: a doctest, a name too long for more than one underscore, the result line, then tox's own summary",
      log: [
        "sklearn/cluster/bicluster.py .F",
        "=================================== FAILURES ===================================",
        "___________ [doctest] sklearn.cluster.bicluster.SpectralCoclustering ___________",
        "sklearn/cluster/bicluster.py:268: DocTestFailure",
        "_ TestVerifiedJWTGrantToken.test_init_raises_for_missing_claims[nbf-start time] __",
        "tests/h/oauth/jwt_grant_token_test.py:128: AssertionError",
        "====== 2 failed, 9626 passed, 29 skipped, 1275 warnings in 732.00 seconds ======",
        "ERROR: InvocationError: '.tox/py27/bin/pytest tests/'",
        "___________________________________ summary ____________________________________",
        "ERROR:   py27: commands failed",
      ].join("\n"),
      tests: ["sklearn.cluster.bicluster.SpectralCoclustering", "TestVerifiedJWTGrantToken.test_init_raises_for_missing_claims[nbf-start time]"],
      classification: "test",
    },
    {
      tool: "jest: a late console call is not a test",
      log: ["  ● Cart › adds an item", "", "    expect(received).toBe(expected)", "", "  ●  Cannot log after tests are done. Did you forget to wait for something async in your test?", "    Attempted to log \"done\".", "Tests:       1 failed, 4 passed, 5 total"].join("\n"),
      tests: ["Cart › adds an item"],
      classification: "test",
    },
    {
      tool: "Gradle with a test logger that prints full method names",
      log: ["picard.sam.SamErrorMetric.CollectSamErrorMetricsTest.samMetricsProvider FAILED", "    java.lang.AssertionError: expected [1] but found [2]", "BUILD FAILED in 16s", "> Task :barclayTest FAILED"].join("\n"),
      tests: ["picard.sam.SamErrorMetric.CollectSamErrorMetricsTest.samMetricsProvider"],
      classification: "test",
    },
    {
      tool: "unittest, a generated test name with commas",
      log: ["ERROR: test_watch_must_not_throw_on_a_single_server_topology,_but_instead_a_server_error (test_change_stream.TestUnifiedChangeStreamsErrors)", "Traceback (most recent call last):", "AssertionError: no error raised", "FAILED (errors=1)"].join("\n"),
      tests: ["test_watch_must_not_throw_on_a_single_server_topology,_but_instead_a_server_error (test_change_stream.TestUnifiedChangeStreamsErrors)"],
      classification: "test",
    },
    {
      tool: "karma-mocha-reporter",
      log: ["  outline", "    ✔ renders", "    ✖ display outline", "    ✖ pans left (skipped)", "  marker", "    ✖ vector marker", "", "SUMMARY:", "✔ 1 test completed", "✖ 2 tests failed"].join("\n"),
      tests: ["display outline", "vector marker"],
      classification: "test",
    },
  ];
  test.each(cases)("$tool", async (c) => {
    const a = await analyzeLog(c.log);
    expect(a.format).toBe("plain");
    expect(a.status).toBe("failed");
    if (c.tests) expect(a.failedTests.map((t) => t.name)).toEqual(c.tests);
    if (c.location) expect(a.locations).toContainEqual(c.location);
    expect(a.classification).toBe(c.classification);
  });
});

describe("the CI system's verdict", () => {
  test("a Jenkins job that ends in Finished: SUCCESS passed, though a tool it ran printed failing tests", async () => {
    const log = ["Results :", "", "Failed tests: ", "  testToLocale(org.example.LocaleTest)", "", "Tests run: 9, Failures: 1, Errors: 0, Skipped: 0", "repair found for org.example.LocaleTest", "[WS-CLEANUP] done", "Finished: SUCCESS"].join("\n");
    expect((await analyzeLog(log)).status).toBe("passed");
    expect((await analyzeLog(log.replace("Finished: SUCCESS", "Finished: FAILURE"))).status).toBe("failed");
  });
  test("a result line that counts failures is not a success summary, whatever else it counts as passed", async () => {
    const log = ["collected 9657 items", "sklearn/cluster/bicluster.py .F", "4.39s call     sklearn/tree/tests/test_tree.py::test_min_impurity_decrease", "====== 1 failed, 9626 passed, 29 skipped in 732.00 seconds ======"].join("\n");
    expect((await analyzeLog(log)).status).toBe("failed");
    expect((await analyzeLog(log.replace("1 failed, ", ""))).status).toBe("passed");
  });
});

describe("flaky suspicion", () => {
  test("a failing test whose own message is a timeout is flaky-suspect", async () => {
    const log = "=== RUN   TestFetch\n--- FAIL: TestFetch (30.01s)\n    fetch_test.go:41: Get \"http://127.0.0.1:8080\": context deadline exceeded (Client.Timeout exceeded)\nFAIL\tgithub.com/x/y\t30.02s\n";
    expect((await analyzeLog(log)).classification).toBe("flaky-suspect");
  });
  test("a timeout far away from the failing test does not make it flaky", async () => {
    const noise = Array.from({ length: 40 }, (_, i) => `step ${i}`).join("\n");
    const log = `warning: connection timed out, retrying\n${noise}\n--- FAIL: TestSum (0.00s)\n    sum_test.go:9: got 3, want 4\nFAIL\tgithub.com/x/y\t0.01s\n`;
    expect((await analyzeLog(log)).classification).toBe("test");
  });
});

describe("test name normalisation across conventions", () => {
  test.each([
    ["test_UUID(com.alibaba.fastjson2.JSONReaderStrTest)", "com.alibaba.fastjson2.JSONReaderStrTest.test_UUID"],
    ["UserEndpointTest$GetUserDetail.shouldResponseErrorIfUserNotFound()", "UserEndpointTest > GetUserDetail > shouldResponseErrorIfUserNotFound()"],
    ["tests.integration.test_mongodb::TestMongoCache::test_ttl", "tests/integration/test_mongodb.py::TestMongoCache::test_ttl"],
    ["test_x (tests.test_mod.TestCase)", "tests.test_mod.TestCase.test_x"],
    ["shared.ops.scoreTask scores does not modify stats:", "shared.ops.scoreTask scores does not modify stats"],
    ["(tests.unit.vizro-ai.chains.test_llm_models)", "tests/unit/vizro-ai/chains/test_llm_models.py"],
    // A Kotlin test named in backticks.
    ["TypeAliases with the same backing type should share the same adapter(com.squareup.moshi.kotlin.codegen.JsonClassCodegenProcessorTest)", "JsonClassCodegenProcessorTest.TypeAliases with the same backing type should share the same adapter"],
  ])("%s ~ %s", (a, b) => {
    expect(sameTest(normalizeTestName(a), normalizeTestName(b))).toBe(true);
  });
  test("a summary's Class.test gives way to the parameterised runs it stands for, not to another class's", () => {
    const kept = dedupeTests([{ name: "ToCsv.doTest" }, { name: "doTest[0](nl.nn.ToCsv)" }, { name: "doTest[1](nl.nn.ToCsv)" }, { name: "ToJson.doTest" }]);
    expect(kept.map((t) => t.name)).toEqual(["doTest[0](nl.nn.ToCsv)", "doTest[1](nl.nn.ToCsv)", "ToJson.doTest"]);
  });
  test("different tests do not match", () => {
    expect(sameTest(normalizeTestName("Foo.test_a()"), normalizeTestName("Foo.test_ab()"))).toBe(false);
    expect(sameTest(normalizeTestName("a.b.test_x"), normalizeTestName("test_x_2"))).toBe(false);
  });
});

describe("dependency and infrastructure messages", () => {
  // One line per phrase the extractor knows: the cheap pre-check in front of the long pattern must let
  // every one of them through, so a narrower pre-check cannot silently drop a kind of failure.
  const dependency = [
    "npm ERR! code ERESOLVE",
    "ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with \"frozen-lockfile\"",
    "ERR_PNPM_PEER_DEP_ISSUES  Unmet peer dependencies",
    "error Couldn't find any versions for \"left-pad\" that matches \"^9.0.0\"",
    "ERROR: Could not find a version that satisfies the requirement torch==9.9 (from versions: none)",
    "ERROR: No matching distribution found for torch==9.9",
    "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io",
    "ERROR: Cannot install a==1 and b==2 because these package versions have conflicting dependencies.",
    "warning: dependency conflict between foo and bar",
    "[ERROR] Failed to execute goal on project app: Could not resolve dependencies for project com.x:app:jar:1.0",
    "> Could not resolve all files for configuration ':app:debugCompileClasspath'.",
    "[ERROR] Could not find artifact com.x:lib:jar:9.9 in central",
    "   > Could not find com.x:lib:9.9.",
    "go: missing go.sum entry for module providing package github.com/x/y",
    "go.mod/go.sum are not up-to-date",
    "go: updates to go.mod needed; to update it:",
    "cannot find module providing package github.com/x/z: import lookup disabled",
    "go: github.com/x/y@v9.9.9: unknown revision v9.9.9",
    "error: failed to select a version for `serde`.",
    "error: no matching package named `serdee` found",
    "ModuleNotFoundError: No module named 'requests'",
    "Error: Cannot find module 'left-pad'",
    "Module not found: Error: Can't resolve './missing' in '/app/src'",
    "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
    "ERR_PNPM_LOCKFILE_BREAKING_CHANGE  Lockfile /app/pnpm-lock.yaml not compatible",
    "npm ERR! `npm ci` can only install packages when your package.json and package-lock.json are in sync.",
  ];
  const infra = [
    "##[error]The operation was canceled.",
    "The runner has received a shutdown signal.",
    "The self-hosted runner lost communication with the server.",
    "OSError: [Errno 28] No space left on device",
    "npm ERR! network read ECONNRESET",
    "Error: connect ETIMEDOUT 140.82.112.3:443",
    "getaddrinfo EAI_AGAIN registry.npmjs.org",
    "getaddrinfo ENOTFOUND registry.npmjs.org",
    "fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com",
    "Temporary failure in name resolution",
    "Connection refused",
    "read: connection reset by peer",
    "net/http: TLS handshake timeout",
    "dial tcp 1.2.3.4:443: i/o timeout",
    "received unexpected HTTP status: 502 Bad Gateway",
    "503 Service Unavailable",
    "API rate limit exceeded for installation",
    "toomanyrequests: You have reached your pull rate limit.",
    "failed to copy: httpReadSeeker: failed open: unexpected status code",
    "unexpected EOF",
    "Error response from daemon: manifest unknown",
    "Process completed with exit code 137.",
    "signal: killed",
    "Killed",
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "java.lang.OutOfMemoryError: Java heap space",
    "java.net.SocketTimeoutException: Read timed out",
    "requests.exceptions.SSLError: HTTPSConnectionPool",
    "curl: (7) Failed to connect to example.com port 443",
  ];
  // The same for the lint pattern and its pre-check.
  const lint = [
    "Found 1 error in 1 file (checked 12 source files)",
    "Found 3 errors.",
    "would reformat src/app/models.py",
    "Oh no! 💥 💔 💥 2 files would be reformatted, 40 files would be left unchanged.",
    "Code style issues found in the above file. Run Prettier with --write to fix.",
    "[ant:checkstyle] [ERROR] /src/main/java/Foo.java:12: Missing a Javadoc comment. [JavadocMethod]",
    "[WARN] checkstyle reported 2 violations",
    "internal/states/instance_object_test.go:63:3: the goroutine calls T.Fatalf, which must be called in the same goroutine as the test (SA2002)",
    "src/app/util.py:4:8: F401 [*] `os` imported but unused",
    "src/app/models.py:27: error: Incompatible return value type (got \"str\", expected \"int\")  [return-value]",
  ];
  test.each(lint)("lint: %s", (line) => {
    expect(new ErrorExtractor().inspect(line)?.category).toBe("lint");
  });
  test.each(dependency)("dependency: %s", (line) => {
    expect(new ErrorExtractor().inspect(line)?.category).toBe("dependency");
  });
  test.each(infra)("infrastructure: %s", (line) => {
    expect(new ErrorExtractor().inspect(line)?.category).toBe("infra");
  });
  // analyzeLog hands a line to the extractors only when the pre-filter lets it through: a phrase the
  // extractors know but the pre-filter drops would never be found in a log.
  test.each([...dependency, ...infra, ...lint])("the pre-filter lets through: %s", (line) => {
    expect(mayCarrySignal(line)).toBe(true);
  });
});

describe("Java traces as Maven and Jenkins print them", () => {
  test("Surefire names a Kotlin test with spaces by its class in parentheses", async () => {
    const log = [
      "[ERROR] Tests run: 27, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 9.3 s <<< FAILURE! - in com.squareup.moshi.kotlin.codegen.JsonClassCodegenProcessorTest",
      "[ERROR] TypeAliases with the same backing type should share the same adapter(com.squareup.moshi.kotlin.codegen.JsonClassCodegenProcessorTest)  Time elapsed: 2.265 s  <<< FAILURE!",
      "java.lang.AssertionError: expected:<...> but was:<...>",
    ].join("\n");
    expect(await names(log)).toEqual(["TypeAliases with the same backing type should share the same adapter(com.squareup.moshi.kotlin.codegen.JsonClassCodegenProcessorTest)"]);
  });
  test("Surefire's parameterised runs keep their parameters, and the summary's Class.method gives way to them", async () => {
    const run = (i: number, commit: string) => `run[${i}: batchTest(mode=FAIL_VIA_SELECT, autoCommit=${commit}, binary=FORCE)](org.postgresql.test.jdbc2.BatchFailureTest)`;
    const log = [
      "Tests run: 48, Failures: 0, Errors: 2, Skipped: 0, Time elapsed: 1.2 sec <<< FAILURE! - in org.postgresql.test.jdbc2.BatchFailureTest",
      `${run(5, "YES")}  Time elapsed: 0.027 sec  <<< ERROR!`,
      "org.postgresql.util.PSQLException: ERROR: division by zero",
      `${run(7, "NO")}  Time elapsed: 0.011 sec  <<< ERROR!`,
      "org.postgresql.util.PSQLException: ERROR: division by zero",
      "Tests in error: ",
      "  BatchFailureTest.run:226 » PSQL ERROR: division by zero",
    ].join("\n");
    expect(await names(log)).toEqual([run(5, "YES"), run(7, "NO")]);
  });
  test("unittest names a generated test with its arguments", async () => {
    const log = ["FAIL: test_repository_package_names('./repository/m.json', ...) (tests.test.DefaultRepositoryTests)", "AssertionError: Lists differ"].join("\n");
    expect(await names(log)).toEqual(["test_repository_package_names('./repository/m.json', ...) (tests.test.DefaultRepositoryTests)"]);
    // A pip error with a word in parentheses is not a test.
    expect(await names("ERROR: Failed building wheel for lxml (setup.py)\nERROR: Could not build wheels")).toEqual([]);
  });
  test("Maven's own frames have a space before the parenthesis, and are frames all the same", () => {
    const x = new ErrorExtractor();
    expect(x.inspect("    at java.io.File.createNewFile (File.java:1026)")).toMatchObject({ reason: "stack frame", location: { path: "File.java", line: 1026 } });
    expect(x.inspect("    at java.lang.ClassLoader.defineClass1 (Native Method)")).toMatchObject({ reason: "stack frame" });
  });
  test("go frames: GOROOT and the module cache are library frames, a GOPATH checkout's src/ is the repository's", () => {
    const x = new ErrorExtractor();
    expect(x.inspect("\t/usr/local/go/src/runtime/panic.go:838 +0x207")).toEqual(expect.objectContaining({ kind: "stack-trace", score: 1 }));
    expect(x.inspect("\t/usr/local/go/src/runtime/panic.go:838 +0x207")?.location).toBeUndefined();
    expect(x.inspect("\t/home/runner/go/pkg/mod/github.com/stretchr/testify@v1.8.0/assert/assertions.go:1 +0x1f")?.location).toBeUndefined();
    expect(x.inspect("\t/home/runner/go/src/github.com/acme/tool/cmd/run.go:42 +0x1f")).toMatchObject({ kind: "stack-trace", location: { path: "/home/runner/go/src/github.com/acme/tool/cmd/run.go", line: 42 } });
    expect(x.inspect("\t/home/runner/work/app/app/pkg/x_test.go:12 +0x5b9")).toMatchObject({ reason: "stack frame", score: 3, location: { path: "/home/runner/work/app/app/pkg/x_test.go", line: 12 } });
  });
  test("Jenkins writes each cause of a remote trace as 'Caused: …' below its frames", () => {
    expect(new ErrorExtractor().inspect("Caused: java.io.IOException: Failed to write to /builds/remoting/jarCache/3A/E2.jar")).toMatchObject({ kind: "exception", failure: true });
  });
});
