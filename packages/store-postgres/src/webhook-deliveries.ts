import type pg from 'pg';

/** How often (in recorded deliveries, per process) expired rows are deleted. */
const PRUNE_EVERY = 500;

/** An expired row with the same id is replaced: its signature would be refused as stale. */
const RECORD_SQL = `INSERT INTO webhook_deliveries (scope, id, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (scope, id) DO UPDATE SET expires_at = excluded.expires_at
  WHERE webhook_deliveries.expires_at <= $4`;

/** Delivery ids of signed webhooks (the `WebhookDeliveryStore` method). */
export class WebhookDeliveries {
  readonly #pool: pg.Pool;
  #sincePrune = 0;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** True when the id is new (or its record expired); false for a replay. */
  async record(input: { scope: string; id: string; now: number; expiresAt: number }) {
    if (++this.#sincePrune >= PRUNE_EVERY) {
      this.#sincePrune = 0;
      await this.#pool.query('DELETE FROM webhook_deliveries WHERE expires_at <= $1', [input.now]);
    }
    // Two requests with one id at once: the second waits for the first's row, then updates
    // nothing (it has not expired), so exactly one of them is fresh.
    const result = await this.#pool.query({
      name: 'fs_record_delivery',
      text: RECORD_SQL,
      values: [input.scope, input.id, input.expiresAt, input.now],
    });
    return result.rowCount === 1;
  }
}
