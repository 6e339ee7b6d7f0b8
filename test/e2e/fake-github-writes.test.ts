import { describe, expect, test } from "@jest/globals";
import { FakeGitHubWrites } from "./fake-github-writes.js";

/**
 * The in-memory GitHub refuses what GitHub refuses (reference/github.md §2, §4), in the errors
 * github-writes.ts hands on: a fake that accepted them would hide a flow that fails for real.
 */
describe("FakeGitHubWrites answers like GitHub behind github-writes.ts", () => {
  const repo = {};
  const head = "a".repeat(40);
  const fixCommit = async (gh: FakeGitHubWrites, files: Record<string, string>) => {
    const tree = await gh.createTree(repo, await gh.getCommitTree(repo, head), Object.entries(files).map(([path, content]) => ({ path, content })));
    return (await gh.createCommit(repo, { message: "fix", tree, parents: [head] })).sha;
  };

  test("a ref is created only onto a commit GitHub has, and PATCH moves a branch but does not create one", async () => {
    const gh = new FakeGitHubWrites(head, { "a.txt": "1\n" });
    await expect(gh.createBranch(repo, "ci-bot/fix-1", "f".repeat(40))).rejects.toMatchObject({ code: "http_422", retryable: false, message: expect.stringMatching(/Object does not exist/) });
    const sha = await fixCommit(gh, { "a.txt": "2\n" });
    await expect(gh.updateBranch(repo, "ci-bot/fix-1", sha)).rejects.toMatchObject({ code: "http_422", retryable: false, message: expect.stringMatching(/Reference does not exist/) });
    expect(gh.branches.size).toBe(0);
  });

  test("a PR needs its head branch; opened again for an open head, it is that PR (github-writes.ts adopts GitHub's 422)", async () => {
    const gh = new FakeGitHubWrites(head, { "a.txt": "1\n" });
    const pr = { title: "t", body: "b", head: "ci-bot/fix-1", base: "main", draft: true };
    await expect(gh.createPullRequest(repo, pr)).rejects.toMatchObject({ code: "http_422", retryable: false });
    await gh.createBranch(repo, "ci-bot/fix-1", await fixCommit(gh, { "a.txt": "2\n" }));
    const first = await gh.createPullRequest(repo, pr);
    expect((await gh.createPullRequest(repo, pr)).number).toBe(first.number);
    expect(gh.pulls).toHaveLength(1);
  });

  test("without workflows: write a ref write onto a commit that changes .github/workflows/** is refused; other commits pass", async () => {
    const gh = new FakeGitHubWrites(head, { "a.txt": "1\n", ".github/workflows/ci.yml": "on: push\n" });
    const edit = await fixCommit(gh, { ".github/workflows/ci.yml": "on: [push, pull_request]\n" });
    await expect(gh.createBranch(repo, "ci-bot/fix-1", edit)).rejects.toMatchObject({ code: "github_workflows_permission", retryable: false });
    expect(await gh.createBranch(repo, "ci-bot/fix-1", await fixCommit(gh, { "a.txt": "2\n" }))).toBe(true);
    gh.workflowsPermission = true;
    expect(await gh.createBranch(repo, "ci-bot/fix-2", edit)).toBe(true);
  });
});
