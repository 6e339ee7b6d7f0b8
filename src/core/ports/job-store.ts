import type { Job, JobState } from "../job.js";

/** One received webhook, kept for traceability whether or not it became a job. */
export interface Delivery {
  id: string; // X-GitHub-Delivery GUID
  event: string; // X-GitHub-Event
  action?: string;
  receivedAt: string;
  installationId?: number;
  repoFullName?: string;
  outcome: "job_created" | "duplicate" | "ignored" | "event_routed" | "invalid";
  reason?: string;
  jobId?: string;
}

/** The fix-loop cap, checked by the store in the same atomic step that creates the job. */
export interface FingerprintCap {
  /** No job is created when this many jobs of the repository already carry the job's fingerprint. */
  max: number;
  /** The delivery record kept instead (outcome `ignored`, with the reason). */
  delivery: Delivery;
}

/** Whose unfinished jobs: an installation's, or with `repoIds` only those of these repositories. */
export interface UnfinishedScope {
  installationId: number;
  repoIds?: readonly number[];
}

/**
 * Proof that a write comes from the process that holds its job in a shared queue (see RunContext.fence):
 * a lease in the same Redis, a sorted set `key` whose member `holder` is scored by the lease's expiry (ms,
 * Redis server time). A store several processes share checks it in the same atomic step as the write and
 * refuses the write when the lease lapsed or passed to another holder, so a worker that lost its job cannot
 * overwrite what the new owner recorded. A store only one process opens (lowdb, memory) has no other writer
 * to fence off and ignores it.
 */
export interface WriteFence {
  key: string;
  holder: string;
}

export interface UpdateOptions {
  /**
   * Refuse the write, with AppError `job_taken_over` (not retryable: the job is another process's now)
   * and the job left as it was, unless the fence's lease is still held.
   */
  fence?: WriteFence;
  /**
   * Written whoever holds the job, even through a store that fences every write to it (FencedJobStore): for
   * a change that records what already happened outside, decided inside the write on the job as it is then
   * (a feedback item the gateway took). Refused, it would be done again by the job's new owner.
   */
  unfenced?: true;
}

export interface JobQuery {
  state?: JobState;
  limit?: number;
  /** Only jobs whose repo full name matches (case-insensitive): the name people type (CLI, admin). */
  repo?: string;
  /**
   * Only jobs of this repository ID. What the pipeline's guards ask by: the ID survives a rename or a
   * transfer, while jobs made before one keep the old full name (only the job a webhook is about follows it).
   */
  repoId?: number;
}

/** Something an operator should fix that does not stop the store taking webhooks (/readyz body, metrics, log). */
export interface StoreWarning {
  code: string;
  /** How many things (files, ...) it is about. */
  count: number;
  /** What is wrong, where, and what to do. */
  message: string;
}

/**
 * Durable job and delivery records. Every method that resolves has made its write durable against a
 * process crash: the webhook is acknowledged only after `recordIntake` resolves.
 */
export interface JobStore {
  readonly kind: string;
  /** Throws when the backing store is unreachable, or (lowdb) its disk keeps refusing the writes made behind intake (used by /readyz). */
  ping(): Promise<void>;
  /** What keeps failing without making the store unready (lowdb: a job document one file in the way refuses); absent when nothing can. */
  warnings?(): StoreWarning[];
  /**
   * Records a delivery (with its raw body, as received: bytes or text) and, when `job` is given, creates
   * it unless a job with the same key exists. Atomic with respect to concurrent calls with the same key:
   * exactly one creates. With `cap`, a job whose fingerprint has reached `cap.max` is not created and
   * `cap.delivery` is recorded instead (`capped: true`); a run that already has a job stays a duplicate.
   */
  recordIntake(
    delivery: Delivery,
    rawPayload: string | Buffer,
    job?: Job,
    cap?: FingerprintCap,
  ): Promise<{ job?: Job; created: boolean; capped?: boolean }>;
  getJob(id: string): Promise<Job | undefined>;
  findJobByKey(key: string): Promise<Job | undefined>;
  /** Read-modify-write of one job; `mutate` edits the copy it receives. Returns the stored result. */
  updateJob(id: string, mutate: (job: Job) => void, opts?: UpdateOptions): Promise<Job>;
  listJobs(query?: JobQuery): Promise<Job[]>;
  /** Ids of jobs not in a final state, oldest first (for resume at start-up). */
  listUnfinishedJobIds(): Promise<string[]>;
  /**
   * Jobs not in a final state (queued, running, waiting for a retry or parked) of one installation, or of
   * only those of its repositories in `repoIds`; oldest first. What the app stops when it loses access.
   */
  listUnfinishedJobs(scope: UnfinishedScope): Promise<Job[]>;
  /** Ids of jobs, in any state and of any age, with a feedback item still `pending` (the outbox's resend). */
  listJobIdsWithPendingFeedback(): Promise<string[]>;
  /**
   * The latest deliveries, newest first, with none left out between them: redelivery takes a delivery
   * GitHub saw acknowledged, newer than the oldest one listed and not listed, as lost.
   */
  listDeliveries(query?: { limit?: number }): Promise<Delivery[]>;
  /** The stored raw body of a delivery, when still retained. */
  getDeliveryPayload(id: string): Promise<string | undefined>;
  /**
   * How many jobs of this repository carry this failure fingerprint (fix-loop guard), counting only those
   * created after the last `clearFingerprints` of it.
   */
  countByFingerprint(repoId: number, fingerprint: string): Promise<number>;
  /**
   * The failures went green (the same workflow passed on the same branch): the fix-loop guard counts
   * them from zero again. `at` is when the passing run was received; jobs created before it stop counting.
   */
  clearFingerprints(repoId: number, fingerprints: string[], at: string): Promise<void>;
  /** Jobs counted per state (metrics). */
  countByState(): Promise<Record<JobState, number>>;
  /**
   * Periodic work one process of a fleet should do: true when this process holds the lease `name` for `ms`.
   * Absent from a store only one process opens (it does the work itself).
   */
  tryLease?(name: string, ms: number): Promise<boolean>;
  /**
   * Whether the fence's holder still has its lease, by the clock the store checks fenced writes with.
   * Absent from a store only one process opens: no other worker can take a job over there.
   */
  holdsFence?(fence: WriteFence): Promise<boolean>;
  /**
   * Writes to disk started and not answered yet (lowdb), oldest first: what a stop that cannot close the
   * store names (a dead disk never answers). Absent from a store that writes no files.
   */
  writesInFlight?(): Array<{ op: string; path: string; since: number }>;
  close(): Promise<void>;
}
