import type { Database, Statement } from 'better-sqlite3';
import { FlowstateError, type Workflow } from '@flowstate/core';
import type { WorkflowRecord, WorkflowVersionRecord } from '@flowstate/engine';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import { FINAL_EXECUTION_SQL } from './migrations.js';
import { toWorkflowRecord, type WorkflowRow } from './rows.js';

interface VersionRow {
  workflow_id: string;
  version: number;
  definition: string;
  hash: string;
  created_at: number;
}

function toVersionRecord(row: VersionRow): WorkflowVersionRecord {
  return {
    workflowId: row.workflow_id,
    version: row.version,
    definition: JSON.parse(row.definition) as Workflow,
    hash: row.hash,
    createdAt: row.created_at,
  };
}

/** Workflows and their immutable versions (the `Store` workflow methods). */
export class WorkflowRepository {
  readonly #get: Statement<[string], WorkflowRow>;
  readonly #list: Statement<[], WorkflowRow>;
  readonly #insert: Statement<[WorkflowRow]>;
  readonly #setCurrent: Statement<[{ id: string; name: string; version: number; now: number }]>;
  readonly #setActive: Statement<[{ id: string; active: number; now: number }], WorkflowRow>;
  readonly #insertVersion: Statement<[VersionRow]>;
  readonly #getVersion: Statement<[string, number], VersionRow>;
  readonly #liveExecutions: Statement<[string], { n: number }>;
  readonly #delete: Statement<[string]>;
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT * FROM workflows WHERE id = ?');
    this.#list = db.prepare('SELECT * FROM workflows ORDER BY name, id');
    this.#insert = db.prepare(`INSERT INTO workflows (id, name, active, current_version, created_at,
      updated_at) VALUES (@id, @name, @active, @current_version, @created_at, @updated_at)`);
    this.#setCurrent = db.prepare(`UPDATE workflows SET current_version = @version, name = @name,
      updated_at = @now WHERE id = @id`);
    this.#setActive = db.prepare(
      'UPDATE workflows SET active = @active, updated_at = @now WHERE id = @id RETURNING *',
    );
    this.#insertVersion = db.prepare(`INSERT INTO workflow_versions (workflow_id, version,
      definition, hash, created_at) VALUES (@workflow_id, @version, @definition, @hash, @created_at)`);
    this.#getVersion = db.prepare(
      'SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?',
    );
    this.#liveExecutions = db.prepare(`SELECT count(*) AS n FROM executions
      WHERE workflow_id = ? AND status NOT IN ${FINAL_EXECUTION_SQL}`);
    this.#delete = db.prepare('DELETE FROM workflows WHERE id = ?');
  }

  create(input: {
    id: string;
    definition: Workflow;
    active: boolean;
    now: number;
  }): WorkflowRecord {
    const row: WorkflowRow = {
      id: input.id,
      name: input.definition.name,
      active: input.active ? 1 : 0,
      current_version: 1,
      created_at: input.now,
      updated_at: input.now,
    };
    this.#db
      .transaction(() => {
        if (this.#get.get(input.id) !== undefined) {
          throw new FlowstateError(
            'WORKFLOW_EXISTS',
            `A workflow with id "${input.id}" already exists`,
          );
        }
        this.#insert.run(row);
        this.#insertVersion.run(this.#versionRow(input.id, 1, input.definition, input.now));
      })
      .immediate();
    return toWorkflowRecord(row);
  }

  saveVersion(input: {
    workflowId: string;
    definition: Workflow;
    expectVersion?: number;
    now: number;
  }): WorkflowVersionRecord | { conflict: WorkflowRecord } {
    return this.#db
      .transaction((): WorkflowVersionRecord | { conflict: WorkflowRecord } => {
        const current = this.#get.get(input.workflowId);
        if (current === undefined) {
          throw new FlowstateError(
            'WORKFLOW_NOT_FOUND',
            `Workflow "${input.workflowId}" does not exist`,
          );
        }
        if (input.expectVersion !== undefined && input.expectVersion !== current.current_version) {
          return { conflict: toWorkflowRecord(current) };
        }
        const version = current.current_version + 1;
        const row = this.#versionRow(input.workflowId, version, input.definition, input.now);
        this.#insertVersion.run(row);
        this.#setCurrent.run({
          id: input.workflowId,
          name: input.definition.name,
          version,
          now: input.now,
        });
        return toVersionRecord(row);
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

  #versionRow(workflowId: string, version: number, definition: Workflow, now: number): VersionRow {
    return {
      workflow_id: workflowId,
      version,
      definition: canonicalJson(definition),
      hash: canonicalHash(definition),
      created_at: now,
    };
  }
}
