import type { Database, Statement } from 'better-sqlite3';
import type { JsonValue } from '@flowstate/core';
import {
  AUDIT_GENESIS_HASH,
  auditHash,
  type AuditActor,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
} from '@flowstate/engine';
import { canonicalJson } from './canonical-json.js';

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  summary: string;
  prev_hash: string;
  hash: string;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: JSON.parse(row.actor) as AuditActor,
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    summary: JSON.parse(row.summary) as JsonValue,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The audit log (the `AuditStore` methods). Appends run in one immediate transaction that
 * reads the last entry, so seq and the hash chain have no gaps or forks; SQLite triggers
 * refuse UPDATE and DELETE on the table.
 */
export class AuditRepository {
  readonly #db: Database;
  readonly #last: Statement<[], { seq: number; hash: string }>;
  readonly #insert: Statement<[AuditRow]>;
  readonly #chain: Statement<[number, number], AuditRow>;
  /** One prepared statement per combination of filters. */
  readonly #lists = new Map<string, Statement<[Record<string, string | number>], AuditRow>>();

  constructor(db: Database) {
    this.#db = db;
    this.#last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare(`INSERT INTO audit_log (seq, at, actor, action, target_type,
      target_id, summary, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @target_type,
      @target_id, @summary, @prev_hash, @hash)`);
    this.#chain = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  }

  append(input: AuditEntryInput): AuditEntry {
    return this.#db
      .transaction((): AuditEntry => {
        const last = this.#last.get();
        const seq = (last?.seq ?? 0) + 1;
        const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
        // Stored as it will be read back, so the hash is computed over exactly that.
        const entry: AuditEntry = {
          ...input,
          summary: JSON.parse(canonicalJson(input.summary)) as JsonValue,
          seq,
          prevHash,
          hash: '',
        };
        entry.hash = auditHash(prevHash, entry);
        this.#insert.run({
          seq,
          at: entry.at,
          actor: JSON.stringify(entry.actor),
          action: entry.action,
          target_type: entry.target.type,
          target_id: entry.target.id,
          summary: JSON.stringify(entry.summary),
          prev_hash: prevHash,
          hash: entry.hash,
        });
        return entry;
      })
      .immediate();
  }

  list(query: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit };
    if (query.beforeSeq !== undefined) {
      where.push('seq < @beforeSeq');
      params['beforeSeq'] = query.beforeSeq;
    }
    for (const [key, column] of [
      ['action', 'action'],
      ['targetType', 'target_type'],
      ['targetId', 'target_id'],
    ] as const) {
      const value = query[key];
      if (value === undefined) continue;
      where.push(`${column} = @${key}`);
      params[key] = value;
    }
    const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT @limit`;
    let statement = this.#lists.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#lists.set(sql, statement);
    }
    return statement.all(params).map(toEntry);
  }

  chain(afterSeq: number, limit: number): AuditEntry[] {
    return this.#chain.all(afterSeq, limit).map(toEntry);
  }
}
