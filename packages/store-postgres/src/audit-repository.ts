import type pg from 'pg';
import { canonicalJson, type JsonValue } from '@flowstate/core';
import {
  AUDIT_GENESIS_HASH,
  auditHash,
  type AuditActor,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
} from '@flowstate/engine';
import { inTransaction } from './connection.js';

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
 * Appenders of every process take turns through this lock (it conflicts with itself, not
 * with readers), so each entry follows the last committed one: no gaps, no forks.
 */
const LOCK_AUDIT = 'LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE';

const INSERT_SQL = `INSERT INTO audit_log (seq, at, actor, action, target_type, target_id,
  summary, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

/**
 * The audit log (the `AuditStore` methods). Appends are serialized by a table lock and chain
 * each entry to the last one; triggers refuse UPDATE, DELETE and TRUNCATE (migration 4).
 */
export class AuditRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  append(input: AuditEntryInput): Promise<AuditEntry> {
    return inTransaction(this.#pool, async (client) => {
      await client.query(LOCK_AUDIT);
      const { rows } = await client.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      );
      const last = rows[0];
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
      await client.query(INSERT_SQL, [
        seq,
        entry.at,
        JSON.stringify(entry.actor),
        entry.action,
        entry.target.type,
        entry.target.id,
        JSON.stringify(entry.summary),
        prevHash,
        entry.hash,
      ]);
      return entry;
    });
  }

  /** Newest first, filtered. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filters: Array<[string, string | number | undefined]> = [
      ['seq <', query.beforeSeq],
      ['action =', query.action],
      ['target_type =', query.targetType],
      ['target_id =', query.targetId],
    ];
    for (const [condition, value] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${condition} $${params.length}`);
    }
    params.push(query.limit);
    const { rows } = await this.#pool.query<AuditRow>(
      `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** Entries after `afterSeq`, in order, for verification. */
  async chain(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.#pool.query<AuditRow>(
      'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(toEntry);
  }
}
