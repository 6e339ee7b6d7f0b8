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
 * Job ids: UUIDv7 with their random bytes drawn 16 at a time from a 4 KB buffer. uuid's own source asks
 * WebCrypto for each id, which was 5% of the webhook path's CPU under load; one randomFillSync per 256 ids
 * is not. Given the bytes, uuid no longer keeps ids of one millisecond in order, so the counter it would
 * keep is kept here (RFC 9562 §6.2, method 1). Plain state with no configuration, like uuid's own.
 */
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;
let lastMs = -Infinity;
let seq = 0;

function newJobId(): string {
  if (randomAt === randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const random = randomPool.subarray(randomAt, (randomAt += 16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++; // the counter ran over: borrow the next millisecond, as uuid does
  }
  return uuidv7({ random, msecs: lastMs, seq });
}

/** A fresh `pending` job; its key makes every later delivery of the same run a duplicate. */
export function buildJob(i: NewJobInput): Job {
  return {
    id: newJobId(),
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
