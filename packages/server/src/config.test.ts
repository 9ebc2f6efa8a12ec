import { delimiter } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { CONFIG_VARIABLES } from './config-variables.js';

describe('loadConfig', () => {
  test('applies defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      dataDir: './.flowstate',
      port: 3000,
      host: '127.0.0.1',
      pluginPaths: [],
      webhookTimeoutMs: 10_000,
      bodyLimitBytes: 1_048_576,
      logLevel: 'info',
      sqliteSynchronous: 'FULL',
      databasePoolSize: 10,
      role: 'all',
      shutdownGraceMs: 10_000,
      leaseMs: 30_000,
      retentionDays: 30,
      retentionFailedDays: 90,
      pruneIntervalMs: 3_600_000,
      cookieSecure: 'auto',
      sessionTtlHours: 168,
      sessionIdleMinutes: 720,
      loginRateLimit: { limit: 10, windowMs: 60_000 },
      trustProxy: false,
      script: { maxTimeoutMs: 30_000, maxMemoryMb: 256, workers: 2 },
      heapGrowthPercent: 100,
    });
  });

  test('reads every variable', () => {
    const config = loadConfig({
      FLOWSTATE_DATA_DIR: '/data',
      PORT: '8080',
      HOST: '0.0.0.0',
      FLOWSTATE_WORKFLOWS_DIR: './wf',
      FLOWSTATE_PLUGINS: ` ./plugins/a ${delimiter}${delimiter}/opt/b`,
      FLOWSTATE_WEBHOOK_TIMEOUT_MS: '500',
      FLOWSTATE_BODY_LIMIT: '2048',
      FLOWSTATE_LOG_LEVEL: 'DEBUG',
      FLOWSTATE_WORKER_CONCURRENCY: '8',
      FLOWSTATE_SQLITE_SYNCHRONOUS: 'normal',
      FLOWSTATE_ROLE: 'Worker',
      DATABASE_URL: 'postgres://flow:pw@db:5432/flowstate',
      FLOWSTATE_DB_POOL_SIZE: '20',
      FLOWSTATE_SHUTDOWN_GRACE_MS: '0',
      FLOWSTATE_LEASE_MS: '5000',
      FLOWSTATE_RETENTION_DAYS: '7',
      FLOWSTATE_RETENTION_FAILED_DAYS: '0',
      FLOWSTATE_PRUNE_INTERVAL_MS: '0',
      FLOWSTATE_SECRET_KEY: 'k'.repeat(44),
      FLOWSTATE_SECRET_KEY_PREVIOUS: 'a,b',
      FLOWSTATE_METRICS_TOKEN: 'scrape-me',
      FLOWSTATE_COOKIE_SECURE: 'true',
      FLOWSTATE_SESSION_TTL_HOURS: '24',
      FLOWSTATE_SESSION_IDLE_MINUTES: '30',
      FLOWSTATE_LOGIN_RATE_LIMIT: 'off',
      FLOWSTATE_WEBHOOK_RATE_LIMIT: '100/s',
      FLOWSTATE_TRUST_PROXY: 'TRUE',
      FLOWSTATE_SCRIPT_MAX_TIMEOUT_MS: '5000',
      FLOWSTATE_SCRIPT_MAX_MEMORY_MB: '64',
      FLOWSTATE_SCRIPT_WORKERS: '1',
      FLOWSTATE_HEAP_GROWTH_PERCENT: '0',
    });
    expect(config).toEqual({
      dataDir: '/data',
      port: 8080,
      host: '0.0.0.0',
      workflowsDir: './wf',
      pluginPaths: ['./plugins/a', '/opt/b'],
      webhookTimeoutMs: 500,
      bodyLimitBytes: 2048,
      logLevel: 'debug',
      workerConcurrency: 8,
      sqliteSynchronous: 'NORMAL',
      databaseUrl: 'postgres://flow:pw@db:5432/flowstate',
      databasePoolSize: 20,
      role: 'worker',
      shutdownGraceMs: 0,
      leaseMs: 5000,
      retentionDays: 7,
      retentionFailedDays: 0,
      pruneIntervalMs: 0,
      secretKey: 'k'.repeat(44),
      secretKeyPrevious: 'a,b',
      metricsToken: 'scrape-me',
      cookieSecure: true,
      sessionTtlHours: 24,
      sessionIdleMinutes: 30,
      webhookRateLimit: { limit: 100, windowMs: 1000 },
      trustProxy: true,
      script: { maxTimeoutMs: 5000, maxMemoryMb: 64, workers: 1 },
      heapGrowthPercent: 0,
    });
  });

  test.each([
    ['PORT', 'abc', /PORT: must be a whole number/],
    [
      'FLOWSTATE_RETENTION_FAILED_DAYS',
      '10',
      /FLOWSTATE_RETENTION_FAILED_DAYS: must be 0 or at least FLOWSTATE_RETENTION_DAYS \(30\)/,
    ],
    ['PORT', '70000', /PORT: must be between 0 and 65535/],
    ['FLOWSTATE_BODY_LIMIT', '-1', /FLOWSTATE_BODY_LIMIT: must be a whole number/],
    ['FLOWSTATE_WEBHOOK_TIMEOUT_MS', '0', /FLOWSTATE_WEBHOOK_TIMEOUT_MS: must be between/],
    ['FLOWSTATE_LEASE_MS', '500', /FLOWSTATE_LEASE_MS: must be between 1000/],
    ['FLOWSTATE_LOG_LEVEL', 'loud', /FLOWSTATE_LOG_LEVEL: must be one of fatal, error/],
    ['FLOWSTATE_WEBHOOK_RATE_LIMIT', '10 per s', /FLOWSTATE_WEBHOOK_RATE_LIMIT: must look like/],
    ['FLOWSTATE_LOGIN_RATE_LIMIT', '0/min', /FLOWSTATE_LOGIN_RATE_LIMIT: the count must be/],
    ['FLOWSTATE_COOKIE_SECURE', 'yes', /FLOWSTATE_COOKIE_SECURE: must be one of auto, true/],
    [
      'FLOWSTATE_SQLITE_SYNCHRONOUS',
      'OFF',
      /FLOWSTATE_SQLITE_SYNCHRONOUS: must be one of FULL, NORMAL/,
    ],
    ['FLOWSTATE_WORKER_CONCURRENCY', '0', /FLOWSTATE_WORKER_CONCURRENCY: must be between 1/],
    ['FLOWSTATE_SCRIPT_MAX_MEMORY_MB', '4', /FLOWSTATE_SCRIPT_MAX_MEMORY_MB: must be between 8/],
    ['FLOWSTATE_SCRIPT_WORKERS', '0', /FLOWSTATE_SCRIPT_WORKERS: must be between 1/],
    ['FLOWSTATE_HEAP_GROWTH_PERCENT', '2000', /FLOWSTATE_HEAP_GROWTH_PERCENT: must be between 0/],
    ['FLOWSTATE_ROLE', 'both', /FLOWSTATE_ROLE: must be one of all, api, worker/],
    ['FLOWSTATE_SHUTDOWN_GRACE_MS', '1.5', /FLOWSTATE_SHUTDOWN_GRACE_MS: must be a whole number/],
    ['DATABASE_URL', 'mysql://db/x', /DATABASE_URL: must be a postgres:\/\/user/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: must be a postgres:\/\/user/],
    ['FLOWSTATE_DB_POOL_SIZE', '0', /FLOWSTATE_DB_POOL_SIZE: must be between 1/],
  ])('%s=%s is refused naming the variable', (name, value, message) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  test.each(['api', 'worker'])('FLOWSTATE_ROLE=%s needs DATABASE_URL', (role) => {
    expect(() => loadConfig({ FLOWSTATE_ROLE: role })).toThrow(
      new RegExp(`FLOWSTATE_ROLE: "${role}" needs PostgreSQL \\(DATABASE_URL\\)`),
    );
  });

  test('DATABASE_URL needs FLOWSTATE_SECRET_KEY (every process must read the same credentials)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://db/flowstate' })).toThrow(
      /FLOWSTATE_SECRET_KEY: must be set with DATABASE_URL/,
    );
    expect(
      loadConfig({ DATABASE_URL: 'postgresql://db/flowstate', FLOWSTATE_SECRET_KEY: 'k' }),
    ).toMatchObject({ databaseUrl: 'postgresql://db/flowstate', role: 'all' });
  });

  test('documents every variable it reads', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'FLOWSTATE_DATA_DIR',
        'DATABASE_URL',
        'FLOWSTATE_DB_POOL_SIZE',
        'FLOWSTATE_ROLE',
        'PORT',
        'HOST',
        'FLOWSTATE_WORKFLOWS_DIR',
        'FLOWSTATE_PLUGINS',
        'FLOWSTATE_WEBHOOK_TIMEOUT_MS',
        'FLOWSTATE_BODY_LIMIT',
        'FLOWSTATE_LOG_LEVEL',
        'FLOWSTATE_WORKER_CONCURRENCY',
        'FLOWSTATE_SQLITE_SYNCHRONOUS',
        'FLOWSTATE_SECRET_KEY',
        'FLOWSTATE_SECRET_KEY_PREVIOUS',
        'FLOWSTATE_METRICS_TOKEN',
        'FLOWSTATE_COOKIE_SECURE',
        'FLOWSTATE_SESSION_TTL_HOURS',
        'FLOWSTATE_SESSION_IDLE_MINUTES',
        'FLOWSTATE_LOGIN_RATE_LIMIT',
        'FLOWSTATE_WEBHOOK_RATE_LIMIT',
        'FLOWSTATE_TRUST_PROXY',
        'FLOWSTATE_SCRIPT_MAX_TIMEOUT_MS',
        'FLOWSTATE_SCRIPT_MAX_MEMORY_MB',
        'FLOWSTATE_SCRIPT_WORKERS',
        'FLOWSTATE_LEASE_MS',
        'FLOWSTATE_HEAP_GROWTH_PERCENT',
      ]),
    );
    for (const variable of CONFIG_VARIABLES)
      expect(variable.description.length).toBeGreaterThan(10);
  });
});
