/** One attempt to deliver a webhook to this app, as GitHub's `GET /app/hook/deliveries` lists it. */
export interface HookDelivery {
  id: number;
  /** Shared by the original delivery and its redeliveries (it is our `X-GitHub-Delivery`). */
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  /** What our endpoint answered; 0 when GitHub could not connect. */
  statusCode: number;
  event: string;
  action: string | null;
}

/** The app's own webhook delivery log on GitHub (app JWT, no installation). */
export interface WebhookDeliveriesPort {
  /** Newest first, a page at a time. */
  pages(): AsyncIterable<HookDelivery[]>;
  /** Asks GitHub to send the delivery again (same guid, `redelivery: true`). */
  redeliver(id: number): Promise<void>;
}
