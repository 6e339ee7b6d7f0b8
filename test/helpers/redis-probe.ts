import { Redis } from "ioredis";

/**
 * REDIS_URL when it is set and the server answers within 5 s; otherwise undefined. No jest here (benches use it).
 * A running Redis answers in milliseconds; 1 s was short enough for a CI machine slowed 25x by other work to
 * skip a Redis suite silently.
 */
export async function redisUrlIfAvailable(): Promise<string | undefined> {
  const url = process.env.REDIS_URL;
  if (!url) return undefined;
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return url;
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}
