import { describe, expect, it } from "@jest/globals";
import { fixBranchCi } from "./fix-branch-ci.js";

const fix = { branch: "ci-bot/fix-42", baseBranch: "main", files: ["src/app.ts"] };
const wf = (on: string) => `name: CI\non: ${on}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n`;

describe("fixBranchCi: will the failing workflow run on the fix?", () => {
  it.each([
    ["push", "push"],
    ["[push, pull_request]", "a list"],
    ["\n  pull_request:\n", "pull_request without filters"],
    ["\n  push:\n    branches: ['ci-bot/**']\n", "push to the bot's branches"],
    ["\n  push:\n    branches-ignore: [main]\n", "push anywhere but main"],
    ["\n  push:\n    branches: [main]\n  pull_request:\n    branches: [main]\n", "a PR into main"],
    ["\n  pull_request:\n    types: [opened, labeled]\n", "PR types with opened"],
    ["\n  pull_request:\n    paths: ['src/**']\n", "a PR touching src"],
    ["\n  pull_request:\n    paths-ignore: ['docs/**']\n", "a PR outside the ignored paths"],
  ])("runs: on %s (%s)", (on) => {
    expect(fixBranchCi(wf(on), fix).runs).toBe("yes");
  });

  it.each([
    ["\n  push:\n    branches: [main]\n", "push (branches: main)"],
    ["\n  push:\n    tags: ['v*']\n", "push (tags: v*)"],
    ["\n  push:\n    branches-ignore: ['ci-bot/**']\n", "push (branches-ignore: ci-bot/**)"],
    ["\n  pull_request:\n    branches: [release]\n  workflow_dispatch:\n", "pull_request (branches: release), workflow_dispatch"],
    ["\n  pull_request:\n    types: [labeled]\n", "pull_request (types: labeled)"],
    ["\n  pull_request:\n    paths: ['docs/**']\n", "pull_request (paths: docs/**)"],
    ["\n  pull_request:\n    paths-ignore: ['src/**']\n", "pull_request (paths-ignore: src/**)"],
    ["\n  pull_request_target:\n", "pull_request_target"],
    ["\n  schedule:\n    - cron: '0 0 * * *'\n", "schedule"],
    ["\n  workflow_run:\n    workflows: [Build]\n", "workflow_run"],
  ])("does not run: on %s", (on, triggers) => {
    expect(fixBranchCi(wf(on), fix)).toMatchObject({ runs: "no", triggers });
  });

  it("says when the workflow can be started by hand", () => {
    expect(fixBranchCi(wf("\n  push:\n    branches: [main]\n  workflow_dispatch:\n"), fix)).toEqual({ runs: "no", triggers: "push (branches: main), workflow_dispatch", dispatch: true });
    expect(fixBranchCi(wf("[workflow_dispatch]"), fix)).toMatchObject({ runs: "no", dispatch: true });
  });

  it("does not claim to know what it cannot see", () => {
    // The first push creates the branch: which diff GitHub filters paths on then is not known here.
    expect(fixBranchCi(wf("\n  push:\n    paths: ['docs/**']\n"), fix).runs).toBe("unknown");
    expect(fixBranchCi("on: [push\n", fix).runs).toBe("unknown");
    expect(fixBranchCi("name: no triggers\n", fix).runs).toBe("unknown");
    expect(fixBranchCi(wf("\n  push:\n    branches: ['*a*a*a*a*a*a*a*a*a*b']\n"), fix).runs).toBe("unknown");
    // One trigger that surely runs is enough.
    expect(fixBranchCi(wf("\n  push:\n    paths: ['docs/**']\n  pull_request:\n"), fix).runs).toBe("yes");
  });

  it("applies the pull_request branch filter to the PR's base, the failing branch", () => {
    const onRelease = wf("\n  pull_request:\n    branches: ['release/**']\n");
    expect(fixBranchCi(onRelease, { ...fix, baseBranch: "release/1.x" }).runs).toBe("yes");
    expect(fixBranchCi(onRelease, fix).runs).toBe("no");
  });
});
