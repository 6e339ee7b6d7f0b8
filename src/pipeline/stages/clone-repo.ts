import { cloneUrl, githubUrls } from "../../adapters/github/github-urls.js";
import { AppError, permanent } from "../../core/errors.js";
import type { Deps } from "../../core/deps.js";
import type { Job } from "../../core/job.js";
import type { Workspace } from "../../core/ports/workspace-port.js";
import type { Stage, StageContext } from "../stage.js";

/** What the branch to clone is: the run's head branch, or for a fork PR run (no branch) the PR's head ref. */
export function cloneRef(job: Job): string {
  if (job.run.headBranch) return job.run.headBranch;
  const pr = job.run.pullRequests[0];
  if (pr !== undefined) return `refs/pull/${pr}/head`;
  throw permanent("no_ref", `Run ${job.run.id} has neither a head branch nor a pull request; there is no ref to clone.`);
}

async function cloneFor(job: Job, deps: Deps, ctx: StageContext): Promise<{ ws: Workspace; url: string; ref: string; ms: number }> {
  const gh = await deps.github.forInstallation(job.installationId);
  const token = await gh.installationToken();
  const url = cloneUrl(githubUrls(deps.config).gitBaseUrl, job.repo);
  const ref = cloneRef(job);
  const started = deps.clock.now();
  const clone = (t: string) => deps.workspace.clone({ jobId: job.id, url, ref, sha: job.run.headSha, token: t, signal: ctx.signal });
  const ws = await clone(token).catch(async (err: unknown) => {
    // A cached token GitHub revoked since it was minted: the API calls renew it once (installation-refusal.ts),
    // and so does git. A fresh token refused as well is the clone's own refusal.
    if (!(err instanceof AppError && err.code === "clone_auth_failed")) throw err;
    const fresh = await gh.installationToken({ renew: true });
    if (fresh === token) throw err;
    ctx.log.info({}, "clone refused the cached installation token; cloning again with a fresh one");
    return clone(fresh);
  });
  return { ws, url, ref, ms: deps.clock.now() - started };
}

/**
 * The job's workspace, cloned again when it is gone: the runner removes it when a job fails, and an
 * operator retry resumes after clone-repo.
 */
export async function ensureWorkspace(job: Job, deps: Deps, ctx: StageContext): Promise<Workspace> {
  const ws = await deps.workspace.get(job.id);
  if (ws) return ws;
  ctx.log.info({}, "workspace missing; cloning again");
  return (await cloneFor(job, deps, ctx)).ws;
}

/** Shallow clone of the failing commit into the job's own workspace (removed by the runner at the end). */
export const cloneRepoStage: Stage = {
  name: "clone-repo",
  state: "cloning",
  sideEffects: false,
  async run(job, deps, ctx) {
    const { ws, url, ref, ms } = await cloneFor(job, deps, ctx);
    ctx.log.info({ dir: ws.dir, ref, sha: job.run.headSha, ms }, "repository cloned");
    return { result: { dir: ws.dir, url, ref, sha: job.run.headSha, ms } };
  },
};
