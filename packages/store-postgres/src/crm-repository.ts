import type pg from 'pg';
import {
  FieldDefinitionSchema,
  TABLE_SPECS,
  insertSql,
  toEvent,
  toLink,
  toPipeline,
  type EventRow,
  type LinkRow,
  type PipelineRow,
  listSql,
  numberPlaceholders,
  recordToValues,
  rowToRecord,
  searchWords,
  titleColumn,
  toPage,
  updateSql,
  updateValues,
  type CrmStore,
  type EntityEvent,
  type EntityEventInput,
  type ErasureResult,
  type FieldDefinition,
  type ListQuery,
  type Page,
  type Pipeline,
  type RecordExecutionLink,
  type RecordType,
  type SearchHit,
  type StoredRecord,
  type UpdateDecision,
} from '@flowstate/crm';
import { inTransaction, type Queryable } from './connection.js';

/** Matches ranked per record type and search (see `search`). */
const RANK_WINDOW = 200;

/** `to_tsquery` text: every word as a prefix term, all required. */
function tsQuery(text: string): string | undefined {
  const words = searchWords(text);
  return words.length === 0
    ? undefined
    : words.map((w) => `'${w.replace(/'/g, "''")}':*`).join(' & ');
}

/** Runs `?`-placeholder SQL (see `numberPlaceholders`). */
async function q<R extends pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return (await db.query<R>(numberPlaceholders(sql), params)).rows;
}

const INSERT_EVENT = `INSERT INTO crm_events (id, record_type, record_id, event, changed, record,
  previous, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`;

function eventParams(event: EntityEventInput): unknown[] {
  return [
    event.id,
    event.recordType,
    event.recordId,
    event.event,
    JSON.stringify(event.changed),
    JSON.stringify(event.record),
    event.previous === null ? null : JSON.stringify(event.previous),
    event.actor,
    event.createdAt,
  ];
}

/**
 * `CrmStore` on PostgreSQL (`PostgresStore.crm`): each record change and its entity event in
 * one transaction; updates lock the row (`FOR UPDATE`) so concurrent stage changes are
 * checked one after the other; dispatchers claim events with `FOR UPDATE SKIP LOCKED`.
 */
export class PostgresCrmRepository implements CrmStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async #get(
    db: Queryable,
    type: RecordType,
    id: string,
    lock = false,
  ): Promise<StoredRecord | undefined> {
    const rows = await q(
      db,
      `SELECT * FROM ${TABLE_SPECS[type].table} WHERE id = ?${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] === undefined ? undefined : rowToRecord(type, rows[0]);
  }

  async insertRecord(input: {
    type: RecordType;
    record: StoredRecord;
    event: EntityEventInput;
  }): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      await q(client, insertSql(input.type), recordToValues(input.type, input.record));
      await q(client, INSERT_EVENT, eventParams(input.event));
    });
  }

  updateRecord(input: {
    type: RecordType;
    id: string;
    decide: (current: StoredRecord) => UpdateDecision;
  }): Promise<{ before: StoredRecord; after: StoredRecord; event?: EntityEvent } | undefined> {
    return inTransaction(this.#pool, async (client) => {
      const before = await this.#get(client, input.type, input.id, true);
      if (before === undefined) return undefined;
      const decision = input.decide(before);
      if (decision === undefined) return { before, after: before };
      await q(client, updateSql(input.type), updateValues(input.type, decision.record));
      const [row] = await q<{ seq: number }>(client, INSERT_EVENT, eventParams(decision.event));
      return {
        before,
        after: decision.record,
        event: { ...decision.event, seq: Number(row!.seq) },
      };
    });
  }

  deleteRecord(input: {
    type: RecordType;
    id: string;
    event: (current: StoredRecord) => EntityEventInput;
  }): Promise<StoredRecord | undefined> {
    return inTransaction(this.#pool, async (client) => {
      const current = await this.#get(client, input.type, input.id, true);
      if (current === undefined) return undefined;
      await q(client, `DELETE FROM ${TABLE_SPECS[input.type].table} WHERE id = ?`, [input.id]);
      await q(client, INSERT_EVENT, eventParams(input.event(current)));
      return current;
    });
  }

  getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined> {
    return this.#get(this.#pool, type, id);
  }

  async listRecords(type: RecordType, query: ListQuery): Promise<Page<StoredRecord>> {
    const { sql, params } = listSql(type, query);
    const rows = await q(this.#pool, sql, params);
    return toPage(
      rows.map((row) => rowToRecord(type, row)),
      query,
    );
  }

  async search(input: {
    text: string;
    types: readonly RecordType[];
    limit: number;
  }): Promise<SearchHit[]> {
    const query = tsQuery(input.text);
    if (query === undefined) return [];
    const lists = await Promise.all(
      input.types.map(async (type) => {
        const linked = type === 'task' || type === 'activity' ? ', record_type, record_id' : '';
        const rows = await q<{
          id: string;
          title: string | null;
          record_type?: string;
          record_id?: string;
          rank: number;
        }>(
          this.#pool,
          // Ranks at most RANK_WINDOW matches: ranking every match of a common word (a surname
          // in a million task titles) would read and rank them all.
          `SELECT id, title${linked}, -ts_rank(search, to_tsquery('simple', ?)) AS rank FROM (
              SELECT id, ${titleColumn(type)} AS title${linked}, search FROM ${TABLE_SPECS[type].table}
              WHERE search @@ to_tsquery('simple', ?) LIMIT ${RANK_WINDOW}) matches
            ORDER BY rank LIMIT ?`,
          [query, query, input.limit],
        );
        return rows.map((row): SearchHit => ({
          type,
          id: row.id,
          title: row.title ?? '',
          ...(linked
            ? { recordType: row.record_type ?? null, recordId: row.record_id ?? null }
            : {}),
          rank: Number(row.rank),
        }));
      }),
    );
    return lists
      .flat()
      .sort((a, b) => a.rank - b.rank)
      .slice(0, input.limit);
  }

  async importRecords(input: {
    type: RecordType;
    records: readonly StoredRecord[];
  }): Promise<void> {
    const { table, columns } = TABLE_SPECS[input.type];
    const names = columns.map((c) => c.column).join(', ');
    // One multi-row INSERT per batch, under PostgreSQL's 65,535 parameter limit.
    const perBatch = Math.floor(60_000 / columns.length);
    for (let i = 0; i < input.records.length; i += perBatch) {
      const batch = input.records.slice(i, i + perBatch);
      const params: unknown[] = [];
      const rows = batch.map((record) => {
        params.push(...recordToValues(input.type, record));
        return `(${columns.map(() => '?').join(', ')})`;
      });
      await q(this.#pool, `INSERT INTO ${table} (${names}) VALUES ${rows.join(', ')}`, params);
    }
  }

  async listPipelines(): Promise<Pipeline[]> {
    return (
      await q<PipelineRow>(this.#pool, 'SELECT * FROM crm_pipelines ORDER BY created_at, id')
    ).map(toPipeline);
  }

  async getPipeline(id: string): Promise<Pipeline | undefined> {
    const [row] = await q<PipelineRow>(this.#pool, 'SELECT * FROM crm_pipelines WHERE id = ?', [
      id,
    ]);
    return row === undefined ? undefined : toPipeline(row);
  }

  async putPipeline(p: Pipeline): Promise<void> {
    await q(
      this.#pool,
      `INSERT INTO crm_pipelines (id, name, record_type, stages, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,
        record_type = excluded.record_type, stages = excluded.stages, updated_at = excluded.updated_at`,
      [p.id, p.name, p.recordType, JSON.stringify(p.stages), p.createdAt, p.updatedAt],
    );
  }

  async deletePipeline(id: string): Promise<boolean> {
    return (await this.#pool.query('DELETE FROM crm_pipelines WHERE id = $1', [id])).rowCount! > 0;
  }

  async listFieldDefinitions(recordType?: RecordType): Promise<FieldDefinition[]> {
    const rows = await (recordType === undefined
      ? q<{ definition: string }>(
          this.#pool,
          'SELECT definition FROM crm_field_definitions ORDER BY record_type, key',
        )
      : q<{ definition: string }>(
          this.#pool,
          'SELECT definition FROM crm_field_definitions WHERE record_type = ? ORDER BY key',
          [recordType],
        ));
    return rows.map((row) => FieldDefinitionSchema.parse(JSON.parse(row.definition)));
  }

  async putFieldDefinition(definition: FieldDefinition, now: number): Promise<void> {
    await q(
      this.#pool,
      `INSERT INTO crm_field_definitions (record_type, key, definition, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (record_type, key) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      [definition.recordType, definition.key, JSON.stringify(definition), now],
    );
  }

  async deleteFieldDefinition(recordType: RecordType, key: string): Promise<boolean> {
    const result = await this.#pool.query(
      'DELETE FROM crm_field_definitions WHERE record_type = $1 AND key = $2',
      [recordType, key],
    );
    return result.rowCount! > 0;
  }

  async claimEvents(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<EntityEvent[]> {
    const rows = await q<EventRow>(
      this.#pool,
      `UPDATE crm_events SET lease_owner = ?, lease_expires_at = ? WHERE seq IN (
          SELECT seq FROM crm_events WHERE dispatched_at IS NULL
            AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY seq LIMIT ?
          FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [input.owner, input.now + input.leaseMs, input.now, input.limit],
    );
    return rows.map(toEvent).sort((a, b) => a.seq - b.seq);
  }

  async completeEvents(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#pool.query(
      'UPDATE crm_events SET dispatched_at = $1, lease_owner = NULL WHERE id = ANY($2)',
      [Date.now(), ids],
    );
  }

  async listEvents(query: {
    recordType?: RecordType;
    recordId?: string;
    afterSeq?: number;
    limit: number;
  }): Promise<EntityEvent[]> {
    const where = ['seq > ?'];
    const params: unknown[] = [query.afterSeq ?? 0];
    if (query.recordType !== undefined) {
      where.push('record_type = ?');
      params.push(query.recordType);
    }
    if (query.recordId !== undefined) {
      where.push('record_id = ?');
      params.push(query.recordId);
    }
    const rows = await q<EventRow>(
      this.#pool,
      `SELECT * FROM crm_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
      [...params, query.limit],
    );
    return rows.map(toEvent);
  }

  async linkExecution(link: RecordExecutionLink): Promise<void> {
    await q(
      this.#pool,
      `INSERT INTO crm_execution_links (record_type, record_id, execution_id, workflow_id, source, created_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        link.recordType,
        link.recordId,
        link.executionId,
        link.workflowId,
        link.source,
        link.createdAt,
      ],
    );
  }

  async listExecutionLinks(
    recordType: RecordType,
    recordId: string,
  ): Promise<RecordExecutionLink[]> {
    const rows = await q<LinkRow>(
      this.#pool,
      'SELECT * FROM crm_execution_links WHERE record_type = ? AND record_id = ? ORDER BY created_at DESC, execution_id',
      [recordType, recordId],
    );
    return rows.map(toLink);
  }

  async nextCounter(key: string): Promise<number> {
    const [row] = await q<{ value: number }>(
      this.#pool,
      `INSERT INTO crm_counters (key, value) VALUES (?, 1)
        ON CONFLICT (key) DO UPDATE SET value = crm_counters.value + 1 RETURNING value`,
      [key],
    );
    return Number(row!.value);
  }

  eraseContact(id: string): Promise<ErasureResult> {
    return inTransaction(this.#pool, async (client) => {
      const contact = await this.#get(client, 'contact', id, true);
      const count = async (sql: string, params: unknown[]) =>
        (await client.query(numberPlaceholders(sql), params)).rowCount ?? 0;
      await count(
        `DELETE FROM crm_events WHERE (record_type = 'activity' AND record_id IN (SELECT id FROM crm_activities WHERE record_type = 'contact' AND record_id = ?))
          OR (record_type = 'task' AND record_id IN (SELECT id FROM crm_tasks WHERE record_type = 'contact' AND record_id = ?))`,
        [id, id],
      );
      await count('DELETE FROM crm_contacts WHERE id = ?', [id]);
      const activities = await count(
        "DELETE FROM crm_activities WHERE record_type = 'contact' AND record_id = ?",
        [id],
      );
      const tasks = await count(
        "DELETE FROM crm_tasks WHERE record_type = 'contact' AND record_id = ?",
        [id],
      );
      const events = await count(
        "DELETE FROM crm_events WHERE record_type = 'contact' AND record_id = ?",
        [id],
      );
      const deals = await count('UPDATE crm_deals SET contact_id = NULL WHERE contact_id = ?', [
        id,
      ]);
      const links = await q<LinkRow>(
        client,
        "SELECT * FROM crm_execution_links WHERE record_type = 'contact' AND record_id = ?",
        [id],
      );
      return { contact, activities, tasks, events, deals, executions: links.map(toLink) };
    });
  }
}
