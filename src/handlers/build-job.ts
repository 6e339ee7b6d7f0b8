import { randomFillSync } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import { jobKey, type Job, type JobRepo, type JobRun } from "../core/job.js";

export interface NewJobInput {
  deliveryId: string;
  event: string;
  installationId: number;
  repo: JobRepo;
  run: JobRun;
  fingerprint: string;
  dryRun: boolean;
  at: string;
}

/**
 * Random bytes for job ids, drawn 16 at a time from a 4 KB buffer. uuid's own source asks WebCrypto for
 * each id, which was 5% of the webhook path's CPU under load; one randomFillSync per 256 ids is not.
 * Plain bytes with no configuration or lifecycle, so module state like uuid's own buffer.
 */
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;
function random16(): Uint8Array {
  if (randomAt === randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  randomAt += 16;
  return randomPool.subarray(randomAt - 16, randomAt);
}

/** A fresh `pending` job; its key makes every later delivery of the same run a duplicate. */
export function buildJob(i: NewJobInput): Job {
  return {
    id: uuidv7({ random: random16() }),
    key: jobKey(i.repo.id, i.run.id),
    deliveryId: i.deliveryId,
    installationId: i.installationId,
    repo: i.repo,
    run: i.run,
    fingerprint: i.fingerprint,
    state: "pending",
    history: [{ state: "pending", at: i.at, note: `${i.event} ${i.run.conclusion}` }],
    completedStages: [],
    results: {},
    attempts: { total: 0, byStage: {} },
    dryRun: i.dryRun,
    feedback: [],
    createdAt: i.at,
    updatedAt: i.at,
  };
}

export function jobRepoFrom(r: { id: number; name: string; full_name: string; owner: { login: string }; default_branch?: string | undefined; private?: boolean | undefined }): JobRepo {
  return { id: r.id, owner: r.owner.login, name: r.name, fullName: r.full_name, defaultBranch: r.default_branch, private: r.private };
}
