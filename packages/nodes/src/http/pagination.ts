import { z } from 'zod';
import { NonRetriableError, type JsonValue } from '@flowstate/core';
import type { PreparedRequest } from './build-request.js';
import type { HttpResponse } from './client.js';
import { withoutCredentials } from './redirects.js';

const expression = z.string().min(1).max(10_000);
const queryName = z.string().min(1).max(200);

const common = {
  items: expression
    .optional()
    .describe(
      'JSONata picking the array of items from a page, with $response ({ status, headers, body, url }) and $page (0-based); default: the body when it is an array',
    ),
  maxPages: z.int().min(1).max(1000).default(10).describe('Most pages to fetch'),
  output: z
    .enum(['items', 'pages'])
    .default('items')
    .describe(
      'items: { items, pages, complete } with all items; pages: { pages, complete } with every response',
    ),
};

/** The `pagination` param of `http.request` (a raw param: its expressions are not templated). */
export const paginationParams = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('next-url').describe('Follow a next-page URL from the body or the Link header'),
    nextUrl: expression
      .optional()
      .describe(
        'JSONata giving the next page URL (e.g. $response.body.next); default: the Link header with rel="next"',
      ),
    ...common,
  }),
  z.object({
    mode: z.literal('offset').describe('Increase an offset query parameter by pageSize'),
    param: queryName.default('offset').describe('Query parameter holding the offset'),
    limitParam: queryName
      .optional()
      .describe('Query parameter to send pageSize in, if the API wants one'),
    pageSize: z.int().min(1).max(100_000).describe('Items per page; a shorter page is the last'),
    start: z.int().min(0).default(0).describe('First offset'),
    total: expression.optional().describe('JSONata giving the total item count; stop when reached'),
    ...common,
  }),
  z.object({
    mode: z.literal('page').describe('Increase a page-number query parameter'),
    param: queryName.default('page').describe('Query parameter holding the page number'),
    start: z.int().min(0).default(1).describe('First page number'),
    sizeParam: queryName
      .optional()
      .describe('Query parameter to send pageSize in, if the API wants one'),
    pageSize: z
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('Items per page; a shorter page is the last'),
    total: expression.optional().describe('JSONata giving the total item count; stop when reached'),
    ...common,
  }),
  z.object({
    mode: z.literal('cursor').describe('Send the cursor from each page as a query parameter'),
    cursor: expression.describe(
      'JSONata giving the next cursor (e.g. $response.body.next_cursor); empty ends',
    ),
    param: queryName.describe('Query parameter to send the cursor in'),
    ...common,
  }),
]);
export type PaginationParams = z.output<typeof paginationParams>;

/** What pagination needs from the node: fetching through the guard and evaluating JSONata. */
export interface PaginationDeps {
  fetch(request: PreparedRequest): Promise<HttpResponse>;
  evaluate(expression: string, bindings: Record<string, JsonValue>): Promise<JsonValue>;
  /** Headers that carry the credential: dropped when a next URL leaves the first origin. */
  secretHeaders: readonly string[];
  idempotencyKey: string;
}

/** The URL of the `rel="next"` entry of a Link header, if any. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const match = /^\s*<([^>]*)>(.*)$/.exec(part);
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(match?.[2] ?? '');
      const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
      if (match && relations.includes('next')) return match[1];
    }
  }
  return undefined;
}

function withParam(url: string, name: string, value: string | number): string {
  const next = new URL(url);
  next.searchParams.set(name, String(value));
  return next.toString();
}

const snapshot = (r: HttpResponse): JsonValue => ({
  status: r.status,
  headers: r.headers,
  body: r.body,
  url: r.url,
});

/**
 * Fetches pages until the mode says there are no more or `maxPages` is reached, each page
 * through the guarded client. Returns all items (or every page) and `complete: false` when
 * it stopped at `maxPages`.
 */
export async function paginate(
  first: PreparedRequest,
  config: PaginationParams,
  deps: PaginationDeps,
): Promise<JsonValue> {
  let request = first;
  let position: number = config.mode === 'offset' || config.mode === 'page' ? config.start : 0;
  if (config.mode === 'offset' || config.mode === 'page') {
    let url = withParam(first.url, config.param, position);
    const sizeParam = config.mode === 'offset' ? config.limitParam : config.sizeParam;
    if (sizeParam && config.pageSize) url = withParam(url, sizeParam, config.pageSize);
    request = { ...first, url };
  }
  const items: JsonValue[] = [];
  const pages: JsonValue[] = [];
  const seenCursors = new Set<string>();
  for (let page = 0; page < config.maxPages; page += 1) {
    if (page > 0 && request.headers['Idempotency-Key'] === deps.idempotencyKey)
      request = {
        ...request,
        headers: {
          ...request.headers,
          'Idempotency-Key': `${deps.idempotencyKey}:page-${page + 1}`,
        },
      };
    const response = await deps.fetch(request);
    const bindings = { response: snapshot(response), page };
    const pageItems = await pickItems(config, response, bindings, deps);
    items.push(...pageItems);
    pages.push(snapshot(response));
    let nextUrl: string | undefined;
    if (config.mode === 'next-url') {
      const value = config.nextUrl
        ? await deps.evaluate(config.nextUrl, bindings)
        : nextLink(response.headers['link']);
      if (typeof value === 'string' && value !== '')
        nextUrl = new URL(value, response.url).toString();
    } else if (config.mode === 'cursor') {
      const cursor = await deps.evaluate(config.cursor, bindings);
      const text = cursor === null || cursor === false ? '' : String(cursor);
      if (text !== '' && !seenCursors.has(text)) {
        seenCursors.add(text);
        nextUrl = withParam(request.url, config.param, text);
      }
    } else {
      const short = config.pageSize !== undefined && pageItems.length < config.pageSize;
      const total = config.total ? Number(await deps.evaluate(config.total, bindings)) : Infinity;
      if (pageItems.length > 0 && !short && items.length < total) {
        position += config.mode === 'offset' ? config.pageSize : 1;
        nextUrl = withParam(request.url, config.param, position);
      }
    }
    if (nextUrl === undefined) return result(config, items, pages, true);
    const sameOrigin = new URL(nextUrl).origin === new URL(first.url).origin;
    request = {
      ...request,
      url: nextUrl,
      headers: sameOrigin
        ? request.headers
        : withoutCredentials(request.headers, deps.secretHeaders),
    };
  }
  return result(config, items, pages, false);
}

async function pickItems(
  config: PaginationParams,
  response: HttpResponse,
  bindings: Record<string, JsonValue>,
  deps: PaginationDeps,
): Promise<JsonValue[]> {
  const picked = config.items ? await deps.evaluate(config.items, bindings) : response.body;
  if (picked === null) return [];
  if (Array.isArray(picked)) return picked;
  if (config.items) return [picked];
  if (config.output === 'pages' && config.mode !== 'offset' && config.mode !== 'page') return [];
  throw new NonRetriableError(
    `pagination: the page body from ${response.url} is not an array; set pagination.items to the expression that picks the items (e.g. $response.body.data)`,
    { code: 'HTTP_PAGINATION_ITEMS' },
  );
}

function result(
  config: PaginationParams,
  items: JsonValue[],
  pages: JsonValue[],
  complete: boolean,
): JsonValue {
  return config.output === 'items' ? { items, pages: pages.length, complete } : { pages, complete };
}
