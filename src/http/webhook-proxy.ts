import type { Logger } from "../core/ports/logger.js";

/** What the app needs of smee-client's SmeeClient (tests pass a fake). */
export interface SmeeClientLike {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}
export type SmeeClientClass = new (opts: { source: string; target: string; logger: Pick<Console, "info" | "error"> }) => SmeeClientLike;

export interface WebhookProxyOptions {
  /** WEBHOOK_PROXY_URL. */
  source: string | undefined;
  /** This server's webhook route. */
  target: string;
  logger: Logger;
  /** smee-client is a dev dependency: the production image (npm ci --omit=dev) has none. */
  loadSmee?: () => Promise<SmeeClientClass>;
}

/** Local development: forward a smee.io channel to our webhook route (smee-client is a dev dependency). */
export async function startWebhookProxy(o: WebhookProxyOptions): Promise<{ stop(): Promise<void> } | undefined> {
  if (!o.source) return undefined;
  try {
    const SmeeClient = await (o.loadSmee ?? loadSmeeClient)();
    const smee = new SmeeClient({ source: o.source, target: o.target, logger: console });
    await smee.start();
    return smee;
  } catch (err) {
    o.logger.warn({ err }, "WEBHOOK_PROXY_URL is set but the smee proxy could not start; install smee-client or unset it");
    return undefined;
  }
}

async function loadSmeeClient(): Promise<SmeeClientClass> {
  const { default: SmeeClient } = await import("smee-client");
  return SmeeClient as unknown as SmeeClientClass;
}
