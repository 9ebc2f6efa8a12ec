import type { RouteOptions } from 'fastify';
import { Engine } from '@flowstate/engine';
import { createBuiltinRegistry } from '@flowstate/nodes';
import { SqliteStore } from '@flowstate/store-sqlite';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildServer } from './app.js';
import { ACCESS_LEVELS } from './auth/roles.js';
import { OPENAPI_PATH } from './openapi.js';

/** Routes that are not part of the documented API, with the reason. */
const UNDOCUMENTED: Record<string, string> = {
  [`GET ${OPENAPI_PATH}`]: 'the document itself',
  'GET /': 'the web app (HTML and its files), not the API',
  'GET /*': 'the web app: its files and client-side routes',
};

const routes: Array<{ key: string; access: unknown }> = [];
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components?: { schemas?: Record<string, unknown> };
};
let close: () => Promise<void>;

/** Fastify's `/a/:id/*` as OpenAPI's `/a/{id}/{*}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-openapi-'));
  const store = await SqliteStore.open(dir, { synchronous: 'NORMAL' });
  const registry = createBuiltinRegistry();
  const engine = new Engine({ store, registry });
  const app = buildServer({ store, engine, registry });
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      routes.push({ key: `${method} ${route.url}`, access: route.config?.access });
    }
  });
  await app.ready();
  const res = await app.inject({ method: 'GET', url: OPENAPI_PATH });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  close = async () => {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
});

afterAll(async () => {
  await close();
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
});
