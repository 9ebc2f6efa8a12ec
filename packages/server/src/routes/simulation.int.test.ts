import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual } from '../testing/workflows.js';

let server: ServerFixture;
let outside: Server;
let received: string[];
let url: string;
beforeEach(async () => {
  received = [];
  outside = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(body);
      res.setHeader('content-type', 'application/json');
      res.end('{"charged":true}');
    });
  });
  await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/charge`;
  server = await makeServer({ http: { allowedHosts: ['127.0.0.1'] } });
});
afterEach(async () => {
  await server.close();
  await new Promise((resolve) => outside.close(resolve));
});

const call = (method: 'GET' | 'POST', path: string, payload?: object) =>
  server.inject({ method, url: `/api/v1${path}`, ...(payload ? { payload } : {}) });

/** A draft that charges over HTTP and then records the customer in the CRM. */
async function deployCharge(): Promise<void> {
  const created = await call('POST', '/workflows', {
    id: 'charge',
    ...chain('Charge', [
      manual(),
      {
        id: 'pay',
        name: 'Pay',
        type: 'http.request',
        params: { method: 'POST', url, body: { amount: '{{ $input.amount }}' } },
      },
      {
        id: 'record',
        name: 'Record',
        type: 'crm.create-contact',
        params: { fields: { name: '{{ $trigger.name }}' } },
      },
    ]),
  });
  expect(created.statusCode, created.body).toBe(201);
}

test('a simulated test run sends no request and writes nothing to the CRM; a plain one does', async () => {
  await deployCharge();
  const input = { name: 'Ada', amount: 12 };
  const simulated = await call('POST', '/workflows/charge/test?wait=10000', {
    input,
    simulate: true,
  });
  expect(simulated.statusCode, simulated.body).toBe(200);
  const { execution } = simulated.json();
  expect(execution).toMatchObject({ status: 'succeeded', simulate: true });
  expect(received).toEqual([]);
  expect((await call('GET', '/crm/contacts')).json().items).toEqual([]);
  const detail = (await call('GET', `/executions/${execution.id}`)).json();
  const output = (key: string) => detail.steps.find((s: { key: string }) => s.key === key).output;
  expect(output('pay')).toMatchObject({
    simulated: true,
    // The exact request it would send, body as written on the wire.
    request: { method: 'POST', url, body: '{"amount":12}' },
  });
  expect(output('record')).toEqual({
    simulated: true,
    node: 'crm.create-contact',
    change: { fields: { name: 'Ada' }, upsertByEmail: false },
  });
  const listed = (await call('GET', '/executions?limit=10')).json();
  expect(listed.items[0]).toMatchObject({ id: execution.id, simulate: true });

  const real = await call('POST', '/workflows/charge/test?wait=10000', { input });
  expect(real.json().execution.status).toBe('succeeded');
  expect(real.json().execution.simulate).toBeUndefined();
  expect(received.map((body) => JSON.parse(body))).toEqual([{ amount: 12 }]);
  expect((await call('GET', '/crm/contacts')).json().items).toHaveLength(1);
});

test('a bad simulate flag or an unknown field is a 400 naming it, and starts nothing', async () => {
  await deployCharge();
  const wrongType = await call('POST', '/workflows/charge/test', { simulate: 'yes' });
  expect(wrongType.statusCode).toBe(400);
  expect(wrongType.json().error.details[0].path).toBe('/body/simulate');
  const misspelt = await call('POST', '/workflows/charge/test', { simulat: true });
  expect(misspelt.statusCode).toBe(400);
  expect(JSON.stringify(misspelt.json().error)).toContain('simulat');
  expect((await call('GET', '/executions?limit=10')).json().items).toEqual([]);
  expect(received).toEqual([]);
});
