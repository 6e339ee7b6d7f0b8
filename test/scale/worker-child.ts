/**
 * A real `t0-ci-bot worker` process (the CLI's own `run`, signal handling included) whose stage table is
 * three sleeping stages that log every start and end to Redis, so the parent test can check that each
 * job ran once, on one worker at a time, and per-repository limits held across processes.
 * Env: the worker's own settings plus SCALE_STAGE_MS, SCALE_SLOW_RUNS and SCALE_LOG_PREFIX (Redis key
 * prefix for the logs).
 */
import { Redis } from "ioredis";
import { run } from "../../src/cli/commands/worker.js";
import type { Stage } from "../../src/pipeline/stage.js";

const redis = new Redis(process.env.REDIS_URL!);
const logPrefix = process.env.SCALE_LOG_PREFIX!;
const stageMs = Number(process.env.SCALE_STAGE_MS ?? 10);
/** `runId:ms,...`: stage "b" of these runs sleeps `ms` on its first attempt (to kill or drain a worker mid-job). */
const slow = new Map((process.env.SCALE_SLOW_RUNS ?? "").split(",").filter(Boolean).map((e) => e.split(":").map(Number) as [number, number]));
const perRepo = Number(process.env.T0_PER_REPO_CONCURRENCY ?? 1);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const stage = (name: string, state: Stage["state"]): Stage => ({
  name,
  state,
  sideEffects: false,
  async run(job, _deps, ctx) {
    const runs = `${logPrefix}runs:${job.id}`;
    const active = `${logPrefix}active:${job.repo.fullName}`;
    const n = await redis.multi().rpush(runs, `${name}:start:${process.pid}`).incr(active).exec();
    if (Number(n?.[1]?.[1]) > perRepo) await redis.rpush(`${logPrefix}violations`, `${job.repo.fullName}:${n?.[1]?.[1]}`);
    try {
      await sleep(name === "b" && ctx.attempt === 1 && slow.has(job.run.id) ? slow.get(job.run.id)! : stageMs, ctx.signal);
    } finally {
      await redis.decr(active);
    }
    await redis.rpush(runs, `${name}:end:${process.pid}`);
    return { result: { pid: process.pid } };
  },
});

const code = await run([], process.env, { stages: [stage("a", "cloning"), stage("b", "analysis"), stage("c", "pr")] });
// Like bin/t0-ci-bot.js: set the exit code and let the process end by itself.
redis.disconnect();
process.exitCode = code;
