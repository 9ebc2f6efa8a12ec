import { describe, expect, test } from 'vitest';
import { checkStageRules, DEFAULT_PIPELINES, stageRuleError, type Pipeline } from './pipelines.js';
import { PipelineSchema } from './pipelines.js';

const [sales, network] = DEFAULT_PIPELINES.map((p) =>
  PipelineSchema.parse({ ...p, createdAt: 0, updatedAt: 0 }),
) as [Pipeline, Pipeline];

describe('stage rules', () => {
  test.each([
    // pipeline, from, to, record, expected violations (rule:field)
    [network, null, 'new-lead', {}, []],
    [network, 'relationship', 'invited', {}, ['requiredField:custom.motivation']],
    [
      network,
      'relationship',
      'invited',
      { custom: { motivation: '  ' } },
      ['requiredField:custom.motivation'],
    ],
    [network, 'relationship', 'invited', { custom: { motivation: 'family time' } }, []],
    [network, 'new-lead', 'presented', {}, ['allowedFrom:stage']],
    [network, 'invited', 'presented', {}, []],
    [network, 'decision', 'team-member', {}, []],
    [network, 'presented', 'customer', {}, ['allowedFrom:stage']],
    [sales, 'lead', 'qualified', { contactId: null }, ['requiredField:contactId']],
    [sales, 'qualified', 'won', { amount: 10 }, ['allowedFrom:stage', 'requiredField:closeDate']],
    [sales, 'negotiation', 'won', { amount: 10, closeDate: '2030-01-01' }, []],
    [sales, 'won', 'won', { amount: 10, closeDate: '2030-01-01' }, []],
    [sales, 'lead', 'moon', {}, ['unknownStage:-']],
  ] as const)('%#: %s -> %s', (pipeline, from, to, record, expected) => {
    const violations = checkStageRules({ pipeline, from, to, record });
    expect(violations.map((v) => `${v.rule}:${v.field ?? '-'}`)).toEqual(expected);
  });

  test('the error names the rule, the field and the stage', () => {
    const error = stageRuleError(
      checkStageRules({ pipeline: sales, from: 'qualified', to: 'won', record: { amount: 0 } }),
    );
    expect(error.code).toBe('STAGE_RULE_FAILED');
    expect(error.details).toEqual([
      {
        path: '/stage',
        code: 'allowedFrom',
        message:
          'Stage "Won" can be entered only from "proposal", "negotiation", not from "qualified" (rule allowedFrom of stage won)',
      },
      {
        path: '/closeDate',
        code: 'requiredField',
        message: 'Stage "Won" requires closeDate to be recorded (rule requiredField of stage won)',
      },
    ]);
    expect(
      stageRuleError(checkStageRules({ pipeline: sales, from: null, to: 'x', record: {} })).code,
    ).toBe('STAGE_NOT_FOUND');
  });
});
