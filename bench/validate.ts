// Validation runner benchmark: the cost of the bubblewrap sandbox per command (start-up of `true`, and a
// real `node --test` run of the node-sum fixture) beside the same commands unsandboxed as the baseline;
// the sandbox probe; and output capture of 200 MB through the tail buffer (throughput and memory).
import { mkdir, mkdtemp, rm, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand, type SandboxSpec } from "../src/validate/run-command.js";
import { probeBwrap } from "../src/validate/sandbox.js";
import { scrubbedEnv } from "../src/validate/scrubbed-env.js";

const N = Number(process.env.BENCH_N ?? 30);
const here = dirname(fileURLToPath(import.meta.url));
const root = await mkdtemp(join(tmpdir(), "t0-bench-validate-"));
const ws = join(root, "node-sum");
const home = join(root, "home");
const tmp = join(root, "tmp");
await cp(join(here, "..", "fixtures", "repos", "node-sum"), ws, { recursive: true });
await Promise.all([mkdir(home), mkdir(tmp)]);
const env = scrubbedEnv(process.env, { home, tmp });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
async function time(command: string, sandbox: SandboxSpec, n: number) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await runCommand({ command, cwd: ws, env, sandbox, timeoutMs: 60_000, maxOutputBytes: 64 * 1024 });
    ms.push(performance.now() - t);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95) };
}
const fmt = (r: { p50: number; p95: number }) => `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`;

try {
  const t0 = performance.now();
  const probe = await probeBwrap();
  console.log(`sandbox probe: ${probe.available ? "bwrap available" : `unavailable (${probe.reason})`} in ${(performance.now() - t0).toFixed(1)} ms`);
  const none: SandboxSpec = { kind: "none" };
  const bwrap: SandboxSpec = { kind: "bwrap", workspace: ws, writable: [home, tmp], network: false, parentHome: process.env.HOME };
  for (const [label, cmd, n] of [["`true`", "true", N], ["`node --test` (node-sum)", "node --test || true", Math.max(5, Math.floor(N / 3))]] as const) {
    const base = await time(cmd, none, n);
    console.log(`${label.padEnd(26)} unsandboxed (baseline): ${fmt(base)}`);
    if (probe.available) {
      const sb = await time(cmd, bwrap, n);
      console.log(`${label.padEnd(26)} bubblewrap:             ${fmt(sb)}  (+${(sb.p50 - base.p50).toFixed(1)} ms p50)`);
    }
  }
  const rssBefore = process.memoryUsage().rss;
  const t1 = performance.now();
  const big = await runCommand({ command: "head -c 200000000 /dev/zero", cwd: ws, env, sandbox: none, timeoutMs: 60_000, maxOutputBytes: 1024 * 1024 });
  const secs = (performance.now() - t1) / 1000;
  const baseT = performance.now();
  await runCommand({ command: "head -c 200000000 /dev/zero > /dev/null", cwd: ws, env, sandbox: none, timeoutMs: 60_000, maxOutputBytes: 1024 * 1024 });
  const baseSecs = (performance.now() - baseT) / 1000;
  console.log(
    `200 MB of output captured: ${(200 / secs).toFixed(0)} MB/s (baseline, discarded by the shell: ${(200 / baseSecs).toFixed(0)} MB/s); ` +
      `kept ${big.output.bytes().length} bytes; RSS growth ${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)} MB`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
