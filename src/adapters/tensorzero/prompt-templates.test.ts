import { readFile } from "node:fs/promises";
import { describe, expect, test } from "@jest/globals";
import { Environment } from "minijinja-js";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { loadGatewayConfig } from "./gateway-config.js";
import { buildFixInferenceRequest } from "./inference-request.js";
import { FIX_FUNCTION } from "./metric-names.js";
import { failedTryAttempt } from "../../context/failed-try-attempt.js";
import { permanent } from "../../core/errors.js";

/**
 * Renders the shipped prompt templates with MiniJinja itself (the engine the gateway uses), under strict
 * undefined handling, with the arguments the app really sends: a full context and a minimal one.
 */
async function render(args: { system: unknown; user: unknown }): Promise<Record<string, string>> {
  const fn = (await loadGatewayConfig()).functions[FIX_FUNCTION]!;
  const out: Record<string, string> = {};
  for (const v of Object.values(fn.variants)) {
    for (const [name, path] of Object.entries(v.templates)) {
      const env = new Environment();
      env.undefinedBehavior = "strict";
      out[`${v.name}/${name}`] = env.renderStr(await readFile(path, "utf8"), name === "system" ? args.system : args.user);
    }
  }
  return out;
}

const argsOf = (ctx = sampleFailureContext()) => {
  const body = buildFixInferenceRequest(ctx, { episodeId: "e", tags: {} });
  return { system: body.input.system, user: (body.input.messages![0]!.content as Array<{ arguments: unknown }>)[0]!.arguments };
};

describe("fix_ci_failure prompt templates (MiniJinja, strict undefined)", () => {
  test("render the full context: every section shows, logs are fenced as data", async () => {
    const out = await render(argsOf());
    const user = out["gpt_5_mini_prompt_v1/user"]!;
    for (const s of ["## Failing jobs", "## Failed tests", "## Error locations", "## Annotations", "## Source snippets", "## Manifests", "## Test configuration", "## Diff of the failing commit", "## Your previous attempt"]) {
      expect(user).toContain(s);
    }
    expect(user).toContain('<log job="test (20.x)" lines="412-428" reason="jest failure block">');
    expect(out["gpt_5_mini_prompt_v1/system"]).toContain("octo-org/widgets (default branch main)");
    expect(out["gpt_5_mini_prompt_v1/system"]).toMatchSnapshot("system v1");
    expect(user).toMatchSnapshot("user v1, full context");
  });

  test("render a minimal context (every optional field absent) without undefined errors", async () => {
    const { annotations, head_commit_diff, test_config, previous_attempt, ...rest } = sampleFailureContext();
    void annotations, void head_commit_diff, void test_config, void previous_attempt;
    const minimal = {
      ...rest,
      repo: { full_name: "octo-org/widgets" },
      run: { id: 1, attempt: 1, head_sha: "abc", head_branch: "main" },
      failing_jobs: [{ name: "build" }],
      failed_tests: [{ name: "t" }],
      locations: [{ path: "a.ts", line: 1 }],
      manifests: [{ path: "package.json" }],
      budget: { tokens: 6000, used: 10, dropped: ["snippets"] },
    };
    const out = await render(argsOf(minimal));
    const user = out["claude_sonnet_4_5_prompt_v1/user"]!;
    expect(user).toContain("workflow (unnamed), run 1 attempt 1");
    expect(user).not.toContain("## Annotations");
    expect(user).not.toContain("previous attempt");
    expect(user).toContain("(Left out to fit the context budget: snippets.)");
    expect(out["claude_sonnet_4_5_prompt_v1/system"]).not.toContain("default branch");
  });

  test("a first patch's second try (with-patch-retry): the refusal, or the failing command and its output, render as the previous attempt", async () => {
    const patch = "--- a/src/math.js\n+++ b/src/math.js\n@@ -1 +1 @@\n-  return a - b;\n+  return b - a;\n";
    const red = permanent("validation_failed", "The proposed patch does not fix the build", {
      validation: { runs: [{ phase: "validate", command: "npm test", exitCode: 1, timedOut: false, truncated: false, outputTail: "not ok 1 - sum adds\n  AssertionError: -1 !== 5\n" }] },
    });
    const refused = permanent("patch_refused", "patch refused (workflow_edits) at .github/workflows/ci.yml: edits a workflow; allow it with allow.workflow_edits", { rule: "workflow_edits" });
    const section = async (err: ReturnType<typeof permanent>) => {
      const user = (await render(argsOf(sampleFailureContext({ previous_attempt: failedTryAttempt(patch, err) }))))["gpt_5_mini_prompt_v1/user"]!;
      return user.slice(user.indexOf("## Your previous attempt"), user.indexOf("Return the JSON"));
    };
    const afterRed = await section(red);
    expect(afterRed).toContain('<log job="local validation" lines="1-2" reason="output of `npm test` with the patch applied">');
    expect(afterRed).toMatchSnapshot("previous attempt: validation failed");
    expect(await section(refused)).toMatchSnapshot("previous attempt: refused");
    // The same patch proposed again was not run: the earlier try's outcome and output stand, said to be a repeat.
    const earlier = failedTryAttempt(patch, red);
    expect(await section(permanent("validation_failed", "same", { sameAs: 1, previousOutcome: earlier.outcome, excerpts: earlier.excerpts }))).toMatchSnapshot("previous attempt: the same patch again");
    // The output goes to the gateway: a credential a test printed is masked, whatever the stored tail held.
    const token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const leaky = permanent("validation_failed", "red", { validation: { runs: [{ phase: "validate", command: "npm test", exitCode: 1, outputTail: `auth failed for ${token}\n` }] } });
    expect(failedTryAttempt(patch, leaky).excerpts?.[0]?.text).toBe("auth failed for [REDACTED]");
  });

  test("a typo in a template would fail here (strict undefined is really on)", () => {
    const env = new Environment();
    env.undefinedBehavior = "strict";
    expect(() => env.renderStr("{% if nope %}x{% endif %}", {})).toThrow();
  });
});
