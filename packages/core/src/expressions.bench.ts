import { bench, describe } from 'vitest';
import { evaluateTemplate, type ExpressionScope } from './expressions.js';
import { resolveParams } from './resolve-params.js';

/** Hot-path micro-benchmark: `npx vitest bench --run packages/core`. */
const scope: ExpressionScope = {
  trigger: { body: { name: 'Ann', last: 'Lee', email: 'ann@example.com' } },
  steps: { Compute: { total: 5, items: [{ qty: 2 }, { qty: 3 }] } },
  input: { x: 1, id: 'c-1' },
  vars: {},
  execution: { id: 'e', workflowId: 'w' },
  now: '2024-01-01T00:00:00.000Z',
};

const params = {
  url: 'https://api.example.com/contacts/{{ $input.id }}',
  body: {
    email: '{{ $trigger.body.email }}',
    name: '{{ $trigger.body.name & " " & $trigger.body.last }}',
    total: '{{ $steps.Compute.total * 2 }}',
  },
  method: 'POST',
};

describe('expressions', () => {
  bench('single variable path (fast path)', async () => {
    await evaluateTemplate('{{ $trigger.body.email }}', scope);
  });
  bench('arithmetic (fast subset)', async () => {
    await evaluateTemplate('{{ $steps.Compute.total * 2 }}', scope);
  });
  bench('concatenation (fast subset)', async () => {
    await evaluateTemplate('{{ $trigger.body.name & " " & $trigger.body.last }}', scope);
  });
  bench('function call (full JSONata)', async () => {
    await evaluateTemplate('{{ $sum($steps.Compute.items.qty) }}', scope);
  });
  bench('resolveParams with 4 templates', async () => {
    await resolveParams(params, scope, { nodeName: 'Call' });
  });
});
