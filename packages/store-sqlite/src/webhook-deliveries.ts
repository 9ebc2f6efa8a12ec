import type { Database, Statement } from 'better-sqlite3';

/** How often (in recorded deliveries) expired rows are deleted. */
const PRUNE_EVERY = 500;

/** Delivery ids of signed webhooks (the `WebhookDeliveryStore` method). */
export class WebhookDeliveries {
  readonly #insert: Statement<[string, string, number, number]>;
  readonly #prune: Statement<[number]>;
  #sincePrune = 0;

  constructor(db: Database) {
    // An expired row with the same id is replaced: its signature would be refused as stale.
    this.#insert = db.prepare(`INSERT INTO webhook_deliveries (scope, id, expires_at)
      VALUES (?, ?, ?) ON CONFLICT (scope, id) DO UPDATE SET expires_at = excluded.expires_at
      WHERE webhook_deliveries.expires_at <= ?`);
    this.#prune = db.prepare('DELETE FROM webhook_deliveries WHERE expires_at <= ?');
  }

  record(input: { scope: string; id: string; now: number; expiresAt: number }): boolean {
    if (++this.#sincePrune >= PRUNE_EVERY) {
      this.#sincePrune = 0;
      this.#prune.run(input.now);
    }
    return this.#insert.run(input.scope, input.id, input.expiresAt, input.now).changes === 1;
  }
}
