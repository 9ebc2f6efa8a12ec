import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, type ApiResponse } from '../testing/api-client.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual } from '../testing/workflows.js';

let server: ServerFixture;
let call: (method: 'POST', url: string, payload?: unknown) => Promise<ApiResponse>;

beforeAll(async () => {
  server = await makeServer();
  call = apiClient(server);
});

afterAll(async () => {
  await server.close();
});

describe('POST /mapping/infer-schema', () => {
  test('a JSON sample gives its schema', async () => {
    const res = await call('POST', '/mapping/infer-schema', {
      sample: { id: 'ed3c1b52-6f2e-4a57-9a0a-2a6f1f0c7d11', email: 'ada@example.com', n: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body.schema).toMatchObject({
      type: 'object',
      required: ['id', 'email', 'n'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        email: { type: 'string', format: 'email' },
        n: { type: 'integer' },
      },
    });
  });

  test('a CSV sample is parsed with types and returns its first rows', async () => {
    const csv = 'name;signed_up;seats\nAda;2024-03-10T12:00:00Z;3\nBob;2024-03-11T08:00:00Z;\n';
    const res = await call('POST', '/mapping/infer-schema', { csv });
    expect(res.status).toBe(200);
    expect(res.body.rows).toBe(2);
    expect(res.body.sample[1]).toEqual({
      name: 'Bob',
      signed_up: '2024-03-11T08:00:00Z',
      seats: null,
    });
    expect(res.body.schema.items.properties).toMatchObject({
      signed_up: { type: 'string', format: 'date-time' },
      seats: { type: ['integer', 'null'] },
    });
  });

  test('a broken CSV is a 400 naming the line', async () => {
    const res = await call('POST', '/mapping/infer-schema', { csv: 'a,b\n1,2\n3,4,5\n' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/line 3/);
    expect(res.body.error.details[0]).toMatchObject({
      path: '/body/csv',
      code: 'CSV_RECORD_INCONSISTENT_COLUMNS',
    });
  });

  test('neither or both of sample and csv is a 400', async () => {
    for (const body of [{}, { sample: 1, csv: 'a' }]) {
      const res = await call('POST', '/mapping/infer-schema', body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/exactly one of sample and csv/);
    }
  });
});

describe('POST /mapping/suggest', () => {
  test("suggests templates for a node type's params, skipping set and credential params", async () => {
    const res = await call('POST', '/mapping/suggest', {
      nodeType: 'crypto.hmac',
      sample: { payload: { text: 'hello' }, sig: 'abc', signature: 'def', key: 'k' },
      params: { key: 'already set' },
    });
    expect(res.status).toBe(200);
    expect(res.body.nodeType).toBe('crypto.hmac');
    const params = res.body.suggestions.map((s: { param: string }) => s.param);
    expect(params).not.toContain('key');
    expect(params).not.toContain('credential');
    expect(res.body.suggestions[0]).toMatchObject({
      param: 'signature',
      expression: '{{ $input.signature }}',
      sourcePath: 'signature',
      score: expect.any(Number),
      reason: expect.stringMatching(/same name/),
    });
  });

  test('a schema from infer-schema works as the source', async () => {
    const inferred = await call('POST', '/mapping/infer-schema', { csv: 'Size,Items\n2,x\n' });
    const res = await call('POST', '/mapping/suggest', {
      nodeType: 'data.split',
      schema: inferred.body.schema,
    });
    expect(res.status).toBe(200);
    expect(res.body.suggestions).toContainEqual(
      expect.objectContaining({ param: 'size', expression: '{{ $input[0].Size }}' }),
    );
  });

  test('an unknown node type is a 400 naming it', async () => {
    const res = await call('POST', '/mapping/suggest', { nodeType: 'nope.nope', sample: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: '/body/nodeType' });
    expect(res.body.error.message).toMatch(/Unknown node type "nope\.nope"/);
  });
});

describe('data nodes in a workflow', () => {
  test('CSV in, filtered, aggregated and sorted, CSV out', async () => {
    const node = (id: string, type: string, params: Record<string, unknown>) => ({
      id,
      type,
      name: id,
      params,
    });
    const created = await call('POST', '/workflows?publish=true', {
      id: 'report',
      ...chain('Report', [
        manual(),
        node('parse', 'csv.parse', { text: '{{ $input.csv }}', inferTypes: true }),
        node('paid', 'data.filter', { condition: "$item.status = 'paid'" }),
        node('byRegion', 'data.aggregate', {
          groupBy: ['region'],
          aggregations: [
            { operation: 'sum', field: 'amount', as: 'total' },
            { operation: 'count' },
          ],
        }),
        node('sorted', 'data.sort', { keys: [{ field: 'total', direction: 'desc' }] }),
        node('out', 'csv.build', {}),
      ]),
    });
    expect(created.status).toBe(201);
    const csv = 'region;status;amount\nN;paid;10\nS;paid;30\nN;open;99\nN;paid;5\n';
    const run = await call('POST', '/workflows/report/run?wait=5000', { input: { csv } });
    expect(run.status).toBe(200);
    expect(run.body.execution).toMatchObject({
      status: 'succeeded',
      output: 'region,total,count\nS,30,1\nN,15,2\n',
    });
  });
});
