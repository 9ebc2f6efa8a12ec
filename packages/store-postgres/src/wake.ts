import pg from 'pg';

/** The LISTEN/NOTIFY channel on which commits announce steps that other workers may claim. */
export const WAKE_CHANNEL = 'flowstate_wake';

/**
 * The channel on which commits announce executions that ended or got their webhook response,
 * so that a process waiting for one (an API process answering a webhook another process runs)
 * reads it at once instead of at its next poll.
 */
export const SETTLED_CHANNEL = 'flowstate_settled';

/** A listener of `PostgresStore.subscribeWake`: `dueAt` is when the new steps are due. */
export type WakeListener = (dueAt?: number) => void;

/** A listener of `PostgresStore.subscribeSettled`: ids of executions another process settled. */
export type SettledListener = (executionIds: readonly string[]) => void;

/** Ids per settled notification: a NOTIFY payload must stay under 8,000 bytes. */
const IDS_PER_NOTIFICATION = 100;

/**
 * Payloads of settled notifications for `executionIds`: `<schema> <sourceId> <id>,<id>,...`,
 * at most 100 ids each.
 */
export function settledPayloads(
  schema: string,
  sourceId: string,
  executionIds: readonly string[],
): string[] {
  const payloads: string[] = [];
  for (let i = 0; i < executionIds.length; i += IDS_PER_NOTIFICATION) {
    const ids = executionIds.slice(i, i + IDS_PER_NOTIFICATION).join(',');
    payloads.push(`${schema} ${sourceId} ${ids}`);
  }
  return payloads;
}

function parseSettledPayload(
  text: string,
): { schema: string; sourceId: string; executionIds: string[] } | undefined {
  const [schema, sourceId, ids] = text.split(' ');
  if (schema === undefined || sourceId === undefined || !ids) return undefined;
  return { schema, sourceId, executionIds: ids.split(',') };
}

/**
 * Payload of a wake notification: `<schema> <sourceId> <dueAt>`. The schema keeps stores of
 * different schemas of one database apart; the source id lets a store ignore its own.
 */
export function wakePayload(schema: string, sourceId: string, dueAt: number): string {
  return `${schema} ${sourceId} ${dueAt}`;
}

function parseWakePayload(
  text: string,
): { schema: string; sourceId: string; dueAt: number } | undefined {
  const [schema, sourceId, due] = text.split(' ');
  const dueAt = Number(due);
  if (schema === undefined || sourceId === undefined || !Number.isFinite(dueAt)) return undefined;
  return { schema, sourceId, dueAt };
}

/** What `WakeSubscription` needs. */
export interface WakeSubscriptionOptions {
  /** Settings of the dedicated LISTEN connection. */
  config: pg.ClientConfig;
  schema: string;
  sourceId: string;
  onError: (error: Error) => void;
  /** Delay before reconnecting after the connection was lost; doubles up to 30 s. */
  retryMs?: number;
}

/**
 * One dedicated connection that LISTENs on `flowstate_wake` and `flowstate_settled` and calls
 * the subscribed listeners for notifications of other stores on the same schema. It
 * reconnects after a lost connection and then calls every wake listener without a due time
 * (it may have missed some); settled listeners poll as well, so they miss nothing for long.
 */
export class WakeSubscription {
  readonly #options: WakeSubscriptionOptions;
  readonly #listeners = new Set<WakeListener>();
  readonly #settledListeners = new Set<SettledListener>();
  #client: pg.Client | undefined;
  #listening: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #closed = false;

  constructor(options: WakeSubscriptionOptions) {
    this.#options = options;
    this.#retryMs = options.retryMs ?? 500;
  }

  /** Adds `listener` (connecting on first use); returns the function that removes it. */
  subscribe(listener: WakeListener): () => void {
    this.#listeners.add(listener);
    this.#ensureConnected();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Adds a listener of settled executions; returns the function that removes it. */
  subscribeSettled(listener: SettledListener): () => void {
    this.#settledListeners.add(listener);
    this.#ensureConnected();
    return () => {
      this.#settledListeners.delete(listener);
    };
  }

  #ensureConnected(): void {
    const idle = this.#listening === undefined && this.#retryTimer === undefined;
    if (idle && !this.#closed) this.#connect();
  }

  /** Resolves once the LISTEN is active (or has failed and will be retried). */
  async ready(): Promise<void> {
    await this.#listening;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #connect(): void {
    const client = new pg.Client(this.#options.config);
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === SETTLED_CHANNEL) {
        const settled = parseSettledPayload(message.payload ?? '');
        if (settled === undefined || settled.schema !== this.#options.schema) return;
        if (settled.sourceId === this.#options.sourceId) return;
        for (const listener of this.#settledListeners) listener(settled.executionIds);
        return;
      }
      if (message.channel !== WAKE_CHANNEL) return;
      const wake = parseWakePayload(message.payload ?? '');
      if (wake === undefined || wake.schema !== this.#options.schema) return;
      if (wake.sourceId === this.#options.sourceId) return;
      this.#emit(wake.dueAt);
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (error !== undefined) this.#options.onError(error);
      this.#reconnectLater(client);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    this.#listening = client
      .connect()
      .then(() => client.query(`LISTEN ${WAKE_CHANNEL}; LISTEN ${SETTLED_CHANNEL}`))
      .then(() => {
        this.#retryMs = this.#options.retryMs ?? 500;
      })
      .catch((error: Error) => onLost(error));
  }

  #reconnectLater(client: pg.Client): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    this.#listening = undefined;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed) return;
      this.#connect();
      // Anything may have become due while the connection was down.
      void this.#listening?.then(() => {
        if (this.#client !== undefined) this.#emit(undefined);
      });
    }, this.#retryMs);
    this.#retryTimer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, 30_000);
  }

  #emit(dueAt: number | undefined): void {
    for (const listener of this.#listeners) listener(dueAt);
  }
}

/** `pg_notify($n, $n+1)` for `pairs` channel/payload parameter pairs starting at `$first`. */
export function notifyCalls(pairs: number, first = 1): string[] {
  return Array.from(
    { length: pairs },
    (_, i) => `pg_notify($${first + 2 * i}, $${first + 2 * i + 1})`,
  );
}
