import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { validateCustomFields, mergeCustom, type FieldDefinition } from './custom-fields.js';
import type { CrmStore, RecordExecutionLink, StoredRecord } from './crm-store.js';
import { CrmError, recordNotFound } from './errors.js';
import { changedFields, updateKind, type EntityEvent, type EntityEventInput } from './events.js';
import type { ListQuery, Page } from './list-query.js';
import {
  checkStageRules,
  DEFAULT_PIPELINES,
  PipelineInputSchema,
  stageRuleError,
  type Pipeline,
} from './pipelines.js';
import { CREATE_SCHEMAS, PATCH_SCHEMAS, recordDefaults, type RecordType } from './records.js';

/** Who or what makes a change, and the execution to link the record to (crm.* nodes). */
export interface ChangeSource {
  /** `user:<id>`, `execution:<id>` or `system`. */
  actor: string;
  execution?: { id: string; workflowId: string };
}

/** Options of {@link CrmService}. */
export interface CrmServiceOptions {
  store: CrmStore;
  now?: () => number;
  newId?: () => string;
}

/**
 * The CRM's use cases over a `CrmStore`: validates input (schemas, custom fields), enforces
 * stage rules inside the store's transaction, writes each change with its entity event and
 * tells listeners (live updates, the event dispatcher). Routes and `crm.*` nodes share it.
 */
export class CrmService {
  readonly store: CrmStore;
  readonly now: () => number;
  readonly #newId: () => string;
  readonly #listeners = new Set<(event: EntityEvent) => void>();
  #defaults: Promise<void> | undefined;

  constructor(options: CrmServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
  }

  /** Calls `listener` after every committed entity event of this process; returns the unsubscribe. */
  onEvent(listener: (event: EntityEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates the default pipelines once (sales, network marketing) when they are missing. */
  ensureDefaults(): Promise<void> {
    this.#defaults ??= (async () => {
      const existing = new Set((await this.store.listPipelines()).map((p) => p.id));
      for (const { id, ...input } of DEFAULT_PIPELINES) {
        if (existing.has(id)) continue;
        const now = this.now();
        await this.store.putPipeline({
          ...parsePipeline(input),
          id,
          createdAt: now,
          updatedAt: now,
        });
      }
    })().catch((error: unknown) => {
      this.#defaults = undefined;
      throw error;
    });
    return this.#defaults;
  }

  async pipeline(id: string): Promise<Pipeline> {
    await this.ensureDefaults();
    const pipeline = await this.store.getPipeline(id);
    if (pipeline === undefined) {
      throw new CrmError('PIPELINE_NOT_FOUND', `No pipeline with id "${id}"`, {
        details: [{ path: '/pipelineId', message: 'no pipeline with this id' }],
      });
    }
    return pipeline;
  }

  async get(type: RecordType, id: string): Promise<StoredRecord> {
    const record = await this.store.getRecord(type, id);
    if (record === undefined) throw recordNotFound(type, id);
    return record;
  }

  list(type: RecordType, query: ListQuery): Promise<Page<StoredRecord>> {
    return this.store.listRecords(type, query);
  }

  /** Creates a record from client input (parsed with the type's create schema). */
  async create(type: RecordType, input: unknown, source: ChangeSource): Promise<StoredRecord> {
    const parsed = parseInput(CREATE_SCHEMAS[type], input);
    const now = this.now();
    const record = {
      ...recordDefaults(type, now),
      ...parsed,
      id: this.#newId(),
      createdAt: now,
      updatedAt: now,
    } as StoredRecord;
    validateCustomFields(await this.fields(type), record['custom'] as Record<string, unknown>);
    if (type === 'deal' || (type === 'contact' && record['pipelineId'] != null)) {
      const pipeline = await this.pipeline(String(record['pipelineId']));
      if (pipeline.recordType !== type) throw wrongPipeline(pipeline, type);
      record['stage'] ??= pipeline.stages[0]!.id;
      const violations = checkStageRules({
        pipeline,
        from: null,
        to: String(record['stage']),
        record,
      });
      if (violations.length > 0) throw stageRuleError(violations);
    } else if (type === 'contact' && record['stage'] != null) {
      throw new CrmError('INVALID_RECORD', 'A stage needs a pipeline: set pipelineId too', {
        details: [{ path: '/pipelineId', message: 'required with stage' }],
      });
    }
    if (type === 'task' && record['status'] === 'done') record['completedAt'] = now;
    const event = this.#event(
      type,
      record,
      'created',
      Object.keys(record).filter((k) => k !== 'id'),
      null,
      source,
    );
    await this.store.insertRecord({ type, record, event });
    await this.#committed({ ...event, seq: 0 }, source);
    return record;
  }

  /** Changes a record; a changed `stage` (or pipeline) must satisfy the target stage's rules. */
  async update(
    type: RecordType,
    id: string,
    input: unknown,
    source: ChangeSource,
  ): Promise<StoredRecord> {
    const patch = parseInput(PATCH_SCHEMAS[type], input) as Record<string, unknown>;
    const fields = await this.fields(type);
    const current = await this.store.getRecord(type, id);
    if (current === undefined) throw recordNotFound(type, id);
    const pipelineId = (patch['pipelineId'] ?? current['pipelineId']) as string | null;
    const pipeline = pipelineId == null ? undefined : await this.pipeline(pipelineId);
    if (pipeline && pipeline.recordType !== type) throw wrongPipeline(pipeline, type);
    const now = this.now();
    const result = await this.store.updateRecord({
      type,
      id,
      decide: (before) => {
        const after: StoredRecord = {
          ...before,
          ...patch,
          custom: mergeCustom(
            before['custom'] as Record<string, unknown>,
            patch['custom'] as Record<string, unknown> | undefined,
          ),
          id,
        };
        if (pipeline && after['stage'] == null) after['stage'] = pipeline.stages[0]!.id;
        if (
          type === 'task' &&
          patch['status'] !== undefined &&
          patch['status'] !== before['status']
        ) {
          after['completedAt'] = patch['status'] === 'done' ? now : null;
        }
        const changed = changedFields(before, after);
        if (changed.length === 0) return undefined;
        validateCustomFields(fields, after['custom'] as Record<string, unknown>);
        const moved = changed.includes('stage') || changed.includes('pipelineId');
        if (moved && pipeline) {
          const from = changed.includes('pipelineId')
            ? null
            : ((before['stage'] as string | null) ?? null);
          const violations = checkStageRules({
            pipeline,
            from,
            to: String(after['stage']),
            record: after,
          });
          if (violations.length > 0) throw stageRuleError(violations);
        }
        if (changed.includes('stage')) after['stageChangedAt'] = now;
        after['updatedAt'] = now;
        return {
          record: after,
          event: this.#event(type, after, updateKind(changed), changed, before, source),
        };
      },
    });
    if (result === undefined) throw recordNotFound(type, id);
    if (result.event) await this.#committed(result.event, source);
    else await this.#link(type, id, source);
    return result.after;
  }

  /** Deletes a record (and writes its `deleted` event). */
  async delete(type: RecordType, id: string, source: ChangeSource): Promise<StoredRecord> {
    let event: EntityEventInput | undefined;
    const deleted = await this.store.deleteRecord({
      type,
      id,
      event: (current) => (event = this.#event(type, current, 'deleted', [], null, source)),
    });
    if (deleted === undefined || event === undefined) throw recordNotFound(type, id);
    await this.#committed({ ...event, seq: 0 }, source);
    return deleted;
  }

  /** The custom field definitions of a record type. */
  fields(type: RecordType): Promise<FieldDefinition[]> {
    return this.store.listFieldDefinitions(type);
  }

  #event(
    type: RecordType,
    record: StoredRecord,
    kind: EntityEventInput['event'],
    changed: string[],
    previous: StoredRecord | null,
    source: ChangeSource,
  ): EntityEventInput {
    return {
      id: this.#newId(),
      recordType: type,
      recordId: record.id,
      event: kind,
      changed,
      record,
      previous,
      actor: source.actor,
      createdAt: this.now(),
    };
  }

  async #link(type: RecordType, id: string, source: ChangeSource): Promise<void> {
    if (source.execution === undefined) return;
    const link: RecordExecutionLink = {
      recordType: type,
      recordId: id,
      executionId: source.execution.id,
      workflowId: source.execution.workflowId,
      source: 'step',
      createdAt: this.now(),
    };
    await this.store.linkExecution(link);
  }

  async #committed(event: EntityEvent, source: ChangeSource): Promise<void> {
    await this.#link(event.recordType, event.recordId, source);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a closed live stream) must not fail the committed change.
      }
    }
  }
}

function parsePipeline(input: unknown): Omit<Pipeline, 'id' | 'createdAt' | 'updatedAt'> {
  return parseInput(PipelineInputSchema, input);
}

function wrongPipeline(pipeline: Pipeline, type: RecordType): CrmError {
  return new CrmError(
    'INVALID_RECORD',
    `Pipeline "${pipeline.name}" holds ${pipeline.recordType}s, not ${type}s`,
    {
      details: [{ path: '/pipelineId', message: `a pipeline of ${pipeline.recordType}s` }],
    },
  );
}

/** Parses client input with a record schema; `INVALID_RECORD` with every located problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map((s) => `/${String(s)}`).join('') || '/',
    message: issue.message,
    code: issue.code,
  }));
  throw new CrmError(
    'INVALID_RECORD',
    `Invalid record: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
    { details },
  );
}
