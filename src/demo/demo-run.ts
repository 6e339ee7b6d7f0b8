import type { RunJob } from "../core/ports/github-port.js";

export const DEMO_JOB_ID = 7001;
export const DEMO_RUN_ID = 9001;

/** A failed workflow_run.completed delivery for demo-org/calc, shaped like GitHub's. */
export function demoRunPayload(headSha: string) {
  const repository = { id: 424242, node_id: "R_demo", name: "calc", full_name: "demo-org/calc", private: false, owner: { login: "demo-org", id: 1, type: "Organization" }, default_branch: "main" };
  const actor = { login: "dev", id: 2, type: "User" };
  return {
    action: "completed",
    installation: { id: 1, node_id: "I_demo" },
    repository,
    sender: actor,
    workflow: { id: 1, name: "CI", path: ".github/workflows/ci.yml" },
    workflow_run: {
      id: DEMO_RUN_ID, name: "CI", display_title: "make sum faster", path: ".github/workflows/ci.yml", event: "push", status: "completed", conclusion: "failure",
      head_branch: "main", head_sha: headSha, run_number: 12, run_attempt: 1, check_suite_id: 1, html_url: `https://github.com/demo-org/calc/actions/runs/${DEMO_RUN_ID}`,
      pull_requests: [], actor, triggering_actor: actor, head_repository: { id: repository.id, full_name: repository.full_name }, head_commit: { id: headSha, message: "make sum faster" },
    },
  };
}

export function demoJobs(): RunJob[] {
  return [{
    id: DEMO_JOB_ID, name: "test (node 20)", status: "completed", conclusion: "failure", runAttempt: 1, checkRunId: 7002,
    steps: [
      { number: 1, name: "Set up job", status: "completed", conclusion: "success", startedAt: "2026-11-23T12:00:00Z", completedAt: "2026-11-23T12:00:01Z" },
      { number: 2, name: "Unit tests", status: "completed", conclusion: "failure", startedAt: "2026-11-23T12:00:01Z", completedAt: "2026-11-23T12:00:03Z" },
    ],
  }];
}

export function demoLog(): string {
  return [
    "\uFEFF2026-11-23T12:00:00.0000000Z Requested labels: ubuntu-latest",
    "2026-11-23T12:00:01.0000000Z ##[group]Run npm test",
    "2026-11-23T12:00:01.0000000Z \x1b[36;1mnpm test\x1b[0m",
    "2026-11-23T12:00:01.0000000Z shell: /usr/bin/bash -e {0}",
    "2026-11-23T12:00:01.0000000Z ##[endgroup]",
    "2026-11-23T12:00:02.0000000Z not ok 1 - sum adds",
    "2026-11-23T12:00:02.0000000Z   AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
    "2026-11-23T12:00:02.0000000Z   -1 !== 5",
    "2026-11-23T12:00:02.0000000Z       at TestContext.<anonymous> (file:///home/runner/work/calc/calc/test/math.test.js:6:10)",
    "2026-11-23T12:00:02.1000000Z ##[error]Process completed with exit code 1.",
    "2026-11-23T12:00:03.0000000Z Cleaning up orphan processes",
  ].join("\n") + "\n";
}
