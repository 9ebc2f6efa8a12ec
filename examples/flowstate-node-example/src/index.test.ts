import { describe, expect, test } from 'vitest';
import { NonRetriableError, paramsJsonSchema, pluginNodeTypes, testNode } from '@flowstate/sdk';
import * as plugin from './index.js';
import { extractEmails, slugify } from './index.js';

describe('example.slugify', () => {
  test.each([
    ['Hello, Wörld! 2025', {}, 'hello-world-2025'],
    ['  Crème brûlée  ', {}, 'creme-brulee'],
    ['Quarterly report Q3', { separator: '_' }, 'quarterly_report_q3'],
    ['a'.repeat(100), {}, 'a'.repeat(60)],
    ['abcdef', { maxLength: 3 }, 'abc'],
  ])('%j with %j -> %j', async (text, extra, slug) => {
    const result = await testNode(slugify, { params: { text, ...extra } });
    expect(result).toMatchObject({ port: 'out', output: { slug } });
  });

  test('text without letters or digits fails without retrying', async () => {
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

describe('example.extract-emails', () => {
  const text =
    'Write to Ann@Example.com or bob@mail.example.org; cc ann@example.com. Not me@local.';

  test('finds addresses in order, lower-cased, without duplicates', async () => {
    const result = await testNode(extractEmails, { params: { text } });
    expect(result).toMatchObject({
      port: 'out',
      output: { emails: ['ann@example.com', 'bob@mail.example.org'], count: 2 },
    });
  });

  test('keeps duplicates when asked, and honours the limit', async () => {
    const all = await testNode(extractEmails, { params: { text, unique: false } });
    expect(all.output).toMatchObject({ count: 3 });
    const one = await testNode(extractEmails, { params: { text, limit: 1 } });
    expect(one.output).toEqual({ emails: ['ann@example.com'], count: 1 });
  });

  test('a text without addresses leaves from "none"', async () => {
    const result = await testNode(extractEmails, { params: { text: 'nothing here' } });
    expect(result).toMatchObject({ port: 'none', output: { emails: [], count: 0 } });
  });
});

describe('the plugin module', () => {
  test('exports its node types the way the loader reads them', () => {
    expect(pluginNodeTypes(plugin).map((nodeType) => nodeType.type)).toEqual([
      'example.slugify',
      'example.extract-emails',
    ]);
  });

  test('describes every param for the editor and the reference', () => {
    for (const nodeType of pluginNodeTypes(plugin)) {
      const schema = paramsJsonSchema(nodeType) as {
        properties: Record<string, { description?: string }>;
      };
      for (const [name, property] of Object.entries(schema.properties))
        expect(property.description, `${nodeType.type} ${name}`).toMatch(/\w/);
    }
  });
});
