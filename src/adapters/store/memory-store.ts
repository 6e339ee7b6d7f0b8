import { AppError } from "../../core/errors.js";
import type { Job, JobState } from "../../core/job.js";
import type { Delivery, FingerprintCap, JobQuery, JobStore, UnfinishedScope, UpdateOptions } from "../../core/ports/job-store.js";
import { JobIndex, toIndexEntry } from "./job-index.js";

/** Everything in process memory: for tests and `DRY_RUN` demos. Copies on the way in and out, like a real store. */
export class MemoryJobStore implements JobStore {
  readonly kind = "memory";
  readonly #jobs = new Map<string, Job>();
  readonly #index = new JobIndex();
  readonly #deliveries: Delivery[] = [];
  readonly #payloads = new Map<string, string>();
  #closed = false;

  async ping(): Promise<void> {
    if (this.#closed) throw new AppError("store_closed", "The job store is closed.", { retryable: true });
  }

  async recordIntake(delivery: Delivery, rawPayload: string | Buffer, job?: Job, cap?: FingerprintCap) {
    await this.ping();
    this.#payloads.set(delivery.id, rawPayload.toString());
    if (!job) {
      this.#deliveries.push({ ...delivery });
      return { created: false };
    }
    const existing = this.#index.idForKey(job.key);
    if (existing) {
      this.#deliveries.push({ ...delivery, outcome: "duplicate", jobId: existing, reason: delivery.reason ?? "a job for this run exists" });
      return { job: structuredClone(this.#jobs.get(existing)), created: false };
    }
    if (cap && this.#index.countFingerprint(job.repo.id, job.fingerprint) >= cap.max) {
      this.#deliveries.push({ ...cap.delivery });
      return { created: false, capped: true };
    }
    this.#jobs.set(job.id, structuredClone(job));
    this.#index.put(toIndexEntry(job));
    this.#deliveries.push({ ...delivery, jobId: job.id });
    return { job: structuredClone(job), created: true };
  }

  async getJob(id: string) {
    const job = this.#jobs.get(id);
    return job && structuredClone(job);
  }

  async findJobByKey(key: string) {
    const id = this.#index.idForKey(key);
    return id ? this.getJob(id) : undefined;
  }

  /** `_opts.fence` is not checked: only this process writes the store, so no other worker can hold the job. */
  async updateJob(id: string, mutate: (job: Job) => void, _opts?: UpdateOptions): Promise<Job> {
    await this.ping();
    const current = this.#jobs.get(id);
    if (!current) throw new AppError("job_not_found", `No job with id ${id}.`);
    const next = structuredClone(current);
    mutate(next);
    this.#jobs.set(id, next);
    this.#index.put(toIndexEntry(next));
    return structuredClone(next);
  }

  async listJobs(q: JobQuery = {}) {
    return this.#index.query(q).map((e) => structuredClone(this.#jobs.get(e.id)!));
  }

  async listJobIdsWithPendingFeedback() {
    return this.#index.withPendingFeedback();
  }

  async listUnfinishedJobIds() {
    return this.#index.unfinished().map((e) => e.id);
  }

  async listUnfinishedJobs(scope: UnfinishedScope) {
    return this.#index.unfinishedOf(scope).map((e) => structuredClone(this.#jobs.get(e.id)!));
  }

  async listDeliveries(q: { limit?: number } = {}) {
    return this.#deliveries.slice(-(q.limit ?? 50)).reverse().map((d) => ({ ...d }));
  }

  async getDeliveryPayload(id: string) {
    return this.#payloads.get(id);
  }

  async countByFingerprint(repoId: number, fingerprint: string) {
    return this.#index.countFingerprint(repoId, fingerprint);
  }

  async clearFingerprints(repoId: number, fingerprints: string[], at: string) {
    for (const fp of fingerprints) this.#index.clearFingerprint(repoId, fp, at);
  }

  async countByState(): Promise<Record<JobState, number>> {
    return this.#index.countByState();
  }

  async close() {
    this.#closed = true;
  }
}
