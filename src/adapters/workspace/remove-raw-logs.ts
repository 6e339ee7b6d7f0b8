import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * What a logs directory keeps once the raw logs are gone: the redacted failure context (propose-patch and
 * validation read it) and the workflow file (repository content at head_sha, whose failing step validation
 * replays). Everything else there is what GitHub sent — job logs, annotations, fix-branch runs — unredacted.
 */
export const DERIVED_LOG_FILES: ReadonlySet<string> = new Set(["context.json", "workflow.yml"]);

/**
 * Removes the raw logs from `logsDir`, keeping DERIVED_LOG_FILES. Raw logs can hold secrets GitHub did not
 * mask; once the context is built nothing reads them, and a job can wait days for CI on its fix PR. A stage
 * that needs them again (build-context after a crash, a retry) fetches them again from GitHub.
 * Returns how many entries went; a directory that is not there has none.
 */
export async function removeRawLogs(logsDir: string): Promise<number> {
  const names = await readdir(logsDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  let removed = 0;
  for (const name of names) {
    if (DERIVED_LOG_FILES.has(name)) continue;
    await rm(join(logsDir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
