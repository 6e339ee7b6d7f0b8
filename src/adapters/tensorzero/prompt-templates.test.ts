import { readFile } from "node:fs/promises";
import { describe, expect, test } from "@jest/globals";
import { Environment } from "minijinja-js";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { loadGatewayConfig } from "./gateway-config.js";
import { buildFixInferenceRequest } from "./inference-request.js";
import { FIX_FUNCTION } from "./metric-names.js";

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

  test("a typo in a template would fail here (strict undefined is really on)", () => {
    const env = new Environment();
    env.undefinedBehavior = "strict";
    expect(() => env.renderStr("{% if nope %}x{% endif %}", {})).toThrow();
  });
});
