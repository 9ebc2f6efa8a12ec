import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FlowstateError, NonRetriableError } from '@flowstate/core';
import { testNode, type CredentialValue } from '@flowstate/sdk';
import { DriverCache } from './driver.js';
import { createSqlQueryNode } from './sql-query.js';
import { probeTestDatabases } from './test-databases.js';

const probes = await probeTestDatabases();
const filesRoot = await mkdtemp(join(tmpdir(), 'flowstate-sql-'));
const drivers = new DriverCache(60_000);
const node = createSqlQueryNode({ filesRoot, drivers });

afterAll(async () => {
  await drivers.closeAll();
  await rm(filesRoot, { recursive: true, force: true });
});

/** What differs between the three databases in these tests. */
interface Dialect {
  name: string;
  available: boolean;
  url: () => string;
  /** Placeholder for the n-th (1-based) positional parameter. */
  p: (n: number) => string;
  ddl: (table: string) => string;
  sleep: string;
  /** 100,000 rows of n = 1, 2, ... */
  series: string;
}

const schema = `sqlq_${randomBytes(5).toString('hex')}`;
const pgUrl = (): string => {
  const url = new URL(probes.postgres.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
};

const dialects: Dialect[] = [
  {
    name: 'postgres',
    available: probes.postgres.reachable,
    url: pgUrl,
    p: (n) => `$${n}`,
    ddl: (t) =>
      `CREATE TABLE ${t} (id serial PRIMARY KEY, name text UNIQUE NOT NULL, big bigint, at timestamptz, data bytea)`,
    sleep: 'SELECT pg_sleep(30)',
    series: 'SELECT generate_series(1, 100000) AS n',
  },
  {
    name: 'mysql',
    available: probes.mysql.reachable,
    url: () => probes.mysql.url,
    p: () => '?',
    ddl: (t) =>
      `CREATE TABLE ${t} (id int AUTO_INCREMENT PRIMARY KEY, name varchar(200) UNIQUE NOT NULL, big bigint, at datetime, data blob)`,
    sleep: 'SELECT SLEEP(30)',
    series: 'SELECT seq AS n FROM seq_1_to_100000',
  },
  {
    name: 'sqlite',
    available: true,
    url: () => 'sqlite:dbs/test.db',
    p: () => '?',
    ddl: (t) =>
      `CREATE TABLE ${t} (id integer PRIMARY KEY, name text UNIQUE NOT NULL, big integer, at text, data blob)`,
    sleep: '',
    series:
      'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000) SELECT n FROM s',
  },
];

for (const d of dialects) {
  const credential: () => CredentialValue = () => ({
    id: `cred-${d.name}`,
    name: `${d.name} test`,
    type: 'database-url',
    data: { url: d.url() },
  });
  const sql = (params: Record<string, unknown>, simulate = false, signal?: AbortSignal) =>
    testNode(node, {
      params: { credential: 'c', ...params },
      credentials: { credential: credential() },
      simulate,
      ...(signal ? { signal } : {}),
    }).then((r) => r.output as Record<string, unknown>);

  describe.skipIf(!d.available)(`sql.query on ${d.name}`, () => {
    let table = '';
    const fresh = async (): Promise<string> => {
      table = `t_${randomBytes(5).toString('hex')}`;
      await sql({ query: d.ddl(table), mode: 'execute' });
      return table;
    };
    if (d.name === 'postgres') {
      test('set up the test schema', async () => {
        const admin = { ...credential(), id: 'admin', data: { url: probes.postgres.url } };
        await testNode(node, {
          params: { credential: 'c', query: `CREATE SCHEMA ${schema}`, mode: 'execute' },
          credentials: { credential: admin },
        });
      });
      afterAll(async () => {
        const admin = { ...credential(), id: 'admin', data: { url: probes.postgres.url } };
        await testNode(node, {
          params: { credential: 'c', query: `DROP SCHEMA ${schema} CASCADE`, mode: 'execute' },
          credentials: { credential: admin },
        });
      });
    }
    afterAll(async () => {
      if (d.name === 'mysql')
        await sql({ query: `DROP TABLE IF EXISTS ${table}`, mode: 'execute' });
    });

    test('inserts with bound parameters and reads them back JSON-safe', async () => {
      const t = await fresh();
      const inserted = await sql({
        query: `INSERT INTO ${t} (name, big, at, data) VALUES (${d.p(1)}, ${d.p(2)}, ${d.p(3)}, ${d.p(4)})`,
        parameters: ['ada', '9007199254740993', '2026-01-02 03:04:05', null],
        mode: 'execute',
      });
      expect(inserted['affectedRows']).toBe(1);
      if (d.name !== 'postgres') expect(inserted['lastInsertId']).toBe('1');
      const { row } = await sql({
        query: `SELECT name, big, at FROM ${t} WHERE name = ${d.p(1)}`,
        parameters: ['ada'],
        mode: 'first',
      });
      expect(row).toMatchObject({ name: 'ada', big: '9007199254740993' });
      const at = (row as { at: string }).at;
      expect(at).toMatch(/^2026-01-02[T ]03:04:05/);
      expect(JSON.parse(JSON.stringify(row))).toEqual(row);
      const dates = await sql({
        query:
          d.name === 'sqlite'
            ? "SELECT date('2026-03-04') AS d"
            : "SELECT CAST('2026-03-04' AS date) AS d",
        mode: 'first',
      });
      expect(dates['row']).toEqual({ d: '2026-03-04' });
    });

    test('an injection attempt in a parameter stays data', async () => {
      const t = await fresh();
      const evil = `'; DROP TABLE ${t}; --`;
      await sql({
        query: `INSERT INTO ${t} (name) VALUES (${d.p(1)})`,
        parameters: [evil],
        mode: 'execute',
      });
      const result = await sql({
        query: `SELECT name FROM ${t} WHERE name = ${d.p(1)}`,
        parameters: [evil],
      });
      expect(result).toMatchObject({ rows: [{ name: evil }], rowCount: 1, truncated: false });
    });

    test('named parameters bind by name', async () => {
      const t = await fresh();
      await sql({
        query: `INSERT INTO ${t} (name) VALUES (:n)`,
        parameters: { n: 'bo' },
        mode: 'execute',
      });
      const result = await sql({
        query: `SELECT name FROM ${t} WHERE name = :n OR name = :n`,
        parameters: { n: 'bo' },
      });
      expect(result['rows']).toEqual([{ name: 'bo' }]);
    });

    test('maxRows: an error by default, or truncation with a flag', async () => {
      const t = await fresh();
      for (const name of ['a', 'b', 'c'])
        await sql({
          query: `INSERT INTO ${t} (name) VALUES (${d.p(1)})`,
          parameters: [name],
          mode: 'execute',
        });
      await expect(sql({ query: `SELECT name FROM ${t}`, maxRows: 2 })).rejects.toMatchObject({
        code: 'SQL_TOO_MANY_ROWS',
      });
      const cut = await sql({
        query: `SELECT name FROM ${t} ORDER BY name`,
        maxRows: 2,
        onTooManyRows: 'truncate',
      });
      expect(cut).toMatchObject({
        rows: [{ name: 'a' }, { name: 'b' }],
        rowCount: 2,
        truncated: true,
      });
    });

    test('a large result is cut at maxRows and the connection stays usable', async () => {
      const cut = await sql({ query: d.series, maxRows: 3, onTooManyRows: 'truncate' });
      expect(cut).toMatchObject({
        rows: [{ n: 1 }, { n: 2 }, { n: 3 }],
        rowCount: 3,
        truncated: true,
      });
      expect(await sql({ query: 'SELECT 1 AS one', mode: 'first' })).toEqual({ row: { one: 1 } });
    });

    test('syntax errors and constraint violations are non-retriable with the database message', async () => {
      const t = await fresh();
      const syntax = await sql({ query: `SELEC name FROM ${t}` }).catch((e: unknown) => e);
      expect(syntax).toBeInstanceOf(NonRetriableError);
      expect((syntax as Error).message).toMatch(/syntax/i);
      if (d.name === 'postgres')
        expect((syntax as Error).message).toMatch(/at position 1 \(line 1, column 1\)/);
      await sql({
        query: `INSERT INTO ${t} (name) VALUES (${d.p(1)})`,
        parameters: ['x'],
        mode: 'execute',
      });
      const duplicate = await sql({
        query: `INSERT INTO ${t} (name) VALUES (${d.p(1)})`,
        parameters: ['x'],
        mode: 'execute',
      }).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(NonRetriableError);
      expect((duplicate as Error).message).toMatch(/unique|duplicate/i);
    });

    test('simulation records writes without running them and runs reads read-only', async () => {
      const t = await fresh();
      const insert = `INSERT INTO ${t} (name) VALUES (${d.p(1)})`;
      expect(await sql({ query: insert, parameters: ['s'], mode: 'execute' }, true)).toEqual({
        simulated: true,
        statement: insert,
        parameters: ['s'],
      });
      expect(await sql({ query: insert, parameters: ['s'] }, true)).toMatchObject({
        simulated: true,
        reason: expect.stringContaining('writes'),
      });
      expect(await sql({ query: `SELECT count(*) AS n FROM ${t}` }, true)).toMatchObject({
        rows: [{ n: 0 }],
      });
      const after = await sql({ query: `SELECT name FROM ${t}` });
      expect(after['rows']).toEqual([]);
    });

    test.skipIf(d.sleep === '')(
      'a statement past timeoutMs is cancelled on the server',
      async () => {
        const error = await sql({ query: d.sleep, timeoutMs: 300 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FlowstateError);
        expect(error).not.toBeInstanceOf(NonRetriableError);
        expect((error as FlowstateError).code).toBe('SQL_TIMEOUT');
      },
    );

    test.skipIf(d.sleep === '')('aborting the attempt cancels the statement', async () => {
      const controller = new AbortController();
      const pending = sql({ query: d.sleep }, false, controller.signal).catch((e: unknown) => e);
      setTimeout(() => controller.abort(), 300);
      expect(await pending).toMatchObject({ code: 'ABORTED' });
    });
  });
}

describe('sql.query credentials and confinement', () => {
  const run = (url: string, query = 'SELECT 1 AS one') =>
    testNode(node, {
      params: { credential: 'c', query },
      credentials: { credential: { id: url, name: 'db', type: 'database-url', data: { url } } },
    });

  test.each(['sqlite:../escape.db', 'sqlite:/etc/passwd', 'sqlite:C:/x.db', 'sqlite:a\\b.db'])(
    'refuses SQLite path %s outside the data folder',
    async (url) => {
      await expect(run(url)).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    },
  );

  test.each(["ATTACH DATABASE '/tmp/x.db' AS x", "VACUUM INTO '/tmp/copy.db'", '/* c */ detach x'])(
    'SQLite refuses %s (it would open files by path)',
    async (query) => {
      await expect(run('sqlite:guard.db', query)).rejects.toMatchObject({
        code: 'SQL_STATEMENT_NOT_ALLOWED',
      });
    },
  );

  test('an unsupported URL scheme is a clear error', async () => {
    await expect(run('mongodb://localhost/x')).rejects.toThrow(/postgres:\/\/, mysql:\/\//);
  });

  test('an unreachable server is a retriable connection error', async () => {
    const error = await run('postgres://postgres@127.0.0.1:1/none').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowstateError);
    expect(error).not.toBeInstanceOf(NonRetriableError);
    expect((error as FlowstateError).code).toBe('SQL_CONNECTION_ERROR');
  });
});
