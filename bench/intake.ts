// Webhook intake throughput: signed workflow_run.completed deliveries (19 KB, the real example payload)
// against the app (`npm start` with T0_WORKERS=0: verify, parse, decide, durable record, 202) beside a
// bare Probot Server with a no-op handler, in the same run on the same machine, each app run between two baseline runs. autocannon, c=10.
// A run with a store that records nothing gives the cost of the path without the durable record.
// Every request is a distinct run (run id and branch vary, each body signed in setupRequest), so the app
// creates a job per request; the duplicate-only variant re-sends one run. The app is measured with an
// empty data dir and with 50,000 jobs already stored (seeded through the store API).
// Each run also prints the server's CPU (all threads) per request, read from /proc: with the machine's speed
// drifting, CPU per request shows where the time goes better than requests/s alone.
// `node --import tsx bench/intake.ts --help` gives its options; --pin is explained where it is read.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { closeSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { LowdbJobStore } from "../src/adapters/store/lowdb-store.js";
import { makeDelivery, makeJob } from "../test/helpers/make-job.js";

// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)("autocannon") as (opts: object) => Promise<any>;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: node --import tsx bench/intake.ts [--duration 10] [--jobs 50000] [--rounds 3] [--pin] [--only key,...]

  --duration S  seconds of load per run (after a 2 s warm-up)
  --jobs N      jobs stored before the runs that start from a seeded store
  --rounds N    every configuration runs once per round; the summary is the median
  --pin         servers on CPU 0, the load generator on CPU 1 (needs taskset and 2 CPUs)
  --only keys   only these configurations: nothing, memory, empty, seeded, defaults, nosync, warn, warnNosync, dup
`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const FLAGS = new Set(["--duration", "--jobs", "--rounds", "--only", "--pin"]);
const bad = process.argv.slice(2).filter((a, i, all) => a.startsWith("-") ? !FLAGS.has(a) : !(all[i - 1] && FLAGS.has(all[i - 1]!) && all[i - 1] !== "--pin"));
if (bad.length) {
  process.stderr.write(`bench/intake.ts: unknown argument ${bad.map((a) => `"${a}"`).join(", ")}\n\n${USAGE}`);
  process.exit(2);
}
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench/intake.ts: --${name} takes a positive number (got "${process.argv[i + 1] ?? ""}")\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const DURATION = arg("duration", 10);
const SEED = arg("jobs", 50_000);
const ROUNDS = Math.max(1, arg("rounds", 3));
const flag = (name: string) => process.argv.includes(`--${name}`);
const ONLY = (() => {
  const i = process.argv.indexOf("--only");
  return i > 0 ? new Set((process.argv[i + 1] ?? "").split(",").filter(Boolean)) : undefined;
})();
// --pin: the servers run on CPU 0 and this process (the load generator) on CPU 1, as a server and GitHub
// would on separate machines. Unpinned, on a 2-CPU VM, every thread the server adds (the fdatasync in the
// thread pool, GC helpers) takes time from the load generator, so the ratio then also measures contention.
const PIN = flag("pin");
if (PIN) {
  const r = spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`--pin needs taskset (util-linux) and 2 CPUs: ${r.stderr || r.error}`);
}
const serverCommand = (args: string[]): [string, string[]] => (PIN ? ["taskset", ["-c", "0", process.execPath, ...args]] : [process.execPath, args]);
const CONNECTIONS = 10;
const SECRET = "bench-secret";
const RUN_MARK = 987654321012;

const payload = JSON.parse(await readFile(join(root, "fixtures/webhooks/workflow_run.completed.json"), "utf8"));
payload.workflow_run.conclusion = "failure";
payload.workflow_run.id = RUN_MARK;
payload.workflow_run.head_branch = "BRANCH_MARK";
const template = JSON.stringify(payload);
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

interface Figures {
  rps: number;
  /** Server CPU (all its threads, user + system) per request, in µs; undefined where /proc is not there. */
  cpuUs?: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      await fetch(url, { method: "GET" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not come up`);
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const done = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const t = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  await done;
  clearTimeout(t);
}

/** `entry`: the script and its arguments (src/main.ts, or bench/intake-app-server.ts with another store). */
async function startApp(dataDir: string, entry: string[] = ["src/main.ts"], fsync = true, logLevel: LogLevel = "info"): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(...serverCommand([...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "--import", "tsx", join(root, entry[0]!), ...entry.slice(1)]), {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: "1",
      REDELIVER_WINDOW_HOURS: "0", // no GitHub to ask
      PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"),
      WEBHOOK_SECRET: SECRET,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      T0_WORKERS: "0",
      LOG_LEVEL: logLevel, // info, the default, writes one JSON line per delivery
      MAX_ATTEMPTS_PER_FINGERPRINT: "1000000000",
      STORE_FSYNC: String(fsync),
      ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(`${url}/healthz`, proc);
  return { proc, url };
}

type LogLevel = "info" | "warn";

async function startBaseline(logLevel: LogLevel): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(...serverCommand(["--import", "tsx", join(root, "bench/intake-baseline-server.ts"), String(port)]), {
    cwd: root,
    env: { PATH: process.env.PATH, WEBHOOK_SECRET: SECRET, NODE_ENV: "production", LOG_LEVEL: logLevel },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(`${url}/ping`, proc);
  return { proc, url };
}

/** One autocannon run; `distinct` makes every request a new run with its own signature. */
async function load(url: string, distinct: boolean, seconds: number): Promise<Figures> {
  let n = 0;
  const prefix = Math.floor(Math.random() * 1e6) * 1e6;
  const dupBody = template.replace(String(RUN_MARK), "424242").replace("BRANCH_MARK", "main");
  const dupSig = sign(dupBody);
  const result = await autocannon({
    url: `${url}/api/github/webhooks`,
    connections: CONNECTIONS,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "workflow_run" },
    requests: [
      {
        method: "POST",
        setupRequest: (req: Record<string, any>) => {
          const body = distinct ? template.replace(String(RUN_MARK), String(prefix + ++n)).replace("BRANCH_MARK", `feature-${n}`) : dupBody;
          req.body = body;
          req.headers = { ...req.headers, "x-github-delivery": randomUUID(), "x-hub-signature-256": distinct ? sign(body) : dupSig };
          return req;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function measure(label: string, start: () => Promise<{ proc: ChildProcess; url: string }>, distinct: boolean): Promise<Figures> {
  // A run writes about a gigabyte of journal: flush it first, or the next run's syncs queue behind it.
  spawnSync("sync");
  const s = await start();
  try {
    await load(s.url, distinct, 2); // warm-up
    const cpu0 = cpuTicks(s.proc.pid);
    const f = await load(s.url, distinct, DURATION);
    const cpu1 = cpuTicks(s.proc.pid);
    if (cpu0 !== undefined && cpu1 !== undefined && f.rps > 0) f.cpuUs = ((cpu1 - cpu0) * 1e6) / CLOCK_TICKS / (f.rps * DURATION);
    const cpu = f.cpuUs === undefined ? "" : `   cpu ${f.cpuUs.toFixed(0).padStart(4)} µs/req`;
    console.log(
      `${label.padEnd(58)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(3)} ms   p99 ${String(f.p99).padStart(3)} ms${cpu}   non-2xx ${f.non2xx}  errors ${f.errors}`,
    );
    return f;
  } finally {
    await stop(s.proc);
  }
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** utime + stime of every thread of `pid` so far, in clock ticks (Linux /proc); undefined elsewhere. */
function cpuTicks(pid: number | undefined): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/**
 * This VM's speed drifts by 20-30% within one bench (a baseline measured once at the start ran at 5,196 req/s and
 * at 3,560 ten minutes later), so one baseline for all runs favours whichever runs sit next to it. Every app run
 * is measured between two baseline runs instead, and compared with their mean; the trailing baseline is the next
 * app run's leading one.
 */
class PairedBaseline {
  #last = new Map<string, Figures>();
  readonly all: Figures[] = [];
  async before(distinct: boolean, level: LogLevel): Promise<Figures> {
    return this.#last.get(`${distinct}:${level}`) ?? this.after(distinct, level);
  }
  async after(distinct: boolean, level: LogLevel): Promise<Figures> {
    const label = `  baseline${distinct ? "" : ", same body every request"}${level === "info" ? ", LOG_LEVEL=info" : ""}`;
    const f = await measure(label, () => startBaseline(level), distinct);
    this.#last.set(`${distinct}:${level}`, f);
    if (distinct && level === "warn") this.all.push(f);
    return f;
  }
}

interface Paired {
  app: Figures;
  ratio: number;
}

async function paired(baseline: PairedBaseline, label: string, start: () => Promise<{ proc: ChildProcess; url: string }>, distinct = true, level: LogLevel = "warn"): Promise<Paired> {
  const before = await baseline.before(distinct, level);
  const app = await measure(label, start, distinct);
  const after = await baseline.after(distinct, level);
  return { app, ratio: app.rps / ((before.rps + after.rps) / 2) };
}

async function seed(dir: string, count: number): Promise<number> {
  const t0 = performance.now();
  // Seeding is set-up, not the measurement: no fsync, 500 intakes in flight.
  const store = await LowdbJobStore.open(dir, { fsync: false });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, (_, k) => {
        const job = makeJob({ runId: 1_000_000 + i + k, fingerprint: `seed-${i + k}` });
        return store.recordIntake(makeDelivery(job), "{}", job);
      }),
    );
  }
  await store.close();
  return (performance.now() - t0) / 1000;
}

/**
 * What one group commit costs on this disk, beside the servers: appends of `batchBytes` (five deliveries, the
 * usual batch at c=10) each made durable with fdatasync, as the intake journal does, in `dir`'s filesystem.
 * The wall time is what a sync holds the event loop for; the system CPU is what it takes from a core that the
 * server and the load generator share. It tells a reader on another machine how much of the gap with fsync
 * is the disk's.
 */
function diskSync(dir: string, batchBytes: number, count = 400): { medianMs: number; sysUs: number } {
  const path = join(dir, "sync-probe");
  const fd = openSync(path, "w");
  const buf = Buffer.alloc(batchBytes, 0x61);
  const times: number[] = [];
  try {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      times.push(performance.now() - t);
    }
    const sysUs = process.cpuUsage(cpu0).system / count;
    times.sort((a, b) => a - b);
    return { medianMs: times[Math.floor(count / 2)]!, sysUs };
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), "t0-bench-intake-"));
  dirs.push(d);
  return d;
};
/** Removes every data dir but `keep` (the seeded store, copied for each run). */
const cleanUp = async (keep: string) => {
  for (const d of dirs.splice(0).filter((x) => x !== keep)) await rm(d, { recursive: true, force: true });
  dirs.push(keep);
};
try {
  console.log(`signed workflow_run.completed (${Buffer.byteLength(template)} bytes), c=${CONNECTIONS}, ${DURATION} s per run after a 2 s warm-up; app: lowdb store (STORE_FSYNC=true unless noted), T0_WORKERS=0, LOG_LEVEL=info; each app run between two runs of the baseline (a bare Probot Server with a no-op handler), ${ROUNDS} round(s)`);
  const base = new PairedBaseline();
  let seeded = "";
  // Each run gets its own copy: a run leaves about 40,000 jobs behind whose documents the next run would
  // otherwise write during its own measurement.
  const copyOfSeeded = async () => {
    const d = await tmp();
    await cp(seeded, d, { recursive: true });
    spawnSync("sync");
    return d;
  };
  // Every configuration runs once per round, in the same order: the VM's drift then spreads over all of
  // them instead of landing on whichever happened to run during a slow minute. The summary is the median.
  // The baseline logs at warn (no line per request) unless a configuration says otherwise: the app at its
  // default level then pays for a log line the baseline does not write, the strictest pairing.
  const configs: Array<{ key: string; label: string; start: () => Promise<{ proc: ChildProcess; url: string }>; distinct?: boolean; baseline?: LogLevel }> = [
    { key: "nothing", label: "app recording nothing (HTTP + handler + log path alone)", start: async () => startApp(await tmp(), ["bench/intake-app-server.ts", "none"]) },
    { key: "memory", label: "app with the in-memory store, distinct runs", start: async () => startApp(await tmp(), ["bench/intake-app-server.ts", "memory"]) },
    { key: "empty", label: "app, empty store, distinct runs", start: async () => startApp(await tmp()) },
    { key: "seeded", label: `app, ${SEED} jobs stored, distinct runs`, start: async () => startApp(await copyOfSeeded()) },
    // Both as shipped: Probot's default level is info, where its HTTP logger writes a line per request, as
    // the app writes one per delivery. What an operator compares when choosing between the two.
    { key: "defaults", label: `app, ${SEED} jobs stored, distinct runs (against the baseline at info)`, start: async () => startApp(await copyOfSeeded()), baseline: "info" },
    // fdatasync before the 202 guards against power loss; a SIGKILL is survived without it (page cache).
    { key: "nosync", label: `app, ${SEED} jobs stored, distinct runs, STORE_FSYNC=false`, start: async () => startApp(await copyOfSeeded(), ["src/main.ts"], false) },
    // The baseline logs at warn, so it writes no line per request: the same level for the app isolates the
    // cost of the durable record.
    { key: "warn", label: `app, ${SEED} jobs stored, distinct runs, LOG_LEVEL=warn`, start: async () => startApp(await copyOfSeeded(), ["src/main.ts"], true, "warn") },
    { key: "warnNosync", label: `app, ${SEED} jobs stored, distinct runs, LOG_LEVEL=warn, STORE_FSYNC=false`, start: async () => startApp(await copyOfSeeded(), ["src/main.ts"], false, "warn") },
    { key: "dup", label: `app, ${SEED} jobs stored, duplicate-only`, start: async () => startApp(await copyOfSeeded()), distinct: false },
  ];
  const unknown = [...(ONLY ?? [])].filter((k) => !configs.some((c) => c.key === k));
  if (ONLY && (unknown.length || !ONLY.size)) throw new Error(`--only takes configuration keys separated by commas: ${configs.map((c) => c.key).join(", ")} (got ${unknown.join(", ") || "none"})`);
  const chosen = ONLY ? configs.filter((c) => ONLY.has(c.key)) : configs;
  // Seeded only once the arguments are known good: 50,000 jobs take half a minute.
  seeded = await tmp();
  const secs = await seed(seeded, SEED);
  console.log(`(seeded ${SEED} jobs through the store API in ${secs.toFixed(1)} s)`);
  const batch = 5 * Buffer.byteLength(template);
  const disk = diskSync(seeded, batch);
  console.log(`(this disk: an append of ${(batch / 1024).toFixed(0)} KB made durable with fdatasync, as one group commit of 5 deliveries: median ${disk.medianMs.toFixed(2)} ms, ${disk.sysUs.toFixed(0)} µs of system CPU)`);
  const runs = new Map<string, Paired[]>(configs.map((c) => [c.key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`-- round ${round} of ${ROUNDS}`);
    for (const c of chosen) {
      runs.get(c.key)!.push(await paired(base, c.label, c.start, c.distinct ?? true, c.baseline));
      // Each run leaves its data dir behind (a copy of the seeded store is ~100 MB): drop it now.
      await cleanUp(seeded);
    }
  }
  const summary = (key: string) => {
    const ratios = runs.get(key)!.map((p) => p.ratio).sort((x, y) => x - y);
    if (!ratios.length) return "(not run)";
    const mid = ratios[Math.floor(ratios.length / 2)]!;
    return ratios.length > 1 ? `${mid.toFixed(2)} [${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}]` : mid.toFixed(2);
  };
  const p99 = (key: string) => {
    const v = runs.get(key)!.map((p) => p.app.p99).sort((x, y) => x - y);
    return v.length ? `${v[Math.floor(v.length / 2)]!} ms` : "(not run)";
  };
  const of = ROUNDS > 1 ? `median of ${ROUNDS} rounds [range]` : "one round";
  console.log(`\nratio app/baseline (each against the mean of the baseline runs either side; ${of}):`);
  console.log(`  recording nothing ${summary("nothing")}, memory store ${summary("memory")}, empty ${summary("empty")}, duplicate-only ${summary("dup")}`);
  console.log(`  ${SEED} jobs (goal ≥ 0.8): both at their default log level (info) ${summary("defaults")}; app at info against the baseline at warn ${summary("seeded")}, without fsync ${summary("nosync")}`);
  console.log(`  both at warn, ${SEED} jobs: ${summary("warn")} with fsync, ${summary("warnNosync")} without`);
  console.log(`p99 with ${SEED} jobs (median): ${p99("seeded")}, without fsync ${p99("nosync")} (goal < 20 ms)`);
  const cpu = (figures: Figures[]) => {
    const v = figures.flatMap((f) => (f.cpuUs === undefined ? [] : [f.cpuUs])).sort((x, y) => x - y);
    return v.length ? `${v[Math.floor(v.length / 2)]!.toFixed(0)} µs` : "(not measured)";
  };
  const appCpu = (key: string) => (runs.get(key)!.length ? cpu(runs.get(key)!.map((p) => p.app)) : "(not run)");
  console.log(`server CPU per request (median): baseline ${cpu(base.all)}; app recording nothing ${appCpu("nothing")}, ${SEED} jobs ${appCpu("seeded")}, without fsync ${appCpu("nosync")}`);
} finally {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
