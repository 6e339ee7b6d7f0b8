import type { RedisSettings, RedisSettingsRead } from "../adapters/store/read-redis-settings.js";

export type RedisSetting = "persistence" | "eviction";

/** One log line: a problem (warn), a trade-off or something that could not be read (info). */
export interface RedisFinding {
  level: "warn" | "info";
  /** Which settings it is about; absent when the line is about all of them. */
  setting?: RedisSetting;
  msg: string;
  fields: Record<string, unknown>;
}

export interface RedisSettingsVerdict {
  findings: RedisFinding[];
  /** Per setting, 1 when it keeps what the app wrote (everysec counts: a documented trade-off), 0 when warned; absent when unread. */
  durable: Partial<Record<RedisSetting, 0 | 1>>;
}

/** Where the requirements and fixes are written; every line names it. */
export const REDIS_SETTINGS_DOC = 'docs/scaling.md, "Redis settings"';
const FIX_PERSISTENCE = `Fix: CONFIG SET appendonly yes, then CONFIG SET appendfsync always, and the same in redis.conf ("appendonly yes", "appendfsync always") or your provider's settings, so a restart keeps them; see ${REDIS_SETTINGS_DOC}`;

/**
 * What the settings mean for "an acknowledged delivery is never lost" (the intake answers 202 once Redis has
 * the delivery) and for BullMQ's queue and locks, as one line per problem, each naming the setting, its value,
 * the consequence and the fix.
 */
export function redisSettingsFindings(read: RedisSettingsRead): RedisSettingsVerdict {
  if (read.kind === "unreadable") return { findings: [unreadable(read.reason)], durable: {} };
  const s = read.settings;
  const verdict: RedisSettingsVerdict = { findings: [], durable: {} };
  const persistence = persistenceFinding(s);
  const eviction = evictionFinding(s);
  const unread: string[] = [];
  for (const [setting, f] of [["persistence", persistence], ["eviction", eviction]] as const) {
    if (f === "unread") unread.push(setting);
    else {
      verdict.durable[setting] = f?.level === "warn" ? 0 : 1;
      if (f) verdict.findings.push({ ...f, setting });
    }
  }
  if (unread.length === 2) verdict.findings.push(unreadable(`${s.source === "info" ? "INFO" : "CONFIG GET"} did not show them${s.configRefused ? `; CONFIG GET: ${s.configRefused}` : ""}`));
  else if (unread.length) verdict.findings.push(unreadSetting(unread[0] as RedisSetting, s));
  return verdict;
}

/** A setting's line, none when it is as required, or "unread". */
type SettingVerdict = Omit<RedisFinding, "setting"> | undefined | "unread";

function persistenceFinding(s: RedisSettings): SettingVerdict {
  if (s.appendonly === undefined) return "unread";
  if (s.appendonly) {
    if (s.appendfsync === "always") return undefined;
    const fields = { appendonly: "yes", appendfsync: s.appendfsync ?? "unknown" };
    if (s.appendfsync === "everysec")
      return {
        level: "info",
        fields,
        msg: `Redis fsyncs its append-only file once a second (appendfsync everysec): a crash of Redis or of its host can lose about the last second of acknowledged webhook deliveries and job changes; the redelivery pass asks GitHub for those deliveries again. To lose none: CONFIG SET appendfsync always (redis.conf: "appendfsync always"); see ${REDIS_SETTINGS_DOC}`,
      };
    if (s.appendfsync === undefined)
      return {
        level: "info",
        fields,
        msg: `Redis has its append-only file on (aof_enabled:1), but how often it fsyncs could not be read: CONFIG GET is refused (${s.configRefused ?? "no answer"}) and INFO does not show appendfsync. Unless it is "always", a crash of the Redis host can lose the last second or more of acknowledged webhook deliveries; check appendfsync in your provider's settings; see ${REDIS_SETTINGS_DOC}`,
      };
    return {
      level: "warn",
      fields,
      msg: `Redis leaves flushing its append-only file to the OS (appendfsync ${s.appendfsync}): a crash of the Redis host can lose the last 30 s or so of acknowledged webhook deliveries and job changes. Fix: CONFIG SET appendfsync always (redis.conf: "appendfsync always"); see ${REDIS_SETTINGS_DOC}`,
    };
  }
  if (s.save === undefined)
    return {
      level: "warn",
      fields: { appendonly: "no", save: "unknown" },
      msg: `Redis has its append-only file off (aof_enabled:0) and its RDB save points could not be read (CONFIG GET is refused: ${s.configRefused ?? "no answer"}): a Redis restart loses the acknowledged webhook deliveries and job changes since the last snapshot, or all of them when none is taken. Fix: appendonly yes and appendfsync always in your provider's settings (or CONFIG SET appendonly yes where CONFIG is allowed); see ${REDIS_SETTINGS_DOC}`,
    };
  const longest = longestSaveInterval(s.save);
  if (longest === undefined)
    return {
      level: "warn",
      fields: { appendonly: "no", save: s.save },
      msg: `Redis keeps nothing on disk (appendonly no, save "${s.save}"): a Redis restart loses every acknowledged webhook delivery and every job, queued or running. ${FIX_PERSISTENCE}`,
    };
  return {
    level: "warn",
    fields: { appendonly: "no", save: s.save },
    msg: `Redis keeps only RDB snapshots (appendonly no, save "${s.save}"): a Redis crash or kill loses the acknowledged webhook deliveries and job changes since the last snapshot (up to ${longest} s with these save points). ${FIX_PERSISTENCE}`,
  };
}

function evictionFinding(s: RedisSettings): SettingVerdict {
  if (s.maxmemory === undefined || s.maxmemoryPolicy === undefined) return "unread";
  // Without a memory limit nothing is evicted, whatever the policy.
  if (s.maxmemory === 0 || s.maxmemoryPolicy === "noeviction") return undefined;
  return {
    level: "warn",
    fields: { maxmemory: s.maxmemory, maxmemoryPolicy: s.maxmemoryPolicy },
    msg: `Redis evicts keys when it is full (maxmemory-policy ${s.maxmemoryPolicy}, maxmemory ${s.maxmemory}): under memory pressure it deletes jobs, queued work, locks and recorded deliveries, and BullMQ requires noeviction. Fix: CONFIG SET maxmemory-policy noeviction, and "maxmemory-policy noeviction" in redis.conf or your provider's settings; see ${REDIS_SETTINGS_DOC}`,
  };
}

/** The longest interval of `save` points (`3600 1 300 100` → 3600), undefined when there are none. */
function longestSaveInterval(save: string): number | undefined {
  const secs = save.trim().split(/\s+/).filter((_, i) => i % 2 === 0).map(Number).filter((n) => Number.isFinite(n) && n > 0);
  return secs.length ? Math.max(...secs) : undefined;
}

function unreadable(reason: string): RedisFinding {
  return {
    level: "info",
    fields: { reason },
    msg: `Redis's persistence and eviction settings could not be checked (${reason}). Acknowledged webhook deliveries and jobs survive a Redis restart, and are never evicted, only with appendonly yes, appendfsync always and maxmemory-policy noeviction; see ${REDIS_SETTINGS_DOC}`,
  };
}

function unreadSetting(setting: RedisSetting, s: RedisSettings): RedisFinding {
  const what = setting === "persistence" ? "appendonly" : "maxmemory and maxmemory-policy";
  const need = setting === "persistence" ? "appendonly yes and appendfsync always" : "maxmemory-policy noeviction";
  return {
    level: "info",
    setting,
    fields: { source: s.source },
    msg: `Redis's ${setting} settings could not be checked (${s.source === "info" ? "INFO" : "CONFIG GET"} did not show ${what}): acknowledged webhook deliveries and jobs are kept only with ${need}; see ${REDIS_SETTINGS_DOC}`,
  };
}
