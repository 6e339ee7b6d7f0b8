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
 * the intake journal, oldest first. Safe to run again: deliveries already imported are skipped, and so are
 * jobs whose key exists, except one an earlier run imported that the old server changed since and nothing
 * in Redis has (brought up to date). `dryRun` writes nothing and counts what a run would do. Unfinished
 * jobs are resumed by the first `worker` that starts.
 */
export async function migrateLowdbToRedis(dataDir: string, target: RedisJobStore, opts: { dryRun?: boolean; onProgress?: (msg: string) => void } = {}): Promise<MigrationReport> {
  const report: MigrationReport = { jobs: { copied: 0, updated: 0, alreadyPresent: 0 }, deliveries: { copied: 0, alreadyPresent: 0 }, unfinished: 0 };
  const source = await LowdbJobStore.open(dataDir, { readOnly: true });
  const listed = new Set<string>();
  try {
    const jobs = await source.listJobs({ limit: Number.MAX_SAFE_INTEGER });
    report.unfinished = (await source.listUnfinishedJobIds()).length;
    for (const job of jobs.reverse()) {
      listed.add(job.key);
      // A dry run asks what the import would answer, so its counts are a real run's (a second run of a
      // gap-free switch included), not every job the target has the key of counted as present.
      const outcome = await (opts.dryRun ? target.previewImportJob(job, { refresh: true }) : target.importJob(job, { refresh: true }));
      if (outcome === "created") report.jobs.copied++;
      else if (outcome === "refreshed") report.jobs.updated++;
      else report.jobs.alreadyPresent++;
    }
    // Redis counts a failure's attempts as the set of its job ids, so the imported jobs join the ones the
    // new processes may already have created (a gap-free switch), and a second run adds none twice. Copying
    // the source's count over it would drop those; adding it would count the imported jobs twice; the
    // larger of the two is short by the smaller. What the source knows beyond its jobs is when each failure
    // went green: the same clear, applied here, stops every job created before it from counting, the new
    // processes' too (the failure had passed).
    if (!opts.dryRun) {
      for (const c of source.fingerprintClears()) await target.clearFingerprints(c.repoId, [c.fingerprint], c.at);
    }
    opts.onProgress?.(`jobs: ${report.jobs.copied} copied, ${report.jobs.updated} updated, ${report.jobs.alreadyPresent} already in Redis`);
  } finally {
    await source.close();
  }
  for await (const rec of intakeRecords(join(dataDir, "journal"))) {
    // A job that reached the journal but not its own file (a crash between the two writes).
    // Only created, never refreshed: this is the job as it was at intake.
    if (opts.dryRun) {
      if (rec.job && !listed.has(rec.job.key) && (await target.previewImportJob(rec.job)) === "created") report.jobs.copied++;
      if (rec.job) listed.add(rec.job.key);
      if (await target.wasDeliveryImported(rec.delivery.id)) report.deliveries.alreadyPresent++;
      else report.deliveries.copied++;
      continue;
    }
    if (rec.job && (await target.importJob(rec.job)) === "created") report.jobs.copied++;
    if (await target.importDelivery(rec.delivery, rec.payload())) report.deliveries.copied++;
    else report.deliveries.alreadyPresent++;
  }
  opts.onProgress?.(`deliveries: ${report.deliveries.copied} copied, ${report.deliveries.alreadyPresent} already in Redis`);
  return report;
}
