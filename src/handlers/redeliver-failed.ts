import type { Delivery } from "../core/ports/job-store.js";
import type { Logger } from "../core/ports/logger.js";
import type { HookDelivery, WebhookDeliveriesPort } from "../core/ports/webhook-deliveries-port.js";
import { HANDLERS } from "./route-delivery.js";

/** A guid that failed this many times (first delivery included) is given up on. */
export const MAX_DELIVERY_ATTEMPTS = 5;

export interface RedeliverOptions {
  /** Deliveries older than this are left alone (GitHub keeps three days of them). */
  since: Date;
  /** Events to replay; default: those the app handles. */
  events?: ReadonlySet<string>;
  /** Default MAX_DELIVERY_ATTEMPTS. */
  maxAttempts?: number;
  /** At most this many redeliveries per pass (default 200), so a long outage comes back as a trickle, not a burst. */
  maxRedeliveries?: number;
  dryRun: boolean;
  logger: Logger;
  /**
   * The deliveries the store holds, asked for after GitHub's log is read (so everything the log shows as
   * acknowledged was recorded before it). With it, a delivery we acknowledged that the store does not have
   * is asked for again too: the store lost its last writes (an unclean stop with STORE_FSYNC=false, a
   * restored backup). Deliveries older than the oldest one it returns cannot be judged and are left alone.
   */
  recorded?: () => Promise<RecordedDeliveries>;
}

export interface RecordedDeliveries {
  ids: ReadonlySet<string>;
  /** When the oldest of `ids` was received (ISO); undefined when the store holds none. */
  oldest: string | undefined;
}

/** What the store holds, in the shape the pass compares with GitHub's delivery log. */
export function recordedDeliveries(list: Delivery[]): RecordedDeliveries {
  let oldest: string | undefined;
  for (const d of list) if (!oldest || d.receivedAt < oldest) oldest = d.receivedAt;
  return { ids: new Set(list.map((d) => d.id)), oldest };
}

/** Clock skew between GitHub and us: a delivery this close to the oldest recorded one is not judged. */
const RECORDED_MARGIN_MS = 2 * 60_000;

/**
 * Answers our route gives to a body it can never accept (malformed, too large, not JSON): sending the same
 * body again cannot help. A 401 is not among them: after a WEBHOOK_SECRET fix, the redelivery passes.
 */
const REFUSED_FOR_GOOD = new Set([400, 413, 415, 422]);

export interface RedeliverResult {
  checked: number;
  failed: number;
  redelivered: string[];
  gaveUp: string[];
  /** Acknowledged on GitHub's side but missing from the store (included in `redelivered` when asked for). */
  lost: string[];
}

/**
 * GitHub does not retry a webhook our server did not acknowledge (down, restarting, 5xx): such a delivery
 * is lost unless someone asks for it again. This pass reads the app's delivery log since `since` and asks
 * GitHub to redeliver every delivery of our events whose guid never got a 2xx/3xx, and, given `recorded`,
 * every one acknowledged but missing from the store (lost in a power cut). Intake is idempotent, so a
 * redelivery of something that did arrive costs a duplicate record, nothing more.
 */
export async function redeliverFailed(api: WebhookDeliveriesPort, opts: RedeliverOptions): Promise<RedeliverResult> {
  const o = { events: new Set(Object.keys(HANDLERS)), maxAttempts: MAX_DELIVERY_ATTEMPTS, maxRedeliveries: 200, ...opts };
  const byGuid = new Map<string, HookDelivery[]>();
  let checked = 0;
  const since = o.since.getTime();
  scan: for await (const page of api.pages()) {
    for (const d of page) {
      // Newest first: the first delivery older than the window ends the scan.
      if (Date.parse(d.deliveredAt) < since) break scan;
      checked++;
      const attempts = byGuid.get(d.guid);
      if (attempts) attempts.push(d);
      else byGuid.set(d.guid, [d]);
    }
  }
  const result: RedeliverResult = { checked, failed: 0, redelivered: [], gaveUp: [], lost: [] };
  // The store unreadable for a moment must not cost the unacknowledged deliveries their redelivery: only the
  // lost ones wait for the next pass.
  const recorded = o.recorded && (await o.recorded().catch((err) => void o.logger.warn({ err }, "could not read the store's recent deliveries; deliveries it lost are looked for on the next pass")));
  const judgedFrom = recorded?.oldest ? Date.parse(recorded.oldest) + RECORDED_MARGIN_MS : Infinity;
  const ask = async (guid: string, attempts: HookDelivery[], message: string) => {
    const newest = attempts[0]!;
    const fields = { deliveryId: guid, event: newest.event, action: newest.action, statusCode: newest.statusCode, attempts: attempts.length };
    if (o.dryRun) {
      o.logger.info(fields, `DRY_RUN: would ask GitHub to redeliver ${message}`);
    } else {
      try {
        await api.redeliver(newest.id);
      } catch (err) {
        o.logger.warn({ ...fields, err }, "could not ask GitHub to redeliver a webhook; the next pass tries again");
        return;
      }
      o.logger.info(fields, `asked GitHub to redeliver ${message}`);
    }
    result.redelivered.push(guid);
  };
  // Oldest first, so the app sees a run's events in the order they happened.
  for (const [guid, attempts] of [...byGuid].reverse()) {
    if (!o.events.has(attempts[0]!.event)) continue;
    const acknowledged = attempts.filter((a) => a.statusCode >= 200 && a.statusCode < 400);
    if (acknowledged.length > 0) {
      // Acknowledged before the oldest delivery the store still lists: whether it was kept cannot be told.
      if (!recorded || recorded.ids.has(guid) || acknowledged.every((a) => Date.parse(a.deliveredAt) < judgedFrom)) continue;
      result.lost.push(guid);
      // Sent that often and still not recorded (a 3xx counts as acknowledged but brings no body): asking
      // once more each hour would not help either.
      if (attempts.length >= o.maxAttempts) result.gaveUp.push(guid);
      else if (result.redelivered.length < o.maxRedeliveries) await ask(guid, attempts, "a webhook that was acknowledged but is missing from the store");
      continue;
    }
    if (REFUSED_FOR_GOOD.has(attempts[0]!.statusCode)) continue;
    // Its first delivery is older than the window: the attempts seen here are not all of them, and counting
    // only those would let a delivery that always fails start over each time an old attempt ages out.
    if (attempts.every((a) => a.redelivery)) continue;
    result.failed++;
    if (attempts.length >= o.maxAttempts) {
      result.gaveUp.push(guid);
      continue;
    }
    if (result.redelivered.length >= o.maxRedeliveries) continue;
    await ask(guid, attempts, "an unacknowledged webhook");
  }
  if (result.lost.length) {
    o.logger.warn({ deliveryIds: result.lost }, "webhooks acknowledged earlier are missing from the store (lost in an unclean stop?); GitHub is asked to send them again");
  }
  if (result.gaveUp.length) {
    o.logger.warn({ deliveryIds: result.gaveUp, maxAttempts: o.maxAttempts }, "webhooks were not received or not recorded in any of their attempts and are not redelivered again; see the app's Advanced settings on GitHub");
  }
  return result;
}
