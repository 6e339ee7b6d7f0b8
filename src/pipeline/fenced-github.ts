import { jobTakenOver } from "../core/errors.js";
import type { ForInstallationOptions, GitHubClient, GitHubPort, GitHubWriteClient } from "../core/ports/github-port.js";
import type { WriteFence } from "../core/ports/job-store.js";

/**
 * The calls that change what people see on GitHub. Creating a tree or a commit object is not among them:
 * nothing points at either until a branch moves.
 */
const VISIBLE_WRITES: ReadonlySet<keyof GitHubWriteClient> = new Set<keyof GitHubWriteClient>([
  "createBranch",
  "updateBranch",
  "deleteBranch",
  "createPullRequest",
  "updatePullRequest",
  "addLabels",
  "upsertComment",
  "markReadyForReview",
  "rerunFailedJobs",
]);

/**
 * GitHub as the stages of one run see it: before each visible write, the run's lease on its job is asked
 * of the store. The queue aborts a run whose lease it finds lost, but only at its next renewal: a worker
 * that stalled past the lease (a long GC pause, a VM frozen) or lost Redis while GitHub still answers would
 * otherwise push, comment or open a PR beside the worker that took the job over. Cut off from the store,
 * the check fails, and the write is not made. `holds`: the store's lease check.
 */
export class FencedGitHub implements GitHubPort {
  readonly #github: GitHubPort;
  readonly #check: () => Promise<void>;

  constructor(github: GitHubPort, jobId: string, fence: WriteFence, holds: (fence: WriteFence) => Promise<boolean>) {
    this.#github = github;
    this.#check = async () => {
      if (await holds(fence)) return;
      throw jobTakenOver(`Nothing more was written to GitHub for job ${jobId}: this worker's lease on it (${fence.key}) lapsed or another worker holds it now; the job is that worker's.`, {
        leaseKey: fence.key,
        holder: fence.holder,
      });
    };
  }

  async forInstallation(installationId: number, opts?: ForInstallationOptions): Promise<GitHubClient> {
    const client = await this.#github.forInstallation(installationId, opts);
    const writes = client.writes && fenced(client.writes, this.#check);
    // A proxy, not a copy: the adapter's clients are class instances whose methods need their own `this`.
    return new Proxy(client, {
      get: (target, prop) => (prop === "writes" ? writes : bound(target, prop)),
    });
  }
}

function fenced(writes: GitHubWriteClient, check: () => Promise<void>): GitHubWriteClient {
  return new Proxy(writes, {
    get: (target, prop) => {
      const value = bound(target, prop);
      if (typeof value !== "function" || !VISIBLE_WRITES.has(prop as keyof GitHubWriteClient)) return value;
      return async (...args: unknown[]) => {
        await check();
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

/** The target's own property, read and called with the target as `this` (getters and #private fields need it). */
function bound(target: object, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  return typeof value === "function" ? value.bind(target) : value;
}
