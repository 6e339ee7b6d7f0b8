import { describe, expect, test } from "@jest/globals";
import type { GitHubClient, GitHubWriteClient } from "../core/ports/github-port.js";
import type { WriteFence } from "../core/ports/job-store.js";
import { FencedGitHub } from "./fenced-github.js";

const FENCE: WriteFence = { key: "t0:jobs:t0:sem:job:j1", holder: "worker-a" };
const REPO = { id: 1, owner: "o", name: "r", fullName: "o/r" };

/** Class instances with #private state, as the adapter's clients are: a copy of one would lose its methods. */
class Writes {
  readonly #calls: string[];
  constructor(calls: string[]) {
    this.#calls = calls;
  }
  async getBranchSha(_repo: unknown, branch: string) {
    this.#calls.push(`getBranchSha ${branch}`);
    return "abc";
  }
  async createCommit() {
    this.#calls.push("createCommit");
    return { sha: "c1", verified: true };
  }
  async updateBranch(_repo: unknown, branch: string, sha: string) {
    this.#calls.push(`updateBranch ${branch} ${sha}`);
  }
  async upsertComment(_repo: unknown, n: number) {
    this.#calls.push(`upsertComment ${n}`);
    return { id: 7, created: true };
  }
}

class Client {
  readonly #calls: string[];
  readonly writes: GitHubWriteClient;
  constructor(calls: string[]) {
    this.#calls = calls;
    this.writes = new Writes(calls) as unknown as GitHubWriteClient;
  }
  async listCommitRuns() {
    this.#calls.push("listCommitRuns");
    return [];
  }
}

function setup() {
  const calls: string[] = [];
  const lease = { held: true, asked: 0 };
  const holds = async (f: WriteFence) => (expect(f).toEqual(FENCE), lease.asked++, lease.held);
  const github = new FencedGitHub({ forInstallation: async () => new Client(calls) as unknown as GitHubClient }, "j1", FENCE, holds);
  return { calls, lease, github };
}

describe("FencedGitHub: a run's visible GitHub writes need its lease on the job", () => {
  test("while the lease is held, writes go through with their arguments and answers", async () => {
    const { calls, lease, github } = setup();
    const gh = await github.forInstallation(1);
    await expect(gh.writes!.upsertComment(REPO, 12, "<!-- m -->", "body")).resolves.toEqual({ id: 7, created: true });
    await gh.writes!.updateBranch(REPO, "ci-bot/fix", "c1");
    expect(calls).toEqual(["upsertComment 12", "updateBranch ci-bot/fix c1"]);
    expect(lease.asked).toBe(2);
  });

  test("once the lease is lost, a visible write is refused with job_taken_over and never reaches GitHub", async () => {
    const { calls, lease, github } = setup();
    const gh = await github.forInstallation(1);
    lease.held = false;
    await expect(gh.writes!.upsertComment(REPO, 12, "<!-- m -->", "body")).rejects.toMatchObject({ code: "job_taken_over", retryable: false, details: { leaseKey: FENCE.key, holder: "worker-a" } });
    await expect(gh.writes!.updateBranch(REPO, "ci-bot/fix", "c1")).rejects.toMatchObject({ code: "job_taken_over" });
    expect(calls).toEqual([]);
  });

  test("reads, and git objects nothing points at yet, are not asked about: they change nothing people see", async () => {
    const { calls, lease, github } = setup();
    const gh = await github.forInstallation(1);
    lease.held = false;
    await gh.listCommitRuns(REPO, "abc");
    await gh.writes!.getBranchSha(REPO, "main");
    await gh.writes!.createCommit(REPO, { message: "m", tree: "t", parents: [] });
    expect(calls).toEqual(["listCommitRuns", "getBranchSha main", "createCommit"]);
    expect(lease.asked).toBe(0);
  });

  test("a store that cannot answer stops the write too: its error, not the write, is what the stage sees", async () => {
    const calls: string[] = [];
    const down = Object.assign(new Error("Redis is unreachable"), { code: "store_unavailable", retryable: true });
    const github = new FencedGitHub({ forInstallation: async () => new Client(calls) as unknown as GitHubClient }, "j1", FENCE, async () => Promise.reject(down));
    const gh = await github.forInstallation(1);
    await expect(gh.writes!.upsertComment(REPO, 12, "<!-- m -->", "body")).rejects.toBe(down);
    expect(calls).toEqual([]);
  });
});
