/**
 * Delivery ids of signed webhooks seen recently (replay protection). A delivery is remembered
 * until `expiresAt`, which callers set past the signature's timestamp tolerance, so a replay
 * is either refused here or refused as stale.
 */
export interface WebhookDeliveryStore {
  /**
   * Records delivery `id` for `scope` (a webhook trigger). Returns false when it was already
   * recorded and has not expired (a replay). Expired rows may be pruned on the way.
   */
  recordWebhookDelivery(input: {
    scope: string;
    id: string;
    now: number;
    expiresAt: number;
  }): Promise<boolean>;
}
