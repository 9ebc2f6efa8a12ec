import type pg from 'pg';
import { canonicalJson, contentHash, FlowstateError, type Workflow } from '@flowstate/core';
import type { WorkflowRecord, WorkflowVersionRecord } from '@flowstate/engine';
import { inTransaction } from './connection.js';
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

/** The workflow and its first version in one statement: nothing when the id is taken. */
const CREATE_SQL = `WITH w AS (
  INSERT INTO workflows (id, name, active, current_version, created_at, updated_at)
  VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (id) DO NOTHING RETURNING *
), v AS (
  INSERT INTO workflow_versions (workflow_id, version, definition, hash, created_at)
  SELECT id, 1, $5, $6, $4 FROM w
)
SELECT * FROM w`;

const INSERT_VERSION_SQL = `INSERT INTO workflow_versions (workflow_id, version, definition,
  hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`;

/** Workflows and their immutable versions (the `Store` workflow methods). */
export class WorkflowRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(input: {
    id: string;
    definition: Workflow;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord> {
    const { rows } = await this.#pool.query<WorkflowRow>(CREATE_SQL, [
      input.id,
      input.definition.name,
      input.active,
      input.now,
      canonicalJson(input.definition),
      contentHash(input.definition),
    ]);
    if (rows[0] === undefined) {
      throw new FlowstateError(
        'WORKFLOW_EXISTS',
        `A workflow with id "${input.id}" already exists`,
      );
    }
    return toWorkflowRecord(rows[0]);
  }

  async saveVersion(input: {
    workflowId: string;
    definition: Workflow;
    expectVersion?: number;
    now: number;
  }): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
    return inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<WorkflowRow>(
        'SELECT * FROM workflows WHERE id = $1 FOR UPDATE',
        [input.workflowId],
      );
      const current = rows[0];
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
      const inserted = await client.query<VersionRow>(INSERT_VERSION_SQL, [
        input.workflowId,
        version,
        canonicalJson(input.definition),
        contentHash(input.definition),
        input.now,
      ]);
      await client.query(
        'UPDATE workflows SET current_version = $2, name = $3, updated_at = $4 WHERE id = $1',
        [input.workflowId, version, input.definition.name, input.now],
      );
      return toVersionRecord(inserted.rows[0]!);
    });
  }

  async setActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    const { rows } = await this.#pool.query<WorkflowRow>(
      'UPDATE workflows SET active = $2, updated_at = $3 WHERE id = $1 RETURNING *',
      [input.workflowId, input.active, input.now],
    );
    return rows[0] === undefined ? undefined : toWorkflowRecord(rows[0]);
  }

  async get(id: string): Promise<WorkflowRecord | undefined> {
    const { rows } = await this.#pool.query<WorkflowRow>('SELECT * FROM workflows WHERE id = $1', [
      id,
    ]);
    return rows[0] === undefined ? undefined : toWorkflowRecord(rows[0]);
  }

  async list(): Promise<WorkflowRecord[]> {
    const { rows } = await this.#pool.query<WorkflowRow>(
      'SELECT * FROM workflows ORDER BY name COLLATE "C", id',
    );
    return rows.map(toWorkflowRecord);
  }

  async getVersion(
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined> {
    const { rows } = await this.#pool.query<VersionRow>(
      'SELECT * FROM workflow_versions WHERE workflow_id = $1 AND version = $2',
      [workflowId, version],
    );
    return rows[0] === undefined ? undefined : toVersionRecord(rows[0]);
  }

  /**
   * Deletes a workflow, its versions and its finished executions. False when it does not
   * exist; throws `WORKFLOW_IN_USE` while any of its executions is still live.
   */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      // Locking the workflow row holds off new executions of it (their foreign key check).
      const found = await client.query('SELECT 1 FROM workflows WHERE id = $1 FOR UPDATE', [id]);
      if (found.rows.length === 0) return false;
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*) AS n FROM executions
        WHERE workflow_id = $1 AND status NOT IN ${FINAL_EXECUTION_SQL}`,
        [id],
      );
      const live = rows[0]?.n ?? 0;
      if (live > 0) {
        throw new FlowstateError(
          'WORKFLOW_IN_USE',
          `Workflow "${id}" has ${live} live execution(s); cancel them or wait for them to finish before deleting it`,
        );
      }
      await client.query('DELETE FROM workflows WHERE id = $1', [id]);
      return true;
    });
  }
}
