import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACCESS_LEVELS } from './auth/roles.js';
import { OPENAPI_PATH, openApiPath } from './openapi.js';
import { makeServer, type ServerFixture } from './testing/server-fixture.js';

/** Routes that are not part of the documented API, with the reason. */
const UNDOCUMENTED: Record<string, string> = {
  [`GET ${OPENAPI_PATH}`]: 'the document itself',
  'GET /': 'the web app (HTML and its files), not the API',
  'GET /*': 'the web app: its files and client-side routes',
};

/** The parts of a request a route can take, by the name of their route schema. */
const PARTS = { body: 'body', query: 'querystring', params: 'params' } as const;
type Part = keyof typeof PARTS;

/** A registered route: what its schema declares and what its handler was seen reading. */
interface SeenRoute {
  key: string;
  method: string;
  url: string;
  access: unknown;
  declared: Set<Part>;
  read: Set<Part>;
  /** The probe's call reached the handler. */
  handled: boolean;
}

interface Operation {
  responses?: Record<string, unknown>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
}

const routes: SeenRoute[] = [];
let doc: {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};
let server: ServerFixture;

/** `value` (an object) behind a proxy that calls `onRead` whenever anything looks into it. */
function watched<T>(value: T, onRead: () => void): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value, {
    get: (target, key, receiver) => (onRead(), Reflect.get(target, key, receiver)),
    has: (target, key) => (onRead(), Reflect.has(target, key)),
    ownKeys: (target) => (onRead(), Reflect.ownKeys(target)),
    getOwnPropertyDescriptor: (target, key) => (
      onRead(),
      Reflect.getOwnPropertyDescriptor(target, key)
    ),
  });
}

/**
 * Records every route with the request parts its schema declares, and wraps its handler so
 * that reading a part the schema does not declare (validation by hand) is recorded too.
 */
function recordRoute(route: RouteOptions): void {
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const declared = new Set(
    (Object.keys(PARTS) as Part[]).filter((part) => schema[PARTS[part]] !== undefined),
  );
  const seen = [route.method].flat().map((method) => {
    const entry: SeenRoute = {
      key: `${method} ${route.url}`,
      method,
      url: route.url,
      access: route.config?.access,
      declared,
      read: new Set(),
      handled: false,
    };
    routes.push(entry);
    return entry;
  });
  const handler = route.handler;
  route.handler = function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
    const entry = seen.find((e) => e.method === request.method);
    const read = entry?.read ?? new Set<Part>();
    if (entry) entry.handled = true;
    for (const part of Object.keys(PARTS) as Part[]) {
      if (!declared.has(part)) request[part] = watched(request[part], () => read.add(part));
    }
    return handler.call(this as never, request, reply);
  } as RouteOptions['handler'];
}

beforeAll(async () => {
  server = await makeServer({
    beforeReady: (app) => app.addHook('onRoute', recordRoute),
  });
  const res = await server.app.inject({ method: 'GET', url: OPENAPI_PATH });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  // Call every API route once as the owner with a query and (on writes) a body, so handlers
  // that read a part their schema does not declare are caught doing it.
  for (const route of routes.filter((r) => r.url.startsWith('/api/v1/'))) {
    await server.inject({
      method: route.method as 'GET',
      url: `${route.url.replace(/:[A-Za-z0-9_]+/g, 'zz-missing')}?zz=1`,
      ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { payload: {} } : {}),
    });
  }
});

afterAll(async () => {
  await server.close();
});

describe('OpenAPI document', () => {
  test('is OpenAPI 3.1 with shared component schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining([
        'Error',
        'Workflow',
        'WorkflowDiff',
        'ExecutionDetail',
        'ExportFile',
      ]),
    );
  });

  test('every registered route is documented and every documented route exists', () => {
    const registered = new Set(
      routes.map((r) => r.key).filter((key) => UNDOCUMENTED[key] === undefined),
    );
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        documented.add(`${method.toUpperCase()} ${path}`);
      }
    }
    const registeredAsOpenApi = new Set(
      [...registered].map((key) => {
        const [method, url] = key.split(' ') as [string, string];
        return `${method} ${openApiPath(url)}`;
      }),
    );
    expect([...registeredAsOpenApi].filter((key) => !documented.has(key))).toEqual([]);
    expect([...documented].filter((key) => !registeredAsOpenApi.has(key))).toEqual([]);
    expect(registered.size).toBeGreaterThan(30);
  });

  test('every route declares who may call it', () => {
    const access: readonly string[] = ACCESS_LEVELS;
    expect(routes.filter((r) => !access.includes(String(r.access))).map((r) => r.key)).toEqual([]);
  });

  test('every API operation documents its success and error responses', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });

  test('request schemas are the Zod schemas that validate requests', () => {
    const put = doc.paths['/api/v1/workflows/{id}']?.['put'] as unknown as {
      parameters: Array<{ name: string; in: string }>;
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    expect(put.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'header:if-match',
      'path:id',
      'query:baseVersion',
      'query:message',
      'query:publish',
    ]);
    const ref = put.requestBody.content['application/json']!.schema.$ref;
    const schema = doc.components!.schemas![ref.split('/').at(-1)!] as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'nodes', 'edges']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'settings']));
  });
  test('every API operation that takes a body, query or path parameters documents them', () => {
    const apiRoutes = routes.filter((r) => r.url.startsWith('/api/v1/'));
    const missing: string[] = [];
    for (const route of apiRoutes) {
      const operation = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (operation === undefined) continue; // reported by the test above
      const parameters = operation.parameters ?? [];
      for (const part of route.read) {
        if (!route.declared.has(part))
          missing.push(`${route.key} reads its ${part} without a schema (validated by hand)`);
      }
      const takes = new Set([...route.declared, ...route.read]);
      if (takes.has('body') && operation.requestBody === undefined)
        missing.push(`${route.key}: no requestBody`);
      if (takes.has('query') && !parameters.some((p) => p.in === 'query'))
        missing.push(`${route.key}: no query parameters`);
      for (const [, name] of route.url.matchAll(/:([A-Za-z0-9_]+)/g)) {
        // @fastify/swagger lists URL parameters even without a schema: require the schema.
        if (
          !route.declared.has('params') ||
          !parameters.some((p) => p.in === 'path' && p.name === name)
        )
          missing.push(`${route.key}: path parameter ${name} has no schema`);
      }
    }
    expect(missing).toEqual([]);
    expect(apiRoutes.length).toBeGreaterThan(30);
    // The probe reached every handler that nothing in its schema could have refused first.
    expect(apiRoutes.filter((r) => r.declared.size === 0 && !r.handled).map((r) => r.key)).toEqual(
      [],
    );
  });
  test('an optional body is optional in the document and when the request has none', async () => {
    const publish = doc.paths['/api/v1/workflows/{id}/publish']?.['post'] as {
      requestBody: { required: boolean };
    };
    expect(publish.requestBody.required).toBe(false);
    const create = doc.paths['/api/v1/workflows']?.['post'] as {
      requestBody: { required: boolean };
    };
    expect(create.requestBody.required).toBe(true);
    const res = await server.inject({ method: 'POST', url: '/api/v1/workflows/nope/publish' });
    expect(res.json().error.code).toBe('WORKFLOW_NOT_FOUND');
  });
});
