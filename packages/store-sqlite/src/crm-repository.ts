import type { Database, Statement } from 'better-sqlite3';
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

/**
 * Matches ranked per record type and search: ranking every match of a common word (a surname
 * in a million task titles) would score them all.
 */
const RANK_WINDOW = 200;

/** FTS5 query text: every word as a quoted prefix term, all required. */
function ftsQuery(text: string): string | undefined {
  const words = searchWords(text);
  return words.length === 0 ? undefined : words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

/**
 * `CrmStore` on SQLite (`SqliteStore.crm`). Synchronous better-sqlite3 transactions: each
 * record change and its entity event commit together.
 */
export class SqliteCrmRepository implements CrmStore {
  readonly #db: Database;

  readonly #statements = new Map<string, Statement>();
  readonly #durable: () => Promise<void>;

  /** `durable` resolves once the last commit is on disk (the store's group fsync). */
  constructor(db: Database, durable: () => Promise<void> = () => Promise.resolve()) {
    this.#db = db;
    this.#durable = durable;
  }

  /** Runs a synchronous write, then waits for it to be durable. */
  async #write<T>(write: () => T): Promise<T> {
    const result = write();
    await this.#durable();
    return result;
  }

  /** A prepared statement, prepared once per SQL text. */
  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #insertEvent(event: EntityEventInput): void {
    this.#sql(
      `INSERT INTO crm_events (id, record_type, record_id, event, changed, record, previous,
        actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      event.id,
      event.recordType,
      event.recordId,
      event.event,
      JSON.stringify(event.changed),
      JSON.stringify(event.record),
      event.previous === null ? null : JSON.stringify(event.previous),
      event.actor,
      event.createdAt,
    );
  }

  #get(type: RecordType, id: string): StoredRecord | undefined {
    const row = this.#sql(`SELECT * FROM ${TABLE_SPECS[type].table} WHERE id = ?`).get(id) as
      Record<string, unknown> | undefined;
    return row === undefined ? undefined : rowToRecord(type, row);
  }

  async insertRecord(input: {
    type: RecordType;
    record: StoredRecord;
    event: EntityEventInput;
  }): Promise<void> {
    await this.#write(() =>
      this.#db
        .transaction(() => {
          this.#sql(insertSql(input.type)).run(...recordToValues(input.type, input.record));
          this.#insertEvent(input.event);
        })
        .immediate(),
    );
  }

  async updateRecord(input: {
    type: RecordType;
    id: string;
    decide: (current: StoredRecord) => UpdateDecision;
  }): Promise<{ before: StoredRecord; after: StoredRecord; event?: EntityEvent } | undefined> {
    return this.#write(() =>
      this.#db
        .transaction(() => {
          const before = this.#get(input.type, input.id);
          if (before === undefined) return undefined;
          const decision = input.decide(before);
          if (decision === undefined) return { before, after: before };
          this.#sql(updateSql(input.type)).run(...updateValues(input.type, decision.record));
          this.#insertEvent(decision.event);
          const seq = Number(this.#sql('SELECT last_insert_rowid()').pluck().get());
          return { before, after: decision.record, event: { ...decision.event, seq } };
        })
        .immediate(),
    );
  }

  async deleteRecord(input: {
    type: RecordType;
    id: string;
    event: (current: StoredRecord) => EntityEventInput;
  }): Promise<StoredRecord | undefined> {
    return this.#write(() =>
      this.#db
        .transaction(() => {
          const current = this.#get(input.type, input.id);
          if (current === undefined) return undefined;
          this.#db
            .prepare(`DELETE FROM ${TABLE_SPECS[input.type].table} WHERE id = ?`)
            .run(input.id);
          this.#insertEvent(input.event(current));
          return current;
        })
        .immediate(),
    );
  }

  async getRecord(type: RecordType, id: string): Promise<StoredRecord | undefined> {
    return this.#get(type, id);
  }

  async listRecords(type: RecordType, query: ListQuery): Promise<Page<StoredRecord>> {
    const { sql, params } = listSql(type, query);
    const rows = this.#sql(sql).all(...params) as Record<string, unknown>[];
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
    const match = ftsQuery(input.text);
    if (match === undefined) return [];
    const hits: SearchHit[] = [];
    for (const type of input.types) {
      const { table } = TABLE_SPECS[type];
      const linked = type === 'task' || type === 'activity' ? ', t.record_type, t.record_id' : '';
      const rows = this.#db
        .prepare(
          `SELECT t.id, t.${titleColumn(type)} AS title${linked}, m.rank FROM (
            SELECT rowid, bm25(${table}_fts) AS rank FROM ${table}_fts WHERE ${table}_fts MATCH ?
            LIMIT ${RANK_WINDOW}) m JOIN ${table} t ON t.seq = m.rowid ORDER BY m.rank LIMIT ?`,
        )
        .all(match, input.limit) as Array<{
        id: string;
        title: string | null;
        record_type?: string;
        record_id?: string;
        rank: number;
      }>;
      for (const row of rows) {
        hits.push({
          type,
          id: row.id,
          title: row.title ?? '',
          ...(linked
            ? { recordType: row.record_type ?? null, recordId: row.record_id ?? null }
            : {}),
          rank: row.rank,
        });
      }
    }
    return hits.sort((a, b) => a.rank - b.rank).slice(0, input.limit);
  }

  async importRecords(input: {
    type: RecordType;
    records: readonly StoredRecord[];
  }): Promise<void> {
    const insert = this.#sql(insertSql(input.type));
    const batch = this.#db.transaction((records: readonly StoredRecord[]) => {
      for (const record of records) insert.run(...recordToValues(input.type, record));
    });
    // Bulk inserts touch every index at random places: a large page cache keeps them in memory.
    const cacheSize = this.#db.pragma('cache_size', { simple: true }) as number;
    this.#db.pragma('cache_size = -262144');
    try {
      for (let i = 0; i < input.records.length; i += 20_000)
        batch(input.records.slice(i, i + 20_000));
    } finally {
      this.#db.pragma(`cache_size = ${cacheSize}`);
    }
    await this.#durable();
  }

  async listPipelines(): Promise<Pipeline[]> {
    const rows = this.#db
      .prepare('SELECT * FROM crm_pipelines ORDER BY created_at, id')
      .all() as PipelineRow[];
    return rows.map(toPipeline);
  }

  async getPipeline(id: string): Promise<Pipeline | undefined> {
    const row = this.#db.prepare('SELECT * FROM crm_pipelines WHERE id = ?').get(id) as
      PipelineRow | undefined;
    return row === undefined ? undefined : toPipeline(row);
  }

  async putPipeline(p: Pipeline): Promise<void> {
    await this.#write(() =>
      this.#db
        .prepare(
          `INSERT INTO crm_pipelines (id, name, record_type, stages, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,
        record_type = excluded.record_type, stages = excluded.stages, updated_at = excluded.updated_at`,
        )
        .run(p.id, p.name, p.recordType, JSON.stringify(p.stages), p.createdAt, p.updatedAt),
    );
  }

  async deletePipeline(id: string): Promise<boolean> {
    return this.#write(
      () => this.#db.prepare('DELETE FROM crm_pipelines WHERE id = ?').run(id).changes > 0,
    );
  }

  async listFieldDefinitions(recordType?: RecordType): Promise<FieldDefinition[]> {
    const rows = (
      recordType === undefined
        ? this.#db
            .prepare('SELECT definition FROM crm_field_definitions ORDER BY record_type, key')
            .pluck()
            .all()
        : this.#db
            .prepare(
              'SELECT definition FROM crm_field_definitions WHERE record_type = ? ORDER BY key',
            )
            .pluck()
            .all(recordType)
    ) as string[];
    return rows.map((text) => FieldDefinitionSchema.parse(JSON.parse(text)));
  }

  async putFieldDefinition(definition: FieldDefinition, now: number): Promise<void> {
    await this.#write(() =>
      this.#db
        .prepare(
          `INSERT INTO crm_field_definitions (record_type, key, definition, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (record_type, key) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        )
        .run(definition.recordType, definition.key, JSON.stringify(definition), now),
    );
  }

  async deleteFieldDefinition(recordType: RecordType, key: string): Promise<boolean> {
    return this.#write(
      () =>
        this.#db
          .prepare('DELETE FROM crm_field_definitions WHERE record_type = ? AND key = ?')
          .run(recordType, key).changes > 0,
    );
  }

  async claimEvents(input: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<EntityEvent[]> {
    const rows = await this.#write(
      () =>
        this.#db
          .prepare(
            `UPDATE crm_events SET lease_owner = ?, lease_expires_at = ? WHERE seq IN (
          SELECT seq FROM crm_events WHERE dispatched_at IS NULL
            AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY seq LIMIT ?)
        RETURNING *`,
          )
          .all(input.owner, input.now + input.leaseMs, input.now, input.limit) as EventRow[],
    );
    return rows.map(toEvent).sort((a, b) => a.seq - b.seq);
  }

  async completeEvents(ids: readonly string[]): Promise<void> {
    const done = this.#db.prepare(
      'UPDATE crm_events SET dispatched_at = ?, lease_owner = NULL WHERE id = ?',
    );
    const now = Date.now();
    await this.#write(() =>
      this.#db.transaction(() => {
        for (const id of ids) done.run(now, id);
      })(),
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
    const rows = this.#db
      .prepare(`SELECT * FROM crm_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...params, query.limit) as EventRow[];
    return rows.map(toEvent);
  }

  async linkExecution(link: RecordExecutionLink): Promise<void> {
    await this.#write(() =>
      this.#db
        .prepare(
          `INSERT INTO crm_execution_links (record_type, record_id, execution_id, workflow_id, source, created_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          link.recordType,
          link.recordId,
          link.executionId,
          link.workflowId,
          link.source,
          link.createdAt,
        ),
    );
  }

  async listExecutionLinks(
    recordType: RecordType,
    recordId: string,
  ): Promise<RecordExecutionLink[]> {
    const rows = this.#db
      .prepare(
        'SELECT * FROM crm_execution_links WHERE record_type = ? AND record_id = ? ORDER BY created_at DESC, execution_id',
      )
      .all(recordType, recordId) as LinkRow[];
    return rows.map(toLink);
  }

  async nextCounter(key: string): Promise<number> {
    return this.#write(() =>
      Number(
        this.#db
          .prepare(
            `INSERT INTO crm_counters (key, value) VALUES (?, 1)
          ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
          )
          .pluck()
          .get(key),
      ),
    );
  }

  async eraseContact(id: string): Promise<ErasureResult> {
    return this.#write(() =>
      this.#db
        .transaction(() => {
          const contact = this.#get('contact', id);
          const run = (sql: string, ...params: unknown[]) =>
            this.#db.prepare(sql).run(...params).changes;
          const linked = (table: string) =>
            this.#db
              .prepare(`SELECT id FROM ${table} WHERE record_type = 'contact' AND record_id = ?`)
              .pluck()
              .all(id) as string[];
          const removeEvents = this.#db.prepare(
            'DELETE FROM crm_events WHERE record_type = ? AND record_id = ?',
          );
          for (const activityId of linked('crm_activities'))
            removeEvents.run('activity', activityId);
          for (const taskId of linked('crm_tasks')) removeEvents.run('task', taskId);
          run('DELETE FROM crm_contacts WHERE id = ?', id);
          const activities = run(
            "DELETE FROM crm_activities WHERE record_type = 'contact' AND record_id = ?",
            id,
          );
          const tasks = run(
            "DELETE FROM crm_tasks WHERE record_type = 'contact' AND record_id = ?",
            id,
          );
          const events = run(
            "DELETE FROM crm_events WHERE record_type = 'contact' AND record_id = ?",
            id,
          );
          const deals = run('UPDATE crm_deals SET contact_id = NULL WHERE contact_id = ?', id);
          const executions = (
            this.#db
              .prepare(
                "SELECT * FROM crm_execution_links WHERE record_type = 'contact' AND record_id = ?",
              )
              .all(id) as LinkRow[]
          ).map(toLink);
          return { contact, activities, tasks, events, deals, executions };
        })
        .immediate(),
    );
  }
}
