import { describe, expect, test } from 'vitest';
import { FlowstateError, NonRetriableError, serializeError } from './errors.js';
import { ExpressionError } from './expression-error.js';
import { evaluateExpression, evaluateTemplate, type ExpressionScope } from './expressions.js';
import { checkExpressions, resolveParams } from './resolve-params.js';

function makeScope(overrides: Partial<ExpressionScope> = {}): ExpressionScope {
  return {
    trigger: { body: { name: 'Ann', tags: ['a', 'b'] } },
    steps: {
      Compute: {
        total: 5,
        items: [
          { sku: 'x', qty: 2 },
          { sku: 'y', qty: 3 },
        ],
      },
    },
    input: { qty: 2, price: 10.5, nested: { deep: true }, list: [1, 2, 3] },
    vars: { region: 'eu' },
    execution: { id: 'exec-1', workflowId: 'wf-1', workflowVersion: 3 },
    now: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ExpressionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExpressionError);
  return error as ExpressionError;
}

describe('evaluateTemplate', () => {
  const scope = makeScope();
  test.each<[string, unknown]>([
    ['{{ $input.qty }}', 2],
    ['  {{ $input.qty * $input.price }}  ', 21],
    ['{{ $input.nested }}', { deep: true }],
    ['{{ $input.list }}', [1, 2, 3]],
    ['{{ $steps.Compute.items.sku }}', ['x', 'y']],
    ['{{ $sum($steps.Compute.items.qty) }}', 5],
    ['{{ $trigger.body.name }}', 'Ann'],
    ['{{ $vars.region }}', 'eu'],
    ['{{ $execution.id }}', 'exec-1'],
    ['{{ $now }}', '2024-05-01T12:00:00.000Z'],
    ['{{ qty }}', 2],
    ['{{ $input.missing }}', null],
    ['{{ $input.qty > 1 }}', true],
    ['{{ {"a": [1, {"b": 2}]} }}', { a: [1, { b: 2 }] }],
    ['Qty: {{ $input.qty }}, deep: {{ $input.nested }}', 'Qty: 2, deep: {"deep":true}'],
    ['[{{ $input.missing }}][{{ null }}]', '[][]'],
    ['{{ $trigger.body.tags }} and {{ true }}', '["a","b"] and true'],
    ['no templates here', 'no templates here'],
  ])('%s', async (source, expected) => {
    expect(await evaluateTemplate(source, scope)).toEqual(expected);
  });

  test('binds $item and $index inside loops', async () => {
    const loopScope = makeScope({ item: { id: 7 }, index: 2 });
    expect(await evaluateTemplate('{{ $item.id }}-{{ $index }}', loopScope)).toBe('7-2');
  });

  test('results are plain JSON arrays, not JSONata sequences', async () => {
    const value = await evaluateTemplate('{{ $steps.Compute.items.sku }}', scope);
    expect(Object.keys(value as object)).toEqual(['0', '1']);
    expect(JSON.stringify(value)).toBe('["x","y"]');
  });
});

describe('evaluateExpression', () => {
  test('evaluates bare JSONata with extra bindings', async () => {
    const value = await evaluateExpression('$input.qty + $extra', makeScope(), {
      bindings: { extra: 40 },
    });
    expect(value).toBe(42);
  });

  test('names the node, the parameter and the position on errors', async () => {
    const error = await failure(
      evaluateExpression('$input.qty + "a"', makeScope(), {
        nodeName: 'Compute',
        path: '/params/x',
      }),
    );
    expect(error.code).toBe('EXPRESSION_ERROR');
    expect(error.message).toMatch(
      /^Node "Compute": \/params\/x at character \d+: The right side of the "\+" operator/,
    );
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toBeInstanceOf(FlowstateError);
    expect(serializeError(error)).toMatchObject({ code: 'EXPRESSION_ERROR', retriable: false });
  });

  test('rejects a function result', async () => {
    const error = await failure(evaluateExpression('$uppercase', makeScope()));
    expect(error.message).toMatch(/function, not a JSON value/);
  });
});

describe('bounds', () => {
  test('a tail-recursive endless loop times out', async () => {
    const started = Date.now();
    const error = await failure(
      evaluateExpression('($f := function($n){ $f($n + 1) }; $f(0))', makeScope(), {
        timeoutMs: 100,
      }),
    );
    expect(error.code).toBe('EXPRESSION_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('deep recursion stops at the depth limit', async () => {
    const error = await failure(
      evaluateExpression('($f := function($n){ 1 + $f($n + 1) }; $f(0))', makeScope()),
    );
    expect(error.code).toBe('EXPRESSION_DEPTH');
  });

  test('a huge loop times out', async () => {
    const error = await failure(
      evaluateExpression('$count($map([1..1000000], function($v){ $v * 2 }))', makeScope(), {
        timeoutMs: 20,
      }),
    );
    expect(error.code).toBe('EXPRESSION_TIMEOUT');
  });

  test('normal expressions are unaffected by a tight depth limit', async () => {
    expect(await evaluateExpression('$sum([1, 2, 3])', makeScope(), { maxDepth: 20 })).toBe(6);
  });
});

describe('sandbox', () => {
  test.each([
    '{} ~> | __proto__ | {"polluted": "yes"} |',
    '{} ~> | constructor.prototype | {"polluted": "yes"} |',
    '$ ~> | __proto__ | {"polluted": "yes"} |',
    '$input ~> | $ | {"__proto__": {"polluted": "yes"}} |',
    '$merge([{}, {"__proto__": {"polluted": "yes"}}])',
  ])('CVE-2024-27307: %s does not pollute Object.prototype', async (expression) => {
    await evaluateExpression(expression, makeScope()).catch(() => undefined);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    '$string.constructor',
    '{}.constructor',
    '$input.constructor',
    '$input.__proto__',
    '$globalThis',
    '$process',
  ])('%s reaches nothing', async (expression) => {
    expect(await evaluateExpression(expression, makeScope())).toBeNull();
  });
});

describe('resolveParams', () => {
  test('walks objects and arrays, keeps types, passes raw params through', async () => {
    const params = {
      url: 'https://api.example.com/{{ $input.qty }}',
      body: {
        total: '{{ $input.qty * $input.price }}',
        list: ['{{ $vars.region }}', 3, null, true],
      },
      count: 4,
      expression: '{{ not evaluated }}',
    };
    const resolved = await resolveParams(params, makeScope(), {
      nodeName: 'Call',
      rawParams: ['expression'],
    });
    expect(resolved).toEqual({
      url: 'https://api.example.com/2',
      body: { total: 21, list: ['eu', 3, null, true] },
      count: 4,
      expression: '{{ not evaluated }}',
    });
    expect(params.body.total).toBe('{{ $input.qty * $input.price }}');
  });

  test('keeps a "__proto__" key as data instead of setting the prototype', async () => {
    const params = JSON.parse(
      '{"__proto__": {"isAdmin": true}, "x": {"__proto__": "{{ 1 }}"}}',
    ) as Record<string, unknown>;
    const resolved = await resolveParams(params, makeScope(), { nodeName: 'N' });
    expect((resolved as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(JSON.stringify(resolved)).toBe('{"__proto__":{"isAdmin":true},"x":{"__proto__":1}}');
  });

  test('locates a failure by node, JSON pointer and character', async () => {
    const error = await failure(
      resolveParams({ fields: { 'a/b': 'Total: {{ $sum($input.qty }}' } }, makeScope(), {
        nodeName: 'Compute',
      }),
    );
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.nodeName).toBe('Compute');
    expect(error.path).toBe('/params/fields/a~1b');
    expect(error.position).toBe(26);
    expect(error.message).toBe(
      'Node "Compute": /params/fields/a~1b at character 26: Expected ")" before end of expression',
    );
  });

  test('locates an unterminated template', async () => {
    const error = await failure(
      resolveParams({ list: ['ok', 'Hi {{ $input'] }, makeScope(), { nodeName: 'N' }),
    );
    expect(error.message).toBe(
      'Node "N": /params/list/1 at character 4: Template "{{" is not closed by "}}"',
    );
  });
});

describe('checkExpressions', () => {
  test('reports every template that does not parse, relative to the params', () => {
    expect(
      checkExpressions(
        { a: '{{ $input.x }}', b: { c: ['x {{ foo( }}', '{{ ok }}'] }, d: '{{', raw: '{{ ( }}' },
        { rawParams: ['raw'] },
      ),
    ).toEqual([
      {
        path: '/b/c/0',
        message: 'expression does not parse at character 10: Expected ")" before end of expression',
        position: 10,
      },
      {
        path: '/d',
        message: 'expression does not parse at character 1: Template "{{" is not closed by "}}"',
        position: 1,
      },
    ]);
  });
});
