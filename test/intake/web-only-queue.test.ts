import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, closeDeps, startWorkers } from "../../src/composition.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import type { Deps } from "../../src/core/deps.js";
import { silentLogger } from "../../src/core/logger.js";

describe("the queue of the embedded defaults (no REDIS_URL)", () => {
  let dir: string;
  let deps: Deps | undefined;
  afterEach(async () => {
    if (deps) await closeDeps(deps);
    deps = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const build = async (workers: string) => {
    dir = await mkdtemp(join(tmpdir(), "t0-web-only-"));
    const config = loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: workers });
    deps = await buildDeps(config, { logger: silentLogger() });
    return deps;
  };

  test("T0_WORKERS=0: jobs are not held in memory for a consumer that does not exist", async () => {
    const d = await build("0");
    expect(d.queue.kind).toBe("none");
    for (let i = 0; i < 100; i++) await d.queue.enqueue({ jobId: `job-${i}`, installationId: 1, repo: "octo/app" });
    expect(await d.queue.stats()).toEqual({ waiting: 0, active: 0, delayed: 0 });
    expect(await startWorkers(d)).toBeUndefined();
    await expect(d.queue.start(async () => undefined)).rejects.toMatchObject({ code: "queue_record_only", message: expect.stringMatching(/set T0_WORKERS to 1 or more/) });
  });

  test("with workers, the in-process queue", async () => {
    const d = await build("2");
    expect(d.queue.kind).toBe("in-process");
  });
});
