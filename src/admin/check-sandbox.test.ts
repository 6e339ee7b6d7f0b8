import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, closeDeps, startWorkers } from "../composition.js";
import { loadAppConfig } from "../config/app-config.js";
import type { SandboxProbe } from "../validate/sandbox.js";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { createMetrics } from "./metrics.js";
import { checkSandbox } from "./check-sandbox.js";

const missing: SandboxProbe = { available: false, reason: "bwrap is not installed (apt-get install bubblewrap)" };

function setup(env: Record<string, string>) {
  const { logger, lines } = recordingLogger();
  const metrics = createMetrics();
  const config = loadAppConfig({ WEBHOOK_SECRET: "s", ...env });
  const gauge = async () => (await metrics.sandboxAvailable.get()).values[0]?.value;
  return { deps: { config, logger, metrics }, lines, gauge };
}

describe("checkSandbox: how this host will run repositories' commands, said at start", () => {
  test("production without bubblewrap: one error line that says every validating job will fail and what to do", async () => {
    const { deps, lines, gauge } = setup({ NODE_ENV: "production" });
    const outcome = await checkSandbox(deps, async () => missing);
    expect(outcome.kind).toBe("refused");
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        msg: expect.stringMatching(/^every job that validates a patch will fail: .*bwrap is not installed.*Install bubblewrap.*SANDBOX=off/),
      }),
    ]);
    expect(await gauge()).toBe(0);
  });

  test("SANDBOX=bwrap where bubblewrap does not work: an error, in development too", async () => {
    const { deps, lines } = setup({ SANDBOX: "bwrap" });
    expect((await checkSandbox(deps, async () => missing)).kind).toBe("refused");
    expect(lines).toEqual([expect.objectContaining({ level: "error", msg: expect.stringMatching(/SANDBOX=bwrap requires a bubblewrap sandbox/) })]);
  });

  test("development without bubblewrap: a warning with the reason; commands run unsandboxed", async () => {
    const { deps, lines, gauge } = setup({ NODE_ENV: "development" });
    expect(await checkSandbox(deps, async () => missing)).toMatchObject({ kind: "ok", choice: { kind: "none" } });
    expect(lines).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ reason: expect.stringMatching(/bwrap is not installed/) }) })]);
    expect(await gauge()).toBe(0);
  });

  test("bubblewrap works: an info line and the gauge at 1", async () => {
    const { deps, lines, gauge } = setup({ NODE_ENV: "production" });
    expect(await checkSandbox(deps, async () => ({ available: true }))).toMatchObject({ kind: "ok", choice: { kind: "bwrap" } });
    expect(lines.map((l) => l.level)).toEqual(["info"]);
    expect(await gauge()).toBe(1);
  });

  test("SANDBOX=off: the operator's choice is said, bubblewrap is not probed", async () => {
    const { deps, lines } = setup({ NODE_ENV: "production", SANDBOX: "off" });
    const probe = jest.fn(async () => missing);
    expect(await checkSandbox(deps, probe)).toMatchObject({ kind: "ok", choice: { kind: "none" } });
    expect(probe).not.toHaveBeenCalled();
    expect(lines).toEqual([expect.objectContaining({ level: "info", msg: expect.stringMatching(/SANDBOX=off/) })]);
  });
});

describe("startWorkers runs the check before it returns", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a production worker without bubblewrap logs the error at start, before any job", async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-sandbox-check-"));
    const { logger, lines } = recordingLogger();
    const config = loadAppConfig({ NODE_ENV: "production", WEBHOOK_SECRET: "s", DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws") });
    const deps = await buildDeps(config, { logger });
    const runner = await startWorkers(deps, { probeSandbox: async () => missing });
    try {
      expect(lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([expect.stringMatching(/^every job that validates a patch will fail/)]);
    } finally {
      runner?.stop();
      await deps.queue.stop({ drainMs: 0 });
      await closeDeps(deps);
    }
  });

  test("a web-only process (T0_WORKERS=0) runs no commands and says nothing about the sandbox", async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-sandbox-check-"));
    const { logger, lines } = recordingLogger();
    const config = loadAppConfig({ NODE_ENV: "production", WEBHOOK_SECRET: "s", DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: "0" });
    const deps = await buildDeps(config, { logger });
    const probe = jest.fn(async () => missing);
    expect(await startWorkers(deps, { probeSandbox: probe })).toBeUndefined();
    expect(probe).not.toHaveBeenCalled();
    expect(lines.some((l) => /sandbox/i.test(l.msg))).toBe(false);
    await closeDeps(deps);
  });
});
