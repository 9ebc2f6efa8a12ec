import { describe, expect, test } from 'vitest';
import { validate } from '@flowstate/core';
import { createBuiltinRegistry } from '@flowstate/nodes';
import {
  buildTemplate,
  createCrmNodes,
  CrmService,
  CRM_TEMPLATES,
  type CrmStore,
} from '@flowstate/crm';

// Validation needs the node types only; no call reaches the store.
const registry = createBuiltinRegistry(
  {},
  createCrmNodes({ crm: new CrmService({ store: {} as CrmStore }) }),
);
const params: Record<string, unknown> = {
  'lead-assignment': { users: ['ann', 'bob'] },
  'task-due-reminder': { notifyUrl: 'https://chat.example/hook' },
};

describe('CRM templates', () => {
  test.each(CRM_TEMPLATES.map((t) => t.id))('%s builds a valid workflow', (id) => {
    const document = buildTemplate(id, params[id] ?? {});
    expect(validate(document, registry).problems).toEqual([]);
  });

  test('bad parameters are refused with their path', () => {
    expect(() => buildTemplate('lead-assignment', { users: [] })).toThrow(
      expect.objectContaining({
        code: 'INVALID_RECORD',
        details: [expect.objectContaining({ path: '/params/users' })],
      }),
    );
    expect(() => buildTemplate('nope', {})).toThrow(
      expect.objectContaining({ code: 'CRM_TEMPLATE_NOT_FOUND' }),
    );
  });
});
