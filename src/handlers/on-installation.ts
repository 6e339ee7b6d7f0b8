import { stopJob, type Job, type StopReason } from "../core/job.js";
import type { UnfinishedScope } from "../core/ports/job-store.js";
import type { Handler, HandlerDeps } from "./decision.js";
import { installationEventSchema, installationRepositoriesEventSchema, parsePayload, type InstallationEvent } from "./payload-schemas.js";

/** Ids named in a delivery's reason; the rest are counted (`jobs list` shows them all). */
const NAMED_IDS = 10;
/** Jobs of a repository looked at when the app is installed again (see handOver). */
const LATEST_JOBS = 50;
const INSTALLATION_DELETED = "installation_deleted";

/**
 * `installation`: GitHub sends it to every app, unasked. Deleted or suspended, the installation's tokens are
 * refused from now on: its unfinished jobs (queued, running, parked watching a fix PR) are stopped with the
 * reason, instead of failing later on a refused token after retries or waiting for ever. Store-only, as
 * every handler: a job a worker is running stops at its next stage boundary (see stopJob). Feedback
 * already on a job stays in its outbox, which reaches TensorZero without GitHub.
 */
export const onInstallation: Handler = async (payload, meta, deps) => {
  const p = parsePayload(installationEventSchema, payload, meta.event);
  const { id } = p.installation;
  const account = accountOf(p);
  const what = `installation.${p.action} (${account}, installation ${id})`;
  const base = { installationId: id };
  if (p.action === "deleted") {
    const stopped = await stopJobs(deps, { installationId: id }, meta.receivedAt, (job) => ({
      code: INSTALLATION_DELETED,
      message: `The app was uninstalled from ${account} (installation ${id}): the job was stopped and writes nothing more to GitHub. Once the app is installed again on ${account}, the job belongs to the new installation and \`t0-ci-bot jobs retry ${job.id}\` runs it again.`,
    }));
    return { ...base, outcome: "event_routed", reason: `${what}: the app was uninstalled; ${stoppedText(stopped)}` };
  }
  if (p.action === "suspend") {
    const by = p.sender?.login ? ` by ${p.sender.login}` : "";
    const stopped = await stopJobs(deps, { installationId: id }, meta.receivedAt, (job) => ({
      code: "installation_suspended",
      message: `The app's installation on ${account} (installation ${id}) was suspended${by}: the job was stopped and writes nothing more to GitHub. Once it is unsuspended, \`t0-ci-bot jobs retry ${job.id}\` runs it again.`,
    }));
    return { ...base, outcome: "event_routed", reason: `${what}: the app was suspended${by}; ${stoppedText(stopped)}` };
  }
  if (p.action === "unsuspend") {
    return {
      ...base,
      outcome: "event_routed",
      reason: `${what}: nothing is resumed: jobs stopped when it was suspended stay failed (\`t0-ci-bot jobs retry <id>\` runs one again), and new failures create new jobs`,
    };
  }
  const handed = p.action === "created" ? await handOver(deps, id, account, p.repositories, meta.receivedAt) : [];
  if (handed.length) {
    return { ...base, outcome: "event_routed", reason: `${what}: ${handed.length} job(s) stopped when the app was uninstalled now belong to this installation; \`t0-ci-bot jobs retry <id>\` runs one again: ${idsText(handed)}` };
  }
  return { ...base, outcome: "ignored", reason: `${what}: nothing to do; failed runs of its repositories create jobs as they come` };
};

/** `installation_repositories.removed`: the unfinished jobs of the repositories taken out are stopped, as above. */
export const onInstallationRepositories: Handler = async (payload, meta, deps) => {
  const p = parsePayload(installationRepositoriesEventSchema, payload, meta.event);
  const { id } = p.installation;
  const account = accountOf(p);
  const removed = p.repositories_removed;
  const what = `installation_repositories.${p.action} (${account}, installation ${id})`;
  const base = { installationId: id, ...(removed.length === 1 ? { repoFullName: removed[0]!.full_name } : {}) };
  if (p.action !== "removed" || !removed.length) {
    return { ...base, outcome: "ignored", reason: `${what}: nothing to do; failed runs of its repositories create jobs as they come` };
  }
  const repoIds = removed.map((r) => r.id);
  const stopped = await stopJobs(deps, { installationId: id, repoIds }, meta.receivedAt, (job) => ({
    code: "repository_removed",
    message: `${job.repo.fullName} was removed from the app's installation on ${account} (installation ${id}): the job was stopped and writes nothing more to GitHub. Add the repository back to the installation, then \`t0-ci-bot jobs retry ${job.id}\` runs it again.`,
  }));
  const names = removed.slice(0, NAMED_IDS).map((r) => r.full_name).join(", ") + (removed.length > NAMED_IDS ? ` and ${removed.length - NAMED_IDS} more` : "");
  return { ...base, outcome: "event_routed", reason: `${what}: ${names} removed from the installation; ${stoppedText(stopped)}` };
};

/** Stops each unfinished job in scope (judged again inside its write); the ids of those it stopped. */
async function stopJobs(deps: HandlerDeps, scope: UnfinishedScope, at: string, reason: (job: Job) => StopReason): Promise<string[]> {
  const stopped: string[] = [];
  for (const job of await deps.store.listUnfinishedJobs(scope)) {
    let changed = false;
    await deps.store.updateJob(job.id, (j) => void (changed = stopJob(j, reason(j), at)));
    if (changed) stopped.push(job.id);
  }
  return stopped;
}

/**
 * Uninstalling and installing again gives a new installation id: jobs stopped with the old one would meet
 * its refused token on retry. Those of the repositories the new installation reaches move to it. Only a
 * repository's latest jobs are looked at: none are created while the app is uninstalled, so the jobs it
 * stopped are the latest.
 */
async function handOver(deps: HandlerDeps, id: number, account: string, repos: readonly { id: number; full_name: string }[], at: string): Promise<string[]> {
  const handed: string[] = [];
  const stoppedHere = (j: Job, repoId: number) => j.state === "failed" && j.error?.code === INSTALLATION_DELETED && j.repo.id === repoId && j.installationId !== id;
  for (const repo of repos) {
    // By id: a repository renamed or transferred while the app was away keeps its jobs under the old name.
    for (const job of await deps.store.listJobs({ repoId: repo.id, limit: LATEST_JOBS })) {
      if (!stoppedHere(job, repo.id)) continue;
      let changed = false;
      await deps.store.updateJob(job.id, (j) => {
        if (!(changed = stoppedHere(j, repo.id))) return;
        j.installationId = id;
        j.error = { ...j.error!, message: `The app was uninstalled from ${account}, which stopped the job; it was installed again (installation ${id}): \`t0-ci-bot jobs retry ${j.id}\` runs the job again.` };
        j.updatedAt = at;
      });
      if (changed) handed.push(job.id);
    }
  }
  return handed;
}

function stoppedText(ids: string[]): string {
  return ids.length ? `stopped ${ids.length} unfinished job(s): ${idsText(ids)}` : "no unfinished job to stop";
}

function idsText(ids: string[]): string {
  return ids.slice(0, NAMED_IDS).join(", ") + (ids.length > NAMED_IDS ? ` and ${ids.length - NAMED_IDS} more` : "");
}

function accountOf(p: InstallationEvent): string {
  const a = p.installation.account;
  return a?.login ?? a?.slug ?? a?.name ?? "its account";
}
