import { describe, expect, test } from 'vitest';
import { ExpressionError } from './expression-error.js';
import { isTemplate, parseTemplate } from './template.js';

describe('parseTemplate', () => {
  test.each([
    ['plain text', [{ kind: 'text', text: 'plain text' }], false],
    ['{{ $input.x }}', [{ kind: 'expression', source: ' $input.x ', offset: 2 }], true],
    [
      '  {{$input}}\n',
      [
        { kind: 'text', text: '  ' },
        { kind: 'expression', source: '$input', offset: 4 },
        { kind: 'text', text: '\n' },
      ],
      true,
    ],
    [
      'a {{ 1 }} b',
      [
        { kind: 'text', text: 'a ' },
        { kind: 'expression', source: ' 1 ', offset: 4 },
        { kind: 'text', text: ' b' },
      ],
      false,
    ],
    [
      '{{ 1 }}{{ 2 }}',
      [
        { kind: 'expression', source: ' 1 ', offset: 2 },
        { kind: 'expression', source: ' 2 ', offset: 9 },
      ],
      false,
    ],
    [
      '{{ {"a": {"b": 1}} }}',
      [{ kind: 'expression', source: ' {"a": {"b": 1}} ', offset: 2 }],
      true,
    ],
    [
      '{{ "}}" & `x}}y` /* }} */ }}',
      [{ kind: 'expression', source: ' "}}" & `x}}y` /* }} */ ', offset: 2 }],
      true,
    ],
    ['{{ "a\\"}}" }}', [{ kind: 'expression', source: ' "a\\"}}" ', offset: 2 }], true],
  ])('%j', (source, parts, single) => {
    const template = parseTemplate(source);
    expect(template.parts).toEqual(parts);
    expect(template.single !== undefined).toBe(single);
  });

  test.each([
    ['Hi {{ $input', 4, /not closed/],
    ['{{ }}', 1, /holds no expression/],
    ['ok {{ "unterminated }}', 4, /not closed/],
  ])('rejects %j at character %i', (source, position, message) => {
    let caught: unknown;
    try {
      parseTemplate(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect((caught as ExpressionError).code).toBe('EXPRESSION_SYNTAX');
    expect((caught as ExpressionError).position).toBe(position);
    expect((caught as ExpressionError).message).toMatch(message);
  });

  test('isTemplate is true only for strings holding "{{"', () => {
    expect(isTemplate('{{ x }}')).toBe(true);
    expect(isTemplate('a {{')).toBe(true);
    expect(isTemplate('a { b }')).toBe(false);
    expect(isTemplate(42)).toBe(false);
    expect(isTemplate({ a: '{{ x }}' })).toBe(false);
  });
});
