import { existsSync, statSync } from "node:fs";
import { ConfigError, loadAppConfig, loadDotEnv, type AppConfig } from "../../config/app-config.js";
import { AppError } from "../../core/errors.js";
import { dataDirOwner } from "../../adapters/store/data-dir-lock.js";
import type { JobStore } from "../../core/ports/index.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** The same settings the server uses: `.env` in the working directory, real environment first. */
export function loadCliConfig(env: NodeJS.ProcessEnv, io: CliIo): AppConfig | undefined {
  try {
    loadDotEnv(env);
    return loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/**
 * Why DATA_DIR cannot be read as the embedded store (it does not exist, or no server ever wrote a store
 * there), as a message saying what to set; undefined when it holds one, or when REDIS_URL is set.
 * An empty listing of a mistyped DATA_DIR would read as "no jobs", so the commands refuse it instead.
 */
export async function missingStore(config: AppConfig): Promise<string | undefined> {
  if (config.REDIS_URL) return undefined;
  const what = await noStoreIn(config.dataDir);
  if (!what) return undefined;
  return (
    `DATA_DIR ${config.dataDir} ${what}. Set DATA_DIR to the server's data directory ` +
    "(its DATA_DIR; the default ./data is relative to the directory it was started in), or REDIS_URL if the server uses Redis."
  );
}

/** What is wrong with `dataDir` as the embedded store's folder ("does not exist", ...); undefined when it holds one. */
export async function noStoreIn(dataDir: string): Promise<string | undefined> {
  const { LowdbJobStore } = await import("../../adapters/store/lowdb-store.js");
  if (LowdbJobStore.exists(dataDir)) return undefined;
  if (!existsSync(dataDir)) return "does not exist";
  return statSync(dataDir).isDirectory() ? "holds no t0-ci-bot store (no jobs/ or journal/ in it)" : "is a file, not a directory";
}

/**
 * Opens the store the server uses. With REDIS_URL: the shared store. With lowdb: read-only while a
 * server owns DATA_DIR (it keeps writing; we only read its files), read-write when nobody does. A DATA_DIR
 * with no store is an AppError (`store_not_found`) saying what to set; nothing is created there.
 */
export async function openCliStore(config: AppConfig, opts: { write: boolean }): Promise<JobStore> {
  if (config.REDIS_URL) {
    const { RedisJobStore } = await import("../../adapters/store/redis-store.js");
    return RedisJobStore.forSettings(config.REDIS_URL, config);
  }
  const missing = await missingStore(config);
  if (missing) throw new AppError("store_not_found", missing);
  const { LowdbJobStore } = await import("../../adapters/store/lowdb-store.js");
  const owner = dataDirOwner(config.dataDir);
  return LowdbJobStore.open(config.dataDir, { readOnly: !opts.write || owner !== undefined, retentionDays: config.RETENTION_DAYS });
}

/** `--flag value`, `--flag=value` and `--flag` parsing for the few options the CLI has; unknown flags are errors. */
export function parseArgs(argv: string[], spec: Record<string, "bool" | "value">): { flags: Record<string, string | boolean>; rest: string[]; error?: string } {
  const flags: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      rest.push(a);
      continue;
    }
    // At the first `=` only: split("=", 2) drops everything after a second one (`--url=http://h/?a=b`).
    const eq = a.indexOf("=");
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    const kind = spec[name];
    if (!kind) return { flags, rest, error: `unknown option --${name}` };
    // `--json=false` was read as --json. A flag takes no value, as node:util's parseArgs (the other
    // commands' parser) has it: refused, rather than guessing which spellings of "no" to accept.
    if (kind === "bool") {
      if (inline !== undefined) return { flags, rest, error: `--${name} takes no value (leave it out for no, give it alone for yes)` };
      flags[name] = true;
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) return { flags, rest, error: `--${name} needs a value` };
      flags[name] = v;
    }
  }
  return { flags, rest };
}
