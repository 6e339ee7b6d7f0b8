import { createHash } from "node:crypto";
import { v7 } from "uuid";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const isUuidV7 = (s: string): boolean => V7.test(s);

/** Milliseconds since the epoch encoded in a UUIDv7 (its first 48 bits). */
export function uuidV7Millis(id: string): number {
  return parseInt(id.replace(/-/g, "").slice(0, 12), 16);
}

/** A fresh UUIDv7 stamped with `nowMs` (the injected clock), so it is never in the gateway's future. */
export function newUuidV7(nowMs: number): string {
  return v7({ msecs: Math.floor(nowMs) });
}

/**
 * The job's TensorZero episode id: a UUIDv7 derived from the job (time = when the job was created, capped
 * at now; random bits = a hash of the job id). The same job always gets the same episode, so a retried
 * stage, a restarted process and a second repair attempt all land in one episode without a write first.
 */
export function episodeIdForJob(job: { id: string; createdAt: string }, nowMs: number): string {
  const created = Date.parse(job.createdAt);
  const msecs = Number.isFinite(created) ? Math.min(created, nowMs) : nowMs;
  const random = new Uint8Array(createHash("sha256").update(`episode:${job.id}`).digest().subarray(0, 16));
  return v7({ msecs: Math.floor(msecs), random });
}
