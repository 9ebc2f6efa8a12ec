import { describe, expect, test } from 'vitest';
import { NonRetriableError, testNode } from '../index.js';
import { slugify } from './slugify.js';

describe('example third-party node: acme.slugify', () => {
  test('returns the slug on the out port', async () => {
    const result = await testNode(slugify, { params: { text: 'Hello, Wörld! 2025' } });
    expect(result).toMatchObject({ port: 'out', output: { slug: 'hello-world-2025' } });
  });

  test('applies the maxLength default and override', async () => {
    const long = 'a'.repeat(100);
    expect((await testNode(slugify, { params: { text: long } })).output).toEqual({
      slug: 'a'.repeat(60),
    });
    expect((await testNode(slugify, { params: { text: long, maxLength: 3 } })).output).toEqual({
      slug: 'aaa',
    });
  });

  test('input without letters is a non-retriable error', async () => {
    await expect(testNode(slugify, { params: { text: '!!!' } })).rejects.toBeInstanceOf(
      NonRetriableError,
    );
  });

  test('bad params name the param', async () => {
    await expect(testNode(slugify, { params: { text: 'x', maxLength: 0 } })).rejects.toThrow(
      /maxLength/,
    );
  });
});
