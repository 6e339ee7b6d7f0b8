/** The one command a Redis connection needs to answer for the settings check (ioredis' `call`, or a fake). */
export interface RedisCommandClient {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * What Redis says about how long it keeps what the app writes. A field left undefined could not be read:
 * INFO, the fallback when CONFIG is refused, shows neither `appendfsync` nor the RDB `save` points.
 */
export interface RedisSettings {
  /** CONFIG GET, or INFO when CONFIG is refused (managed Redis such as ElastiCache or Memorystore). */
  source: "config" | "info";
  appendonly?: boolean;
  /** `always`, `everysec` or `no`. */
  appendfsync?: string;
  /** The RDB save points as CONFIG GET gives them (`3600 1 300 100`), `""` for none. */
  save?: string;
  /** Bytes; 0 is no limit. */
  maxmemory?: number;
  maxmemoryPolicy?: string;
  /** Why CONFIG GET could not be used, when the values come from INFO. */
  configRefused?: string;
}

export type RedisSettingsRead = { kind: "read"; settings: RedisSettings } | { kind: "unreadable"; reason: string };

/**
 * Reads persistence and eviction settings: CONFIG GET, one parameter per call (Redis 6.2 takes only one),
 * and INFO persistence/memory when CONFIG is refused (renamed, disabled, or denied by an ACL). Never throws.
 */
export async function readRedisSettings(client: RedisCommandClient): Promise<RedisSettingsRead> {
  let configRefused: string;
  try {
    const [appendonly, appendfsync, save, maxmemory, policy] = await Promise.all(
      ["appendonly", "appendfsync", "save", "maxmemory", "maxmemory-policy"].map((p) => configGet(client, p)),
    );
    return {
      kind: "read",
      settings: {
        source: "config",
        appendonly: appendonly === undefined ? undefined : appendonly === "yes",
        appendfsync,
        save,
        maxmemory: toNumber(maxmemory),
        maxmemoryPolicy: policy,
      },
    };
  } catch (err) {
    configRefused = messageOf(err);
  }
  try {
    const info = parseInfo(`${await client.call("INFO", "persistence")}\n${await client.call("INFO", "memory")}`);
    const aof = info.get("aof_enabled");
    return {
      kind: "read",
      settings: {
        source: "info",
        appendonly: aof === undefined ? undefined : aof === "1",
        maxmemory: toNumber(info.get("maxmemory")),
        maxmemoryPolicy: info.get("maxmemory_policy"),
        configRefused,
      },
    };
  } catch (err) {
    return { kind: "unreadable", reason: `CONFIG GET: ${configRefused}; INFO: ${messageOf(err)}` };
  }
}

/** CONFIG GET answers `[name, value]`, or `[]` for a parameter this server does not have. */
async function configGet(client: RedisCommandClient, parameter: string): Promise<string | undefined> {
  const reply = await client.call("CONFIG", "GET", parameter);
  if (!Array.isArray(reply)) throw new Error(`unexpected answer to CONFIG GET ${parameter}`);
  const i = reply.findIndex((v, n) => n % 2 === 0 && String(v) === parameter);
  return i < 0 ? undefined : String(reply[i + 1]);
}

/** `key:value` lines; `# Section` headers and blank lines are skipped. */
function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return out;
}

function toNumber(v: string | undefined): number | undefined {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 200);
}
