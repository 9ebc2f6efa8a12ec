import { describe, expect, test } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  test('applies defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      dataDir: './.flowstate',
      port: 3000,
      host: '127.0.0.1',
      webhookTimeoutMs: 10_000,
      bodyLimitBytes: 1_048_576,
      logLevel: 'info',
      sqliteSynchronous: 'FULL',
      role: 'all',
      shutdownGraceMs: 10_000,
      retentionDays: 30,
      retentionFailedDays: 90,
      pruneIntervalMs: 3_600_000,
    });
  });

  test('reads every variable', () => {
    const config = loadConfig({
      FLOWSTATE_DATA_DIR: '/data',
      PORT: '8080',
      HOST: '0.0.0.0',
      FLOWSTATE_WORKFLOWS_DIR: './wf',
      FLOWSTATE_WEBHOOK_TIMEOUT_MS: '500',
      FLOWSTATE_BODY_LIMIT: '2048',
      FLOWSTATE_LOG_LEVEL: 'DEBUG',
      FLOWSTATE_WORKER_CONCURRENCY: '8',
      FLOWSTATE_SQLITE_SYNCHRONOUS: 'normal',
      FLOWSTATE_ROLE: 'Worker',
      FLOWSTATE_SHUTDOWN_GRACE_MS: '0',
      FLOWSTATE_RETENTION_DAYS: '7',
      FLOWSTATE_RETENTION_FAILED_DAYS: '0',
      FLOWSTATE_PRUNE_INTERVAL_MS: '0',
    });
    expect(config).toEqual({
      dataDir: '/data',
      port: 8080,
      host: '0.0.0.0',
      workflowsDir: './wf',
      webhookTimeoutMs: 500,
      bodyLimitBytes: 2048,
      logLevel: 'debug',
      workerConcurrency: 8,
      sqliteSynchronous: 'NORMAL',
      role: 'worker',
      shutdownGraceMs: 0,
      retentionDays: 7,
      retentionFailedDays: 0,
      pruneIntervalMs: 0,
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
    ['FLOWSTATE_LOG_LEVEL', 'loud', /FLOWSTATE_LOG_LEVEL: must be one of fatal, error/],
    [
      'FLOWSTATE_SQLITE_SYNCHRONOUS',
      'OFF',
      /FLOWSTATE_SQLITE_SYNCHRONOUS: must be one of FULL, NORMAL/,
    ],
    ['FLOWSTATE_WORKER_CONCURRENCY', '0', /FLOWSTATE_WORKER_CONCURRENCY: must be between 1/],
    ['FLOWSTATE_ROLE', 'both', /FLOWSTATE_ROLE: must be one of all, api, worker/],
    ['FLOWSTATE_SHUTDOWN_GRACE_MS', '1.5', /FLOWSTATE_SHUTDOWN_GRACE_MS: must be a whole number/],
  ])('%s=%s is refused naming the variable', (name, value, message) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  test('documents every variable it reads', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'FLOWSTATE_DATA_DIR',
        'PORT',
        'HOST',
        'FLOWSTATE_WORKFLOWS_DIR',
        'FLOWSTATE_WEBHOOK_TIMEOUT_MS',
        'FLOWSTATE_BODY_LIMIT',
        'FLOWSTATE_LOG_LEVEL',
        'FLOWSTATE_WORKER_CONCURRENCY',
        'FLOWSTATE_SQLITE_SYNCHRONOUS',
      ]),
    );
    for (const variable of CONFIG_VARIABLES)
      expect(variable.description.length).toBeGreaterThan(10);
  });
});
