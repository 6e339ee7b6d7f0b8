import { join } from "node:path";
import { intakeRecords } from "./intake-journal.js";
import { LowdbJobStore } from "./lowdb-store.js";
import type { RedisJobStore } from "./redis-store.js";

export interface MigrationReport {
  /** `updated`: imported by an earlier run, since changed by the old server, and brought up to date. */
  jobs: { copied: number; updated: number; alreadyPresent: number };
  deliveries: { copied: number; alreadyPresent: number };
  unfinished: number;
}

/**
 * Copies an embedded DATA_DIR into Redis: every job as it stands (live and archived, via the lowdb store
 * opened read-only, so a running server is not disturbed), then every delivery with its raw payload from
 * the intake journal, oldest first. Safe to run again: jobs whose key exists and deliveries already
 * imported are skipped. Unfinished jobs are resumed by the first `worker` that starts.
 */
export async function migrateLowdbToRedis(dataDir: string, target: RedisJobStore, opts: { dryRun?: boolean; onProgress?: (msg: string) => void } = {}): Promise<MigrationReport> {
  const report: MigrationReport = { jobs: { copied: 0, updated: 0, alreadyPresent: 0 }, deliveries: { copied: 0, alreadyPresent: 0 }, unfinished: 0 };
  const source = await LowdbJobStore.open(dataDir, { readOnly: true });
  try {
    const jobs = await source.listJobs({ limit: Number.MAX_SAFE_INTEGER });
    report.unfinished = (await source.listUnfinishedJobIds()).length;
    for (const job of jobs.reverse()) {
      const outcome = opts.dryRun ? ((await target.findJobByKey(job.key)) ? "present" : "created") : await target.importJob(job, { refresh: true });
      if (outcome === "created") report.jobs.copied++;
      else if (outcome === "refreshed") report.jobs.updated++;
      else report.jobs.alreadyPresent++;
    }
    // Each imported job counted one more attempt of its failure; the source's count knows which failures
    // have passed since (the fix-loop guard starts again from zero then). The new processes start after
    // the migration, so the source's count is the whole count.
    if (!opts.dryRun) {
      const failures = new Map(jobs.map((j) => [`${j.repo.id}:${j.fingerprint}`, j] as const));
      for (const j of failures.values()) await target.setFingerprintCount(j.repo.id, j.fingerprint, await source.countByFingerprint(j.repo.id, j.fingerprint));
    }
    opts.onProgress?.(`jobs: ${report.jobs.copied} copied, ${report.jobs.updated} updated, ${report.jobs.alreadyPresent} already in Redis`);
  } finally {
    await source.close();
  }
  for await (const rec of intakeRecords(join(dataDir, "journal"))) {
    // A job that reached the journal but not its own file (a crash between the two writes).
    // Only created, never refreshed: this is the job as it was at intake.
    if (rec.job && !opts.dryRun && (await target.importJob(rec.job)) === "created") report.jobs.copied++;
    if (opts.dryRun) {
      report.deliveries.copied++;
      continue;
    }
    if (await target.importDelivery(rec.delivery, rec.payload())) report.deliveries.copied++;
    else report.deliveries.alreadyPresent++;
  }
  opts.onProgress?.(`deliveries: ${report.deliveries.copied} copied, ${report.deliveries.alreadyPresent} already in Redis`);
  return report;
}
