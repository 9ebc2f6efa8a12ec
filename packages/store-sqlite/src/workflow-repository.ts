import type { Database, Statement } from 'better-sqlite3';
import { FlowstateError, type Workflow } from '@flowstate/core';
import {
  SYSTEM_AUTHOR,
  type CreateWorkflowInput,
  type SaveWorkflowVersionInput,
  type WorkflowRecord,
  type WorkflowVersionRecord,
  type WorkflowVersionSummary,
  type WorkflowWrite,
} from '@flowstate/engine';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import { FINAL_EXECUTION_SQL } from './migrations.js';
import { toWorkflowRecord, type WorkflowRow } from './rows.js';

interface VersionRow {
  workflow_id: string;
  version: number;
  definition: string;
  hash: string;
  author: string;
  message: string | null;
  created_at: number;
}

type SummaryRow = Omit<VersionRow, 'definition'>;

function toSummary(row: SummaryRow): WorkflowVersionSummary {
  return {
    workflowId: row.workflow_id,
    version: row.version,
    hash: row.hash,
    author: row.author,
    ...(row.message === null ? {} : { message: row.message }),
    createdAt: row.created_at,
  };
}

function toVersionRecord(row: VersionRow): WorkflowVersionRecord {
  return { ...toSummary(row), definition: JSON.parse(row.definition) as Workflow };
}

/** Workflows and their immutable versions (the `WorkflowStore` methods). */
export class WorkflowRepository {
  readonly #get: Statement<[string], WorkflowRow>;
  readonly #list: Statement<[], WorkflowRow>;
  readonly #insert: Statement<[WorkflowRow]>;
  readonly #setDraft: Statement<[{ id: string; name: string; version: number; now: number }]>;
  readonly #publish: Statement<[{ id: string; version: number; now: number }], WorkflowRow>;
  readonly #setActive: Statement<[{ id: string; active: number; now: number }], WorkflowRow>;
  readonly #insertVersion: Statement<[VersionRow]>;
  readonly #getVersion: Statement<[string, number], VersionRow>;
  readonly #listVersions: Statement<[string, number, number], SummaryRow>;
  readonly #liveExecutions: Statement<[string], { n: number }>;
  readonly #delete: Statement<[string]>;
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT * FROM workflows WHERE id = ?');
    this.#list = db.prepare('SELECT * FROM workflows ORDER BY name, id');
    this.#insert = db.prepare(`INSERT INTO workflows (id, name, active, draft_version,
      published_version, published_at, created_at, updated_at) VALUES (@id, @name, @active,
      @draft_version, @published_version, @published_at, @created_at, @updated_at)`);
    this.#setDraft = db.prepare(`UPDATE workflows SET draft_version = @version, name = @name,
      updated_at = @now WHERE id = @id`);
    this.#publish = db.prepare(`UPDATE workflows SET published_version = @version,
      published_at = @now, updated_at = @now WHERE id = @id RETURNING *`);
    this.#setActive = db.prepare(
      'UPDATE workflows SET active = @active, updated_at = @now WHERE id = @id RETURNING *',
    );
    this.#insertVersion = db.prepare(`INSERT INTO workflow_versions (workflow_id, version,
      definition, hash, author, message, created_at) VALUES (@workflow_id, @version, @definition,
      @hash, @author, @message, @created_at)`);
    this.#getVersion = db.prepare(
      'SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?',
    );
    this.#listVersions = db.prepare(`SELECT workflow_id, version, hash, author, message, created_at
      FROM workflow_versions WHERE workflow_id = ? AND version < ? ORDER BY version DESC LIMIT ?`);
    this.#liveExecutions = db.prepare(`SELECT count(*) AS n FROM executions
      WHERE workflow_id = ? AND status NOT IN ${FINAL_EXECUTION_SQL}`);
    this.#delete = db.prepare('DELETE FROM workflows WHERE id = ?');
  }

  create(input: CreateWorkflowInput): WorkflowRecord {
    return this.#db.transaction(() => this.#create(input)).immediate();
  }

  saveVersion(
    input: SaveWorkflowVersionInput,
  ): WorkflowVersionRecord | { conflict: WorkflowRecord } {
    return this.#db.transaction(() => this.#save(input)).immediate();
  }

  /** All writes in one transaction: a throw rolls every one of them back. */
  writeMany(writes: readonly WorkflowWrite[]): WorkflowRecord[] {
    return this.#db
      .transaction(() =>
        writes.map((write) => {
          if (write.kind === 'create') return this.#create(write);
          this.#save(write);
          return toWorkflowRecord(this.#get.get(write.workflowId)!);
        }),
      )
      .immediate();
  }

  publish(input: { workflowId: string; version: number; now: number }): WorkflowRecord | undefined {
    return this.#db
      .transaction(() => {
        if (this.#get.get(input.workflowId) === undefined) return undefined;
        if (this.#getVersion.get(input.workflowId, input.version) === undefined) {
          throw new FlowstateError(
            'WORKFLOW_VERSION_NOT_FOUND',
            `Workflow "${input.workflowId}" has no version ${input.version}`,
          );
        }
        return toWorkflowRecord(
          this.#publish.get({ id: input.workflowId, version: input.version, now: input.now })!,
        );
      })
      .immediate();
  }

  setActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): WorkflowRecord | undefined {
    const row = this.#setActive.get({
      id: input.workflowId,
      active: input.active ? 1 : 0,
      now: input.now,
    });
    return row === undefined ? undefined : toWorkflowRecord(row);
  }

  get(id: string): WorkflowRecord | undefined {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toWorkflowRecord(row);
  }

  list(): WorkflowRecord[] {
    return this.#list.all().map(toWorkflowRecord);
  }

  getVersion(workflowId: string, version: number): WorkflowVersionRecord | undefined {
    const row = this.#getVersion.get(workflowId, version);
    return row === undefined ? undefined : toVersionRecord(row);
  }

  listVersions(
    workflowId: string,
    query: { limit: number; before?: number },
  ): WorkflowVersionSummary[] {
    return this.#listVersions
      .all(workflowId, query.before ?? Number.MAX_SAFE_INTEGER, query.limit)
      .map(toSummary);
  }

  /**
   * Deletes a workflow, its versions and its finished executions. False when it does not
   * exist; throws `WORKFLOW_IN_USE` while any of its executions is still live.
   */
  delete(id: string): boolean {
    return this.#db
      .transaction(() => {
        if (this.#get.get(id) === undefined) return false;
        const live = this.#liveExecutions.get(id)?.n ?? 0;
        if (live > 0) {
          throw new FlowstateError(
            'WORKFLOW_IN_USE',
            `Workflow "${id}" has ${live} live execution(s); cancel them or wait for them to finish before deleting it`,
          );
        }
        this.#delete.run(id);
        return true;
      })
      .immediate();
  }

  #create(input: CreateWorkflowInput): WorkflowRecord {
    if (this.#get.get(input.id) !== undefined) {
      throw new FlowstateError(
        'WORKFLOW_EXISTS',
        `A workflow with id "${input.id}" already exists`,
      );
    }
    const published = input.publish === true;
    const row: WorkflowRow = {
      id: input.id,
      name: input.definition.name,
      active: input.active ? 1 : 0,
      draft_version: 1,
      published_version: published ? 1 : null,
      published_at: published ? input.now : null,
      created_at: input.now,
      updated_at: input.now,
    };
    this.#insert.run(row);
    this.#insertVersion.run(this.#versionRow(input.id, 1, input));
    return toWorkflowRecord(row);
  }

  #save(input: SaveWorkflowVersionInput): WorkflowVersionRecord | { conflict: WorkflowRecord } {
    const current = this.#get.get(input.workflowId);
    if (current === undefined) {
      throw new FlowstateError(
        'WORKFLOW_NOT_FOUND',
        `Workflow "${input.workflowId}" does not exist`,
      );
    }
    if (input.expectVersion !== undefined && input.expectVersion !== current.draft_version) {
      return { conflict: toWorkflowRecord(current) };
    }
    const version = current.draft_version + 1;
    const row = this.#versionRow(input.workflowId, version, input);
    this.#insertVersion.run(row);
    this.#setDraft.run({
      id: input.workflowId,
      name: input.definition.name,
      version,
      now: input.now,
    });
    if (input.publish === true)
      this.#publish.get({ id: input.workflowId, version, now: input.now });
    return toVersionRecord(row);
  }

  #versionRow(
    workflowId: string,
    version: number,
    input: { definition: Workflow; author?: string; message?: string; now: number },
  ): VersionRow {
    return {
      workflow_id: workflowId,
      version,
      definition: canonicalJson(input.definition),
      hash: canonicalHash(input.definition),
      author: input.author ?? SYSTEM_AUTHOR,
      message: input.message ?? null,
      created_at: input.now,
    };
  }
}
