import mysql from 'mysql2/promise';
import pg from 'pg';

/** A test database server: whether it answered, and why not. */
export interface DatabaseProbe {
  url: string;
  reachable: boolean;
  reason?: string;
}

/**
 * Probes the local PostgreSQL and MariaDB the `sql.query` tests run against. An unreachable
 * server skips its tests, unless `FLOWSTATE_REQUIRE_PG=1` / `FLOWSTATE_REQUIRE_MYSQL=1`
 * (CI), which makes it an error. For tests only.
 */
export async function probeTestDatabases(): Promise<{
  postgres: DatabaseProbe;
  mysql: DatabaseProbe;
}> {
  const postgresUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const mysqlUrl = process.env['FLOWSTATE_TEST_MYSQL_URL'] || 'mysql://root@127.0.0.1:3306/test';
  const [postgres, maria] = await Promise.all([
    attempt(postgresUrl, async () => {
      const client = new pg.Client({
        connectionString: postgresUrl,
        connectionTimeoutMillis: 3000,
      });
      await client.connect();
      await client.end();
    }),
    attempt(mysqlUrl, async () => {
      const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 });
      await connection.end();
    }),
  ]);
  requireOrWarn('PostgreSQL', postgres, 'FLOWSTATE_REQUIRE_PG');
  requireOrWarn('MySQL/MariaDB', maria, 'FLOWSTATE_REQUIRE_MYSQL');
  return { postgres, mysql: maria };
}

async function attempt(url: string, connect: () => Promise<void>): Promise<DatabaseProbe> {
  try {
    await connect();
    return { url, reachable: true };
  } catch (error) {
    return { url, reachable: false, reason: (error as Error).message || String(error) };
  }
}

function requireOrWarn(label: string, probe: DatabaseProbe, variable: string): void {
  if (probe.reachable) return;
  const line = `${label} not reachable at ${probe.url} (${probe.reason ?? 'unknown'})`;
  if (process.env[variable] === '1') throw new Error(`${line} and ${variable}=1`);
  console.warn(`${line}: skipping its sql.query tests`);
}
