import type { Logger } from "../core/ports/logger.js";

/** What the app needs of smee-client's SmeeClient (tests pass a fake). */
export interface SmeeClientLike {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}
export type SmeeClientClass = new (opts: {
  source: string;
  target: string;
  logger: Pick<Console, "info" | "error">;
  maxConnectionTimeout?: number;
}) => SmeeClientLike;

export interface WebhookProxyOptions {
  /** WEBHOOK_PROXY_URL. */
  source: string | undefined;
  /** This server's webhook route. */
  target: string;
  logger: Logger;
  /** smee-client is a dev dependency: the production image (npm ci --omit=dev) has none. */
  loadSmee?: () => Promise<SmeeClientClass>;
  /** How long the channel has to answer (default 30 s). */
  connectTimeoutMs?: number;
}

/**
 * Local development: forwards a smee.io channel to the webhook route. A channel that cannot be reached is
 * given up at once and said so: left to itself the client reconnected every few seconds for the life of
 * the process, writing plain-text errors between the JSON log lines, after a warning that it had not started
 * (and that smee-client was missing, when it was the channel).
 */
export async function startWebhookProxy(o: WebhookProxyOptions): Promise<{ stop(): Promise<void> } | undefined> {
  if (!o.source) return undefined;
  let Smee: SmeeClientClass;
  try {
    Smee = await (o.loadSmee ?? loadSmeeClient)();
  } catch (err) {
    o.logger.warn({ err }, "WEBHOOK_PROXY_URL is set but smee-client cannot be loaded (a dev dependency, left out of production installs); install it or unset WEBHOOK_PROXY_URL");
    return undefined;
  }
  // smee-client writes to the logger it is given; ours keeps every line JSON and redacted.
  const smeeLog = o.logger.child({ component: "smee" });
  const logger = {
    info: (...args: unknown[]) => smeeLog.info(args.map(describe).join(" ")),
    error: (...args: unknown[]) => smeeLog.warn(args.map(describe).join(" ")),
  };
  // Bounded: serve() installs its signal handlers only after this returns.
  const smee = new Smee({ source: o.source, target: o.target, logger, maxConnectionTimeout: o.connectTimeoutMs ?? 30_000 });
  try {
    await smee.start();
    return smee;
  } catch (err) {
    await smee.stop().catch(() => undefined);
    o.logger.warn(
      { err: err instanceof Error ? err : new Error(describe(err)) },
      "WEBHOOK_PROXY_URL: could not connect to the smee channel, so no webhook arrives through it; check the URL and the network, then restart",
    );
    return undefined;
  }
}

async function loadSmeeClient(): Promise<SmeeClientClass> {
  const { default: SmeeClient } = await import("smee-client");
  return SmeeClient as unknown as SmeeClientClass;
}

/** smee-client's errors are EventSource error events, whose text is in `message`. */
function describe(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && "message" in v) return String((v as { message: unknown }).message);
  return String(v);
}
