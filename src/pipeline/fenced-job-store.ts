import type { Job } from "../core/job.js";
import type { JobStore, UpdateOptions, WriteFence } from "../core/ports/job-store.js";

/**
 * The store as the stages of one run see it: their writes to the run's job carry the run's fence, so a
 * stage that writes after its worker lost the job (it finished just before the loss was noticed, or went on
 * after ignoring its abort) is refused like the runner's own writes. Writes to another job (the sibling the
 * PR stage marks) are not this lease's to fence and go through as they are, as do writes marked `unfenced`.
 */
export class FencedJobStore implements JobStore {
  readonly kind: string;
  readonly tryLease?: JobStore["tryLease"];
  readonly holdsFence?: JobStore["holdsFence"];
  readonly #store: JobStore;
  readonly #jobId: string;
  readonly #fence: WriteFence;

  constructor(store: JobStore, jobId: string, fence: WriteFence) {
    this.#store = store;
    this.#jobId = jobId;
    this.#fence = fence;
    this.kind = store.kind;
    if (store.tryLease) this.tryLease = store.tryLease.bind(store);
    if (store.holdsFence) this.holdsFence = store.holdsFence.bind(store);
  }

  updateJob(id: string, mutate: (job: Job) => void, opts?: UpdateOptions): Promise<Job> {
    return this.#store.updateJob(id, mutate, id === this.#jobId && !opts?.unfenced ? { ...opts, fence: this.#fence } : opts);
  }

  ping(): Promise<void> {
    return this.#store.ping();
  }
  recordIntake(...args: Parameters<JobStore["recordIntake"]>) {
    return this.#store.recordIntake(...args);
  }
  getJob(id: string) {
    return this.#store.getJob(id);
  }
  findJobByKey(key: string) {
    return this.#store.findJobByKey(key);
  }
  listJobs(...args: Parameters<JobStore["listJobs"]>) {
    return this.#store.listJobs(...args);
  }
  listUnfinishedJobIds() {
    return this.#store.listUnfinishedJobIds();
  }
  listUnfinishedJobs(...args: Parameters<JobStore["listUnfinishedJobs"]>) {
    return this.#store.listUnfinishedJobs(...args);
  }
  listJobIdsWithPendingFeedback() {
    return this.#store.listJobIdsWithPendingFeedback();
  }
  listDeliveries(...args: Parameters<JobStore["listDeliveries"]>) {
    return this.#store.listDeliveries(...args);
  }
  getDeliveryPayload(id: string) {
    return this.#store.getDeliveryPayload(id);
  }
  countByFingerprint(...args: Parameters<JobStore["countByFingerprint"]>) {
    return this.#store.countByFingerprint(...args);
  }
  clearFingerprints(...args: Parameters<JobStore["clearFingerprints"]>) {
    return this.#store.clearFingerprints(...args);
  }
  countByState() {
    return this.#store.countByState();
  }
  close(): Promise<void> {
    return this.#store.close();
  }
}
