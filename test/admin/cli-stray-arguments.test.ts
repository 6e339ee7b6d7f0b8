import { describe, expect, test } from "@jest/globals";
import { capturedOutput } from "../helpers/captured-output.js";
import { run as analyzeLog } from "../../src/cli/commands/analyze-log.js";
import { run as applyPatch } from "../../src/cli/commands/apply-patch.js";
import { run as checkApp } from "../../src/cli/commands/check-app.js";
import { run as deliveries } from "../../src/cli/commands/deliveries.js";
import { run as evalLogs } from "../../src/cli/commands/eval-logs.js";
import { run as jobs } from "../../src/cli/commands/jobs.js";
import { run as serve } from "../../src/cli/commands/serve.js";
import { run as store } from "../../src/cli/commands/store.js";
import { run as worker } from "../../src/cli/commands/worker.js";

/**
 * A word a command does not take is refused (exit 2) before anything is read or opened, in one wording
 * for every command: what was unexpected, then what the command takes. Each used to say it its own way
 * ("give exactly one log file", "expected one <diff-file>, got 2", "jobs show needs exactly one job id").
 */
const output = capturedOutput();

const io = { out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
const patchIo = { stdout: io.out, stderr: io.err, stdin: async () => "" };
// No credentials, store or files: the stray word must be refused before any of them is looked for.
const env = {};

test.each<[string, () => Promise<number>, string]>([
  ["check-app", () => checkApp(["now"], env, io), 't0-ci-bot check-app: unexpected argument "now"; check-app takes no arguments'],
  ["deliveries list", () => deliveries(["list", "10"], env, io), 't0-ci-bot deliveries: unexpected argument "10"; deliveries list takes no arguments (the count is --limit N)'],
  ["deliveries redeliver", () => deliveries(["redeliver", "48", "--dry-run"], env, io), 't0-ci-bot deliveries: unexpected argument "48"; deliveries redeliver takes no arguments (the window is --hours N)'],
  ["jobs list", () => jobs(["list", "failed", "mine"], env, io), 't0-ci-bot jobs: unexpected arguments "failed", "mine"; jobs list takes no arguments (filter with --state S)'],
  ["jobs show", () => jobs(["show", "a1", "b2"], env, io), 't0-ci-bot jobs: unexpected argument "b2"; jobs show takes one job id'],
  ["jobs retry", () => jobs(["retry", "a1", "b2"], env, io), 't0-ci-bot jobs: unexpected argument "b2"; jobs retry takes one job id'],
  ["store migrate", () => store(["migrate", "lowdb", "--from", "lowdb", "--to", "redis"], env), 't0-ci-bot store migrate: unexpected argument "lowdb"; store migrate takes no arguments (say --from lowdb --to redis)'],
  ["analyze-log", () => analyzeLog(["a.log", "b.log"]), 'analyze-log: unexpected argument "b.log"; analyze-log takes one log file'],
  ["eval-logs", () => evalLogs(["a.jsonl", "b.jsonl"]), 'eval-logs: unexpected argument "b.jsonl"; eval-logs takes one manifest file'],
  ["apply-patch", () => applyPatch(["fix.diff", "more.diff", "--repo", "."], patchIo), 't0-ci-bot apply-patch: unexpected argument "more.diff"; apply-patch takes one <diff-file> (- for stdin)'],
])("%s: a stray argument is a usage error that says what the command takes", async (_name, run, message) => {
  expect(await run()).toBe(2);
  // analyze-log keeps its one-line errors: the usage follows on the same line.
  expect(output.stderr.split("\n")[0]!.slice(0, message.length)).toBe(message);
  expect(output.stdout).toBe("");
});

// serve and worker read only the environment: `serve --port 8080` started on PORT (default 3000), and
// `worker --concurrency 4` ran T0_WORKERS jobs at once, as if the option had been taken.
test.each<[string, () => Promise<number>, string]>([
  ["serve", () => serve(["--port", "8080"]), 't0-ci-bot serve: unexpected arguments "--port", "8080"; serve takes no arguments (set PORT, HOST and the rest in the environment or .env)'],
  // A REDIS_URL nothing listens on and T0_WORKERS=0: the worker stops at its settings, never connecting.
  ["worker", () => worker(["--concurrency", "4"], { REDIS_URL: "redis://127.0.0.1:1", T0_WORKERS: "0" }), 't0-ci-bot worker: unexpected arguments "--concurrency", "4"; worker takes no arguments (set T0_WORKERS and the rest in the environment or .env)'],
])("%s: an option it does not take is refused before it starts, not ignored", async (_name, run, message) => {
  expect(await run()).toBe(2);
  expect(output.stderr.split("\n")[0]).toBe(message);
  expect(output.stdout).toBe("");
});

describe("a missing argument keeps its own message", () => {
  test("jobs show without an id", async () => {
    expect(await jobs(["show"], env, io)).toBe(2);
    expect(output.stderr.split("\n")[0]).toBe("t0-ci-bot jobs: jobs show needs exactly one job id");
  });
});

describe("worker without the app's credentials", () => {
  // It started and took jobs from the queue, each of which then failed at its first GitHub call: a worker
  // calls GitHub as the app, as the web process does.
  test("is refused before it connects, saying what to set", async () => {
    expect(await worker([], { REDIS_URL: "redis://127.0.0.1:1" })).toBe(2);
    expect(output.stderr).toBe(
      "t0-ci-bot worker: needs the app's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH), as the web processes have them: jobs call GitHub as the app. See .env.example.\n",
    );
  });
});
