import type { JsonValue } from '@flowstate/core';
import {
  findAuditBreak,
  type AuditActor,
  type AuditBreak,
  type AuditEntry,
  type AuditStore,
} from '@flowstate/engine';

/** What a change records; who and when are added by {@link AuditLog.record}. */
export interface AuditChange {
  action: string;
  target: { type: string; id: string };
  /** `{ before?, after? }` summaries of the thing changed. Never secrets. */
  summary: { before?: unknown; after?: unknown; [key: string]: unknown };
}

/** Result of {@link AuditLog.verify}. */
export interface AuditVerification {
  ok: boolean;
  /** Entries checked (up to and including the first bad one). */
  checked: number;
  /** The first entry that breaks the chain. */
  firstBad?: AuditBreak;
  /**
   * The last entry of an intact chain. Someone able to rewrite the database could recompute
   * every hash after a change; keeping this head elsewhere (a ticket, another system) and
   * checking it later detects that too.
   */
  head?: { seq: number; hash: string };
}

/** Entries read per batch while verifying. */
const VERIFY_BATCH = 1000;

/**
 * The append-only, hash-chained audit log of changes to workflows, credentials, users, API
 * keys and settings. Services call `record` after each change they make.
 */
export class AuditLog {
  readonly #store: AuditStore;
  readonly #now: () => number;

  constructor(store: AuditStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Appends one entry. */
  record(actor: AuditActor, change: AuditChange): Promise<AuditEntry> {
    return this.#store.appendAudit({
      at: this.#now(),
      actor,
      action: change.action,
      target: change.target,
      summary: JSON.parse(JSON.stringify(change.summary)) as JsonValue,
    });
  }

  /** Walks the whole chain from the first entry and names the first one that breaks it. */
  async verify(): Promise<AuditVerification> {
    let previous: AuditEntry | undefined;
    let checked = 0;
    for (;;) {
      const batch = await this.#store.readAuditChain({
        afterSeq: previous?.seq ?? 0,
        limit: VERIFY_BATCH,
      });
      if (batch.length === 0) {
        return previous
          ? { ok: true, checked, head: { seq: previous.seq, hash: previous.hash } }
          : { ok: true, checked };
      }
      const broken = findAuditBreak(batch, previous);
      if (broken)
        return {
          ok: false,
          checked: checked + broken.seq - (previous?.seq ?? 0),
          firstBad: broken,
        };
      checked += batch.length;
      previous = batch.at(-1);
    }
  }
}
