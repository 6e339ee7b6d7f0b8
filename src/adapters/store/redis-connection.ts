import type { Redis } from "ioredis";

/** Resolves with `p`, or with undefined after `ms`; for steps that must not hang a shutdown or a probe. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * PING that gives up after `ms`: with ioredis' offline queue a command waits for the reconnect, but a
 * health check must answer "not ready" promptly instead of hanging.
 */
export async function pingWithin(redis: Redis, ms = 2_000): Promise<void> {
  const pong = await within(redis.ping(), ms);
  if (pong === undefined) throw new Error(`no answer within ${ms} ms (connection ${redis.status})`);
}

/** QUIT when connected (lets replies in flight arrive), otherwise drop the socket and stop reconnecting. */
export async function closeRedis(redis: Redis, ms = 2_000): Promise<void> {
  // Still connecting, or its ready check not answered yet (a stop just after a start): closed now, ioredis
  // runs the check on the closed socket, fails it and closes the socket again behind a 2 s timer that nothing
  // clears, which held the process 2 s after everything was closed. Waited for instead, bounded; a Redis
  // that refuses the connection ends the wait at once.
  if (redis.status === "connecting" || redis.status === "connect") await within(new Promise((r) => (redis.once("ready", r), redis.once("close", r))), ms);
  if (redis.status === "ready") {
    const ok = await within(redis.quit().catch(() => undefined), ms);
    if (ok !== undefined) return;
  }
  redis.disconnect();
}

/** `redis://user:secret@host` → `redis://user:***@host`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}
