import type { FailureContext } from "../../src/core/failure-context.js";

/** A realistic FailureContext (every optional field filled) for TensorZero tests and the bench. */
export function sampleFailureContext(over: Partial<FailureContext> = {}): FailureContext {
  return {
    repo: { full_name: "octo-org/widgets", default_branch: "main" },
    run: {
      id: 7123456789,
      attempt: 1,
      workflow: "CI",
      workflow_path: ".github/workflows/ci.yml",
      head_sha: "3f1c0d2a9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
      head_branch: "feature/sum",
      url: "https://github.com/octo-org/widgets/actions/runs/7123456789",
    },
    failing_jobs: [{ name: "test (20.x)", id: 19500000001, failing_step: "Run npm test", command: "npm test", exit_code: 1, log_truncated: false }],
    classification: "test",
    excerpts: [
      {
        job: "test (20.x)",
        startLine: 412,
        endLine: 428,
        reason: "jest failure block",
        text: [
          "FAIL test/math.test.js",
          "  ● add › adds two numbers",
          "",
          "    expect(received).toBe(expected) // Object.is equality",
          "",
          "    Expected: 4",
          "    Received: 0",
          "",
          "      1 | import { add } from '../src/math.js';",
          "      2 | test('adds two numbers', () => {",
          "    > 3 |   expect(add(2, 2)).toBe(4);",
          "        |                     ^",
          "",
          "Tests:       1 failed, 11 passed, 12 total",
          "##[error]Process completed with exit code 1.",
        ].join("\n"),
      },
    ],
    failed_tests: [{ name: "add › adds two numbers", file: "test/math.test.js", line: 3 }],
    locations: [{ path: "test/math.test.js", line: 3, column: 21, message: "expect(received).toBe(expected)" }],
    annotations: [{ path: "test/math.test.js", line: 3, level: "failure", message: "Expected: 4, Received: 0" }],
    head_commit_diff: "diff --git a/src/math.js b/src/math.js\n--- a/src/math.js\n+++ b/src/math.js\n@@ -1,3 +1,3 @@\n export function add(a, b) {\n-  return a + b;\n+  return a - b;\n }\n",
    languages: ["javascript"],
    manifests: [{ path: "package.json", excerpt: '{ "scripts": { "test": "jest" }, "devDependencies": { "jest": "^30.0.0" } }' }],
    test_config: [{ path: "jest.config.js", excerpt: "export default { testEnvironment: 'node' };" }],
    snippets: [{ path: "src/math.js", startLine: 1, endLine: 3, text: "export function add(a, b) {\n  return a - b;\n}" }],
    previous_attempt: { patch: "diff --git a/test/math.test.js b/test/math.test.js\n", outcome: "rejected by policy: weakens an assertion" },
    budget: { tokens: 6000, used: 812, dropped: [] },
    ...over,
  };
}
