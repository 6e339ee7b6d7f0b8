import { Counter, Histogram, Registry, Gauge, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics, on registries of our own (no global default registry: tests build many apps).
 * `registry` holds this process's figures, served by every process. `fleet` holds the figures read from the
 * shared store (jobs by state, the feedback backlog): the same numbers whichever process reads them, so only
 * web processes serve them (send-metrics.ts), and a sum over a web and its workers is not multiplied.
 */
export interface Metrics {
  registry: Registry;
  fleet: Registry;
  deliveries: Counter<"event" | "outcome">;
  stageDuration: Histogram<"stage" | "outcome">;
  retries: Counter<"stage" | "code">;
  waits: Counter<"stage" | "code">;
  failures: Counter<"stage" | "code">;
  jobsByState: Gauge<"state">;
  feedback: Counter<"metric" | "outcome">;
  feedbackPending: Gauge;
  feedbackOldestPending: Gauge;
  sandboxAvailable: Gauge;
  redisDurable: Gauge<"setting">;
  storeWarnings: Gauge<"code">;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const fleet = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "t0_" });
  return {
    registry,
    fleet,
    deliveries: new Counter({
      name: "t0_webhook_deliveries_total",
      help: "Webhook deliveries received, by event and outcome",
      labelNames: ["event", "outcome"],
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: "t0_stage_duration_seconds",
      help: "Duration of pipeline stages",
      labelNames: ["stage", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [registry],
    }),
    retries: new Counter({
      name: "t0_stage_retries_total",
      help: "Retryable stage failures that were scheduled for another attempt, using up the stage's JOB_MAX_RETRIES",
      labelNames: ["stage", "code"],
      registers: [registry],
    }),
    waits: new Counter({
      name: "t0_stage_waits_total",
      help: "Stage tries that met something to wait out (GitHub or the model gateway down, GitHub's rate limit, a full disk, the fix-PR lock held) and were scheduled again without using up the stage's retries (for up to WAIT_MAX_HOURS)",
      labelNames: ["stage", "code"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "t0_job_failures_total",
      help: "Jobs that ended failed, by the stage and the error code they failed with (a stopped job is not counted)",
      labelNames: ["stage", "code"],
      registers: [registry],
    }),
    jobsByState: new Gauge({
      name: "t0_jobs",
      help: "Jobs by lifecycle state (refreshed on scrape). Fleet-wide, from the shared store: served by web processes only; with several, aggregate with max, not sum.",
      labelNames: ["state"],
      registers: [fleet],
    }),
    feedback: new Counter({
      name: "t0_feedback_total",
      help: "Feedback sent to TensorZero, by metric and outcome",
      labelNames: ["metric", "outcome"],
      registers: [registry],
    }),
    feedbackPending: new Gauge({
      name: "t0_feedback_pending",
      help: "Feedback items recorded and not sent to TensorZero yet, over every job (refreshed on scrape). Fleet-wide, from the shared store: served by web processes only; with several, aggregate with max, not sum.",
      registers: [fleet],
    }),
    feedbackOldestPending: new Gauge({
      name: "t0_feedback_oldest_pending_seconds",
      help: "Age of the oldest feedback item not sent yet, 0 when none: alert on it staying above an hour or two (a value the gateway keeps failing, a refused key, a gateway down); refreshed on scrape. Fleet-wide, from the shared store: served by web processes only; with several, aggregate with max, not sum.",
      registers: [fleet],
    }),
    storeWarnings: new Gauge({
      name: "t0_store_warnings",
      help: "What the store keeps failing at without being unready, by code: how many things each is about (job_documents_unwritable: job documents one file in the way keeps from being written); refreshed on scrape",
      labelNames: ["code"],
      registers: [registry],
    }),
    sandboxAvailable: new Gauge({
      name: "t0_sandbox_available",
      help: "1 when this process runs validation commands in bubblewrap, 0 when unsandboxed or refusing (set when job workers start)",
      registers: [registry],
    }),
    redisDurable: new Gauge({
      name: "t0_redis_durable",
      help: "With REDIS_URL, as read at this process's start: 1 when Redis's persistence or eviction setting keeps acknowledged deliveries and jobs (appendfsync everysec counts, a documented trade-off), 0 when the start-up check warned about it, absent when it could not be read; see docs/scaling.md, Redis settings",
      labelNames: ["setting"],
      registers: [registry],
    }),
  };
}
