import { toAppError } from "../../core/errors.js";
import type { HookDelivery, WebhookDeliveriesPort } from "../../core/ports/webhook-deliveries-port.js";
import type { Octokit } from "./octokit-client.js";

/** `WebhookDeliveriesPort` on an app-authenticated Octokit (`probot.auth()` without an installation id). */
export function createOctokitWebhookDeliveries(octokit: Octokit): WebhookDeliveriesPort {
  return {
    async *pages() {
      // GitHub pages this list by cursor in the Link header; the paginate plugin follows `rel="next"`.
      const pages = octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 });
      try {
        for await (const { data } of pages) {
          yield data.map(
            (d): HookDelivery => ({
              id: d.id,
              guid: d.guid,
              deliveredAt: d.delivered_at,
              redelivery: d.redelivery,
              statusCode: d.status_code,
              event: d.event,
              action: d.action ?? null,
            }),
          );
        }
      } catch (err) {
        throw toAppError(err);
      }
    },
    async redeliver(id) {
      try {
        await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: id });
      } catch (err) {
        throw toAppError(err);
      }
    },
  };
}
