import { join } from "node:path";
import { intakeRecords } from "./intake-journal.js";
import { LowdbJobStore } from "./lowdb-store.js";
import type { RedisJobStore } from "./redis-store.js";

export interface MigrationReport {
  jobs: { copied: number; alreadyPresent: number };
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
  const report: MigrationReport = { jobs: { copied: 0, alreadyPresent: 0 }, deliveries: { copied: 0, alreadyPresent: 0 }, unfinished: 0 };
  const source = await LowdbJobStore.open(dataDir, { readOnly: true });
  try {
    const jobs = await source.listJobs({ limit: Number.MAX_SAFE_INTEGER });
    report.unfinished = (await source.listUnfinishedJobIds()).length;
    for (const job of jobs.reverse()) await countJob(report, opts.dryRun ? !(await target.findJobByKey(job.key)) : await target.importJob(job));
    opts.onProgress?.(`jobs: ${report.jobs.copied} copied, ${report.jobs.alreadyPresent} already in Redis`);
  } finally {
    await source.close();
  }
  for await (const rec of intakeRecords(join(dataDir, "journal"))) {
    // A job that reached the journal but not its own file (a crash between the two writes).
    if (rec.job && !opts.dryRun && (await target.importJob(rec.job))) report.jobs.copied++;
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

async function countJob(report: MigrationReport, copied: boolean): Promise<void> {
  if (copied) report.jobs.copied++;
  else report.jobs.alreadyPresent++;
}
