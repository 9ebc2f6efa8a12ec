import type { Database, Statement } from 'better-sqlite3';
import type {
  NotificationLevel,
  NotificationLink,
  NotificationQuery,
  NotificationRecord,
} from '@flowstate/engine';

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
    createdAt: row.created_at,
    ...(row.read_at === null ? {} : { readAt: row.read_at }),
  };
}

const COLUMNS = 'id, user_id, key, title, body, level, link, execution_id, created_at, read_at';

/** The `notifications` table (the `NotificationStore` methods). */
export class NotificationRepository {
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #byKey: Statement<[string, string], NotificationRow>;
  readonly #markRead: Statement<[number, string, string]>;
  readonly #exists: Statement<[string, string], number>;
  readonly #markAll: Statement<[number, string]>;
  readonly #countUnread: Statement<[string], number>;
  readonly #prune: Statement<[number, number]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO notifications (${COLUMNS})
      VALUES (@id, @userId, @key, @title, @body, @level, @link, @executionId, @createdAt, @readAt)
      ON CONFLICT (user_id, key) DO NOTHING`);
    this.#byKey = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE user_id = ? AND key = ?`);
    this.#markRead = db.prepare(
      'UPDATE notifications SET read_at = coalesce(read_at, ?) WHERE user_id = ? AND id = ?',
    );
    this.#exists = db
      .prepare<[string, string], number>('SELECT 1 FROM notifications WHERE user_id = ? AND id = ?')
      .pluck();
    this.#markAll = db.prepare(
      'UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL',
    );
    this.#countUnread = db
      .prepare<[string], number>(
        'SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL',
      )
      .pluck();
    this.#prune = db.prepare(`DELETE FROM notifications WHERE id IN (
      SELECT id FROM notifications WHERE created_at < ? ORDER BY created_at LIMIT ?)`);
  }

  create(records: readonly NotificationRecord[]): NotificationRecord[] {
    return this.#db.transaction(() =>
      records.map((record) => {
        this.#insert.run({
          id: record.id,
          userId: record.userId,
          key: record.key,
          title: record.title,
          body: record.body ?? null,
          level: record.level,
          link: record.link === undefined ? null : JSON.stringify(record.link),
          executionId: record.executionId ?? null,
          createdAt: record.createdAt,
          readAt: record.readAt ?? null,
        });
        return toRecord(this.#byKey.get(record.userId, record.key)!);
      }),
    )();
  }

  list(query: NotificationQuery): NotificationRecord[] {
    const where = ['user_id = ?'];
    const args: (string | number)[] = [query.userId];
    if (query.unreadOnly === true) where.push('read_at IS NULL');
    if (query.before !== undefined) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(query.before.createdAt, query.before.createdAt, query.before.id);
    }
    const rows = this.#db
      .prepare<(string | number)[], NotificationRow>(
        `SELECT ${COLUMNS} FROM notifications WHERE ${where.join(' AND ')}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...args, query.limit);
    return rows.map(toRecord);
  }

  markRead(userId: string, id: string, now: number): boolean {
    this.#markRead.run(now, userId, id);
    return this.#exists.get(userId, id) !== undefined;
  }

  markAllRead(userId: string, now: number): number {
    return this.#markAll.run(now, userId).changes;
  }

  countUnread(userId: string): number {
    return this.#countUnread.get(userId) ?? 0;
  }

  prune(before: number, limit: number): number {
    return this.#prune.run(before, limit).changes;
  }
}
