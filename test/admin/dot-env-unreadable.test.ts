import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "@jest/globals";
import { root } from "../intake/spawn-server.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A `.env` that is there but cannot be read as a file (a directory, as `docker run -v ./.env:/app/.env` makes
 * when the host file is missing) ended the command with Node's "Contents of '.env' should be a valid
 * string. (ERR_INVALID_ARG_TYPE)", which names neither the file's problem nor what to do.
 */
test.each([
  ["jobs list", ["jobs", "list"], 1, ""],
  ["store migrate", ["store", "migrate", "--from", "lowdb", "--to", "redis"], 2, "t0-ci-bot store migrate: "],
])("a .env that is a directory: %s says so and what to do", (_name, args, status, prefix) => {
  const cwd = mkdtempSync(join(tmpdir(), "t0-dotenv-"));
  dirs.push(cwd);
  mkdirSync(join(cwd, ".env"));
  const r = spawnSync(process.execPath, [join(root, "bin/t0-ci-bot.js"), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.status).toBe(status);
  expect(r.stderr).toBe(
    prefix +
      "Invalid configuration:\n  - .env: cannot be read as a file (EISDIR); make it a file of NAME=value lines (see .env.example), or remove it\n" +
      "Fix these in your environment or .env (see .env.example).\n",
  );
});
