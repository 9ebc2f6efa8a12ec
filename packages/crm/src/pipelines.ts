import { z } from 'zod';
import { CrmError } from './errors.js';
import { PIPELINE_RECORD_TYPES } from './records.js';

/**
 * Guardrails of one stage. A record may enter the stage only when every `requiredFields`
 * entry has a value (`email`, or `custom.motivation` for a custom field), and only from a
 * stage in `allowedFrom` (when set; a record entering its first stage has no "from").
 */
export const StageRulesSchema = z.object({
  requiredFields: z.array(z.string().min(1).max(100)).max(50).default([]),
  allowedFrom: z.array(z.string().min(1).max(100)).max(100).optional(),
});
export type StageRules = z.infer<typeof StageRulesSchema>;

export const StageSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, _ and -'),
  name: z.string().min(1).max(200),
  /** Won / lost / customer stages end the pipeline (no stalled-deal nudges). */
  terminal: z.boolean().default(false),
  rules: StageRulesSchema.default({ requiredFields: [] }),
});
export type Stage = z.infer<typeof StageSchema>;

export const PipelineInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    recordType: z.enum(PIPELINE_RECORD_TYPES),
    stages: z.array(StageSchema).min(1).max(100),
  })
  .strict();
export type PipelineInput = z.input<typeof PipelineInputSchema>;

export const PipelineSchema = PipelineInputSchema.extend({
  id: z.string().min(1).max(100),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/** A rule a stage change broke: which rule, which field, which stage. */
export interface RuleViolation {
  rule: 'requiredField' | 'allowedFrom' | 'unknownStage';
  stage: string;
  field?: string;
  message: string;
}

/** The value of `field` on a record: a column, or `custom.<key>` inside custom fields. */
export function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (field.startsWith('custom.')) {
    const custom = record['custom'];
    return custom !== null && typeof custom === 'object'
      ? (custom as Record<string, unknown>)[field.slice(7)]
      : undefined;
  }
  return record[field];
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/**
 * Every rule of `pipeline` that moving `record` from `from` (null: entering the pipeline) to
 * `to` would break. Pure; the service calls it inside the store's transaction, on the record
 * as it will be after the change.
 */
export function checkStageRules(input: {
  pipeline: Pipeline;
  from: string | null;
  to: string;
  record: Record<string, unknown>;
}): RuleViolation[] {
  const { pipeline, from, to, record } = input;
  const stage = pipeline.stages.find((s) => s.id === to);
  if (stage === undefined) {
    return [
      {
        rule: 'unknownStage',
        stage: to,
        message: `Pipeline "${pipeline.name}" has no stage "${to}" (stages: ${pipeline.stages.map((s) => s.id).join(', ')})`,
      },
    ];
  }
  const violations: RuleViolation[] = [];
  const allowed = stage.rules.allowedFrom;
  if (allowed !== undefined && from !== null && from !== to && !allowed.includes(from)) {
    violations.push({
      rule: 'allowedFrom',
      stage: to,
      field: 'stage',
      message: `Stage "${stage.name}" can be entered only from ${allowed.map((s) => `"${s}"`).join(', ')}, not from "${from}"`,
    });
  }
  for (const field of stage.rules.requiredFields) {
    if (isBlank(fieldValue(record, field))) {
      violations.push({
        rule: 'requiredField',
        stage: to,
        field,
        message: `Stage "${stage.name}" requires ${field} to be recorded`,
      });
    }
  }
  return violations;
}

/** `STAGE_RULE_FAILED` (or `STAGE_NOT_FOUND`) for violations, each a located detail. */
export function stageRuleError(violations: readonly RuleViolation[]): CrmError {
  const unknown = violations.find((v) => v.rule === 'unknownStage');
  if (unknown) {
    return new CrmError('STAGE_NOT_FOUND', unknown.message, {
      details: [{ path: '/stage', message: unknown.message, code: 'unknownStage' }],
    });
  }
  return new CrmError('STAGE_RULE_FAILED', violations.map((v) => v.message).join('; '), {
    details: violations.map((v) => ({
      path:
        v.field === undefined || v.field === 'stage' ? '/stage' : `/${v.field.replace('.', '/')}`,
      message: `${v.message} (rule ${v.rule} of stage ${v.stage})`,
      code: v.rule,
    })),
  });
}

/** Ids of the two pipelines every CRM starts with. */
export const SALES_PIPELINE_ID = 'sales';
export const NETWORK_PIPELINE_ID = 'network-marketing';

/**
 * The generic sales pipeline (deals) and the network-marketing one (contacts as prospects),
 * created on first use. In the network pipeline the prospect is qualified when invited: `invited`
 * needs the prospect's motivation recorded (`custom.motivation`), and each later step can only
 * be entered from the one before it.
 */
export const DEFAULT_PIPELINES: ReadonlyArray<PipelineInput & { id: string }> = [
  {
    id: SALES_PIPELINE_ID,
    name: 'Sales',
    recordType: 'deal',
    stages: [
      { id: 'lead', name: 'Lead' },
      { id: 'qualified', name: 'Qualified', rules: { requiredFields: ['contactId'] } },
      {
        id: 'proposal',
        name: 'Proposal',
        rules: { requiredFields: ['amount'], allowedFrom: ['qualified', 'negotiation'] },
      },
      {
        id: 'negotiation',
        name: 'Negotiation',
        rules: { requiredFields: ['amount'], allowedFrom: ['proposal'] },
      },
      {
        id: 'won',
        name: 'Won',
        terminal: true,
        rules: {
          requiredFields: ['amount', 'closeDate'],
          allowedFrom: ['proposal', 'negotiation'],
        },
      },
      { id: 'lost', name: 'Lost', terminal: true },
    ],
  },
  {
    id: NETWORK_PIPELINE_ID,
    name: 'Network marketing',
    recordType: 'contact',
    stages: [
      { id: 'new-lead', name: 'New lead' },
      { id: 'relationship', name: 'Relationship' },
      {
        id: 'invited',
        name: 'Invited (qualified)',
        rules: { requiredFields: ['custom.motivation'] },
      },
      {
        id: 'presented',
        name: 'Presented',
        rules: { requiredFields: [], allowedFrom: ['invited'] },
      },
      {
        id: 'followed-up',
        name: 'Followed up',
        rules: { requiredFields: [], allowedFrom: ['presented'] },
      },
      {
        id: 'decision',
        name: 'Decision',
        rules: { requiredFields: [], allowedFrom: ['followed-up'] },
      },
      {
        id: 'customer',
        name: 'Customer',
        terminal: true,
        rules: { requiredFields: [], allowedFrom: ['decision'] },
      },
      {
        id: 'team-member',
        name: 'Team member',
        terminal: true,
        rules: { requiredFields: [], allowedFrom: ['decision'] },
      },
    ],
  },
];
