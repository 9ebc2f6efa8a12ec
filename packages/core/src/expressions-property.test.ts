import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evaluateTemplate, type ExpressionScope } from './expressions.js';
import { resolveParams } from './resolve-params.js';
import type { JsonValue } from './json.js';

function scopeWith(vars: Record<string, JsonValue>): ExpressionScope {
  return {
    trigger: null,
    steps: {},
    input: null,
    vars,
    execution: { id: 'e', workflowId: 'w' },
    now: '2024-01-01T00:00:00.000Z',
  };
}

/** Text that holds no template and cannot merge with a following "{{". */
const plainText = fc.string().filter((s) => !s.includes('{{') && !s.endsWith('{'));

/** JSON values whose text is also a JSONata literal (JSONata treats `__proto__` keys specially). */
const jsonLiteral = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"'));

describe('templates (properties)', () => {
  test('strings without "{{" come back unchanged, also inside params', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string().filter((s) => !s.includes('{{')),
        async (text) => {
          expect(await evaluateTemplate(text, scopeWith({}))).toBe(text);
        },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), jsonLiteral).filter((p) => !JSON.stringify(p).includes('{{')),
        async (params) => {
          const resolved = await resolveParams(params, scopeWith({}), { nodeName: 'N' });
          expect(resolved).toEqual(params);
        },
      ),
    );
  });

  test('a single template of a JSON literal returns that value with its type', async () => {
    await fc.assert(
      fc.asyncProperty(jsonLiteral, fc.constantFrom('', ' ', '\n  '), async (value, pad) => {
        const source = `${pad}{{ ${JSON.stringify(value)} }}${pad}`;
        expect(await evaluateTemplate(source, scopeWith({}))).toEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
    );
  });

  test('a single template of a variable returns the bound value unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(jsonLiteral, async (value) => {
        expect(
          await evaluateTemplate('{{ $vars.v }}', scopeWith({ v: value as JsonValue })),
        ).toEqual(value);
      }),
    );
  });

  test('numbers and strings inserted into text appear verbatim', async () => {
    await fc.assert(
      fc.asyncProperty(
        plainText,
        fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
        plainText,
        fc.constantFrom('$vars.v', '($vars.v)'),
        async (before, value, after, expression) => {
          fc.pre((before + after).trim() !== '');
          const source = `${before}{{ ${expression} }}${after}`;
          const expected = `${before}${String(value)}${after}`;
          expect(await evaluateTemplate(source, scopeWith({ v: value as JsonValue }))).toBe(
            expected,
          );
        },
      ),
    );
  });
});
