import type pg from 'pg';
import type {
  NotificationLevel,
  NotificationLink,
  NotificationQuery,
  NotificationRecord,
} from '@flowstate/engine';
import { inTransaction } from './connection.js';

interface NotificationRow {
  id: string;
  user_id: string;
  key: string;
  title: string;
  body: string | null;
  level: NotificationLevel;
  link: string | null;
  execution_id: string | null;
  created_at: number;
  read_at: number | null;
}

function toRecord(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    userId: row.user_id,
    key: row.key,
    title: row.title,
    ...(row.body === null ? {} : { body: row.body }),
    level: row.level,
    ...(row.link === null ? {} : { link: JSON.parse(row.link) as NotificationLink }),
    ...(row.execution_id === null ? {} : { executionId: row.execution_id }),
    createdAt: Number(row.created_at),
    ...(row.read_at === null ? {} : { readAt: Number(row.read_at) }),
  };
}

const COLUMNS = 'id, user_id, key, title, body, level, link, execution_id, created_at, read_at';

/** The `notifications` table (the `NotificationStore` methods). */
export class NotificationRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(records: readonly NotificationRecord[]): Promise<NotificationRecord[]> {
    if (records.length === 0) return [];
    return inTransaction(this.#pool, async (client) => {
      const stored: NotificationRecord[] = [];
      for (const r of records) {
        await client.query(
          `INSERT INTO notifications (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
          ON CONFLICT (user_id, key) DO NOTHING`,
          [
            r.id,
            r.userId,
            r.key,
            r.title,
            r.body ?? null,
            r.level,
            r.link === undefined ? null : JSON.stringify(r.link),
            r.executionId ?? null,
            r.createdAt,
            r.readAt ?? null,
          ],
        );
        const { rows } = await client.query<NotificationRow>(
          `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND key = $2`,
          [r.userId, r.key],
        );
        stored.push(toRecord(rows[0]!));
      }
      return stored;
    });
  }

  async list(query: NotificationQuery): Promise<NotificationRecord[]> {
    const args: (string | number)[] = [query.userId];
    const where = ['user_id = $1'];
    if (query.unreadOnly === true) where.push('read_at IS NULL');
    if (query.before !== undefined) {
      args.push(query.before.createdAt, query.before.id);
      where.push(`(created_at, id) < ($${args.length - 1}, $${args.length})`);
    }
    args.push(query.limit);
    const { rows } = await this.#pool.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map(toRecord);
  }

  async markRead(userId: string, id: string, now: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'UPDATE notifications SET read_at = coalesce(read_at, $1) WHERE user_id = $2 AND id = $3',
      [now, userId, id],
    );
    return (rowCount ?? 0) > 0;
  }

  async markAllRead(userId: string, now: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      'UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL',
      [now, userId],
    );
    return rowCount ?? 0;
  }

  async countUnread(userId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
      [userId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async prune(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM notifications WHERE id IN (
        SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [before, limit],
    );
    return rowCount ?? 0;
  }
}
