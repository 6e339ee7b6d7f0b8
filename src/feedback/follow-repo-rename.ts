import type { Job } from "../core/job.js";

/**
 * Gives the job its repository's name as an event about it has it now (`owner/name`). GitHub keeps the id
 * (the job's key) through a rename or a transfer and redirects the old name's API calls, but REPO_ALLOWLIST
 * is matched on the name, and operators write the new one there for the repository's new runs: a job left
 * under the old name was stopped as no longer allowed. Feedback tags and logs then name it as people do.
 * Returns whether it changed anything.
 */
export function followRepoRename(job: Job, fullName: string): boolean {
  if (job.repo.fullName === fullName) return false;
  const [owner, name] = fullName.split("/");
  if (!owner || !name) return false;
  job.repo = { ...job.repo, owner, name, fullName };
  return true;
}
