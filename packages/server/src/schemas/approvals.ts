import { z } from 'zod';

/** A pending `wait.approval` step. */
export const PendingApprovalSchema = z
  .object({
    executionId: z.string(),
    stepKey: z.string(),
    workflowId: z.string().nullable(),
    approvers: z.array(z.string()),
    message: z.string(),
    expiresAt: z.number().nullable().meta({ description: 'Epoch ms of the timeout, or null' }),
    createdAt: z.number(),
    links: z
      .array(z.object({ approver: z.string(), approve: z.string(), reject: z.string() }))
      .meta({ description: 'Signed one-time links per approver (POST them to decide)' }),
  })
  .meta({ id: 'PendingApproval' });

/** A recorded decision: also the output of the step's `approved` or `rejected` port. */
export const ApprovalOutcomeSchema = z
  .object({
    executionId: z.string(),
    stepKey: z.string(),
    decision: z.enum(['approved', 'rejected']),
    comment: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().meta({ description: 'ISO-8601' }),
    via: z.enum(['api', 'link']),
  })
  .meta({ id: 'ApprovalOutcome' });

/** What a link will do, shown before anyone decides. */
export const ApprovalLinkSummarySchema = z.object({
  executionId: z.string(),
  stepKey: z.string(),
  decision: z.enum(['approve', 'reject']),
  expiresAt: z.number().meta({ description: 'Epoch ms after which the link no longer works' }),
  approver: z.string().optional(),
  message: z.string(),
  status: z.literal('pending'),
});
