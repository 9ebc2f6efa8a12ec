import { Redactor } from '@flowstate/engine';
import { expect, test } from 'vitest';
import { createLogger } from './logger.js';

test('log lines are redacted as they are written, JSON-escaped forms included', () => {
  const lines: string[] = [];
  const redactor = new Redactor();
  const logger = createLogger({
    level: 'info',
    redactor,
    destination: { write: (l) => lines.push(l) },
  });
  logger.info({ token: 'tok-1234' }, 'before the secret is known: tok-1234');
  redactor.add(['tok-1234', 'quo"te\\d']);
  logger.info({ token: 'tok-1234', err: new Error('failed with quo"te\\d') }, 'now tok-1234');
  expect(lines[0]).toContain('tok-1234');
  expect(lines[1]).not.toContain('tok-1234');
  expect(lines[1]).not.toContain('quo\\"te\\\\d');
  expect(JSON.parse(lines[1]!)).toMatchObject({ token: '[redacted]', msg: 'now [redacted]' });
  expect(JSON.parse(lines[1]!).err.message).toBe('failed with [redacted]');
});
