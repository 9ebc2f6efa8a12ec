import { describe, expect, test } from 'vitest';
import { retryDelay } from './retry.js';

const policy = {
  maxAttempts: 5,
  backoff: 'exponential' as const,
  delayMs: 100,
  maxDelayMs: 1000,
  jitter: false,
};

describe('retryDelay', () => {
  test.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
  ])('exponential backoff after attempt %i waits %i ms (capped)', (attempt, expected) => {
    expect(retryDelay(policy, attempt, 0.5)).toBe(expected);
  });

  test('fixed backoff does not grow', () => {
    expect(retryDelay({ ...policy, backoff: 'fixed' }, 4, 0.5)).toBe(100);
  });

  test.each([
    [0, 80],
    [0.5, 100],
    [0.999999, 120],
  ])('jitter 0.2 spreads the delay (random %f gives %i)', (random, expected) => {
    expect(retryDelay({ ...policy, jitter: 0.2 }, 1, random)).toBe(expected);
  });

  test('a longer Retry-After wins', () => {
    expect(retryDelay(policy, 1, 0.5, 5000)).toBe(5000);
    expect(retryDelay(policy, 1, 0.5, 10)).toBe(100);
  });
});
