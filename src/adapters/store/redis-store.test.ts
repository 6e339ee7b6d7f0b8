import { expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../bin/t0-ci-bot.js", import.meta.url));

test("a Redis that does not answer: one line saying what to do, no ioredis stack outside the logs, no password", () => {
  // Port 1 on loopback is refused at once: nothing to start or wait for. A child process, because ioredis
  // prints its "Unhandled error event" with the real console, which jest's does not stand in for.
  const r = spawnSync(process.execPath, [bin, "jobs", "list"], {
    env: { PATH: process.env.PATH, REDIS_URL: "redis://:s3cret@127.0.0.1:1" },
    encoding: "utf8",
    // Refused at once; 50 s only leaves a loaded CI machine room to start the CLI, and stops a hang.
    timeout: 50_000,
  });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^t0-ci-bot jobs: Cannot reach Redis at redis:\/\/\S*127\.0\.0\.1:1: [^\n]*[^.]\. Start Redis or fix REDIS_URL\.\n$/);
  expect(r.stderr).not.toContain("s3cret");
}, 60_000);
