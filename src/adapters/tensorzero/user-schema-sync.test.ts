import { describe, expect, test } from "@jest/globals";
import type { FailureContext } from "../../core/failure-context.js";
import { loadGatewayConfig } from "./gateway-config.js";
import { FIX_FUNCTION } from "./metric-names.js";

/**
 * Keeps user_schema.json in step with the FailureContext type. The tables below are typed from the type
 * itself, so adding, removing or making optional a field in failure-context.ts breaks `npm run typecheck`
 * here until the table (and then, through this test, the schema) is updated too.
 */
type Req<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Keys<T> = { all: Record<keyof T, true>; required: Record<Req<T>, true> };
type Item<A> = A extends ReadonlyArray<infer I> ? I : never;
type FC = FailureContext;

const shapes: Record<string, Keys<unknown> & { path: string[] }> = {};
function shape<T>(name: string, path: string[], keys: Keys<T>): void {
  shapes[name] = { ...(keys as unknown as Keys<unknown>), path };
}

shape<FC>("FailureContext", [], {
  all: { repo: true, run: true, failing_jobs: true, classification: true, excerpts: true, failed_tests: true, locations: true, annotations: true, head_commit_diff: true, languages: true, manifests: true, test_config: true, snippets: true, previous_attempt: true, budget: true },
  required: { repo: true, run: true, failing_jobs: true, classification: true, excerpts: true, failed_tests: true, locations: true, languages: true, manifests: true, snippets: true, budget: true },
});
shape<FC["repo"]>("repo", ["repo"], { all: { full_name: true, default_branch: true }, required: { full_name: true } });
shape<FC["run"]>("run", ["run"], {
  all: { id: true, attempt: true, workflow: true, workflow_path: true, head_sha: true, head_branch: true, url: true },
  required: { id: true, attempt: true, head_sha: true, head_branch: true },
});
shape<Item<FC["failing_jobs"]>>("failing_jobs[]", ["failing_jobs", "items"], {
  all: { name: true, id: true, failing_step: true, command: true, exit_code: true, log_truncated: true },
  required: { name: true },
});
shape<Item<FC["excerpts"]>>("excerpts[]", ["definitions", "excerpt"], { all: { job: true, startLine: true, endLine: true, reason: true, text: true }, required: { job: true, startLine: true, endLine: true, reason: true, text: true } });
shape<Item<FC["failed_tests"]>>("failed_tests[]", ["failed_tests", "items"], { all: { name: true, file: true, line: true }, required: { name: true } });
shape<Item<FC["locations"]>>("locations[]", ["locations", "items"], { all: { path: true, line: true, column: true, message: true }, required: { path: true, line: true } });
shape<Item<NonNullable<FC["annotations"]>>>("annotations[]", ["annotations", "items"], { all: { path: true, line: true, level: true, message: true }, required: { path: true, line: true, level: true, message: true } });
shape<Item<FC["manifests"]>>("manifests[]", ["definitions", "fileExcerpt"], { all: { path: true, excerpt: true }, required: { path: true } });
shape<Item<FC["snippets"]>>("snippets[]", ["snippets", "items"], { all: { path: true, startLine: true, endLine: true, text: true }, required: { path: true, startLine: true, endLine: true, text: true } });
shape<NonNullable<FC["previous_attempt"]>>("previous_attempt", ["previous_attempt"], { all: { patch: true, outcome: true, excerpts: true }, required: { patch: true, outcome: true } });
shape<FC["budget"]>("budget", ["budget"], { all: { tokens: true, used: true, dropped: true }, required: { tokens: true, used: true, dropped: true } });

describe("user_schema.json ⇄ FailureContext", () => {
  test.each(Object.keys(shapes))("%s: same properties and required fields, nothing else allowed", async (name) => {
    const schema = (await loadGatewayConfig()).functions[FIX_FUNCTION]!.schemas.user as Record<string, unknown>;
    const s = shapes[name]!;
    let node = schema;
    for (const [i, p] of s.path.entries()) {
      node = (p === "definitions" || p === "items" || s.path[i - 1] === "definitions" ? node[p] : (node.properties as Record<string, unknown>)[p]) as Record<string, unknown>;
    }
    expect(Object.keys(node.properties as object).sort()).toEqual(Object.keys(s.all).sort());
    expect([...((node.required as string[]) ?? [])].sort()).toEqual(Object.keys(s.required).sort());
    expect(node.additionalProperties).toBe(false);
  });
});
