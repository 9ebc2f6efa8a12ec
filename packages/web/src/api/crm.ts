import type {
  Activity,
  ActivityKind,
  Contact,
  Deal,
  FieldDefinition,
  NextAction,
  Pipeline,
  Task,
} from '@flowstate/crm';
import { api, ApiError } from './client';

export type { Activity, ActivityKind, Contact, Deal, FieldDefinition, NextAction, Pipeline, Task };

/** A page of a CRM list: records and the cursor of the next page (absent on the last). */
export interface CrmPage<T> {
  items: T[];
  nextCursor?: string;
}

/** A record type's URL segment under `/crm`. */
export type CrmCollection = 'contacts' | 'companies' | 'deals' | 'tasks' | 'activities';

/** One full-text search hit (`GET /crm/search`). */
export interface SearchHit {
  type: string;
  id: string;
  title: string;
  recordType?: string | null;
  recordId?: string | null;
  rank: number;
}

/** An execution that touched a record (`GET /crm/{type}/{id}/runs`). */
export interface RunLink {
  executionId: string;
  workflowId: string;
  source: 'trigger' | 'step';
  createdAt: number;
  status?: string;
}

/** One stage column of `GET /crm/pipelines/{id}/board`. */
export interface BoardStage {
  stage: string;
  items: Array<Contact | Deal>;
  nextCursor?: string;
}

const enc = encodeURIComponent;

/** Builds a query string, leaving out empty values. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The typed calls of the CRM API (`/api/v1/crm`). */
export const crmApi = {
  list: <T>(collection: CrmCollection, params: Record<string, string | number | undefined>) =>
    api<CrmPage<T>>('GET', `/crm/${collection}${queryString(params)}`),
  get: <T>(collection: CrmCollection, id: string) => api<T>('GET', `/crm/${collection}/${enc(id)}`),
  create: <T>(collection: CrmCollection, body: Record<string, unknown>) =>
    api<T>('POST', `/crm/${collection}`, body),
  update: <T>(collection: CrmCollection, id: string, body: Record<string, unknown>) =>
    api<T>('PATCH', `/crm/${collection}/${enc(id)}`, body),
  move: <T>(collection: 'contacts' | 'deals', id: string, stage: string) =>
    api<T>('POST', `/crm/${collection}/${enc(id)}/move`, { stage }),
  runs: (collection: CrmCollection, id: string) =>
    api<{ items: RunLink[] }>('GET', `/crm/${collection}/${enc(id)}/runs`),
  search: (q: string, types: string, limit = 50) =>
    api<{ items: SearchHit[] }>('GET', `/crm/search${queryString({ q, types, limit })}`),
  pipelines: () => api<{ items: Pipeline[] }>('GET', '/crm/pipelines'),
  board: (pipelineId: string, limit = 100) =>
    api<{ pipeline: Pipeline; stages: BoardStage[] }>(
      'GET',
      `/crm/pipelines/${enc(pipelineId)}/board${queryString({ limit })}`,
    ),
  fields: (recordType: string) =>
    api<{ items: FieldDefinition[] }>('GET', `/crm/fields${queryString({ recordType })}`),
  nextBestActions: (params: { userId?: string; limit?: number } = {}) =>
    api<{ items: NextAction[] }>('GET', `/crm/next-best-actions${queryString(params)}`),
};

/** The message of a failed call: the server's sentence, or the thrown value as text. */
export function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/**
 * Field errors of a failed call, keyed by the field a detail's path names (`/email` →
 * `email`, `/custom/motivation` → `custom.motivation`); details without a path go under ''.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return { '': String(error) };
  for (const detail of error.details) {
    const path = (detail.path ?? '').replace(/^\/body(?=\/|$)/, '');
    const key = path.replace(/^\//, '').replace(/\//g, '.');
    out[key] = out[key] ? `${out[key]}; ${detail.message}` : detail.message;
  }
  if (Object.keys(out).length === 0) out[''] = error.message;
  return out;
}

/** The route of a record's page in the app (contacts have a card; others a list). */
export function recordLink(recordType: string, id: string): string {
  switch (recordType) {
    case 'contact':
      return `/crm/contacts/${enc(id)}`;
    case 'deal':
      return `/crm/board?deal=${enc(id)}`;
    case 'task':
      return `/crm/tasks?task=${enc(id)}`;
    default:
      return `/crm/contacts`;
  }
}
