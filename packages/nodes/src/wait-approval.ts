import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';
import { parseDuration } from './duration.js';

/** Event name of approval waits; reserved: the events API refuses names starting `flowstate.`. */
export const APPROVAL_EVENT = 'flowstate.approval';

const MAX_TIMEOUT_MS = 366 * 86_400_000;

/** Params of `wait.approval`. */
export const waitApprovalParams = z
  .object({
    /** User ids or emails allowed to decide (admins and owners always may). */
    approvers: z
      .array(z.string().min(1).max(320))
      .min(1)
      .max(100)
      .describe('User ids or emails allowed to decide (admins and owners always may)'),
    message: z.string().min(1).max(10_000).describe('What the approvers are asked'),
    /** How long to wait ("2d", "4h"); none waits until decided. */
    timeout: z
      .string()
      .max(100)
      .optional()
      .describe('How long to wait ("2d", "4h"), then port "timeout"; unset: until decided'),
  })
  .superRefine((params, ctx) => {
    if (params.timeout === undefined) return;
    try {
      if (parseDuration(params.timeout) > MAX_TIMEOUT_MS)
        ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must be at most 366 days' });
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: (error as Error).message });
    }
  });

/** What `wait.approval` keeps on its wait row, shown by `GET /api/v1/approvals`. */
export interface ApprovalInfo {
  approvers: string[];
  message: string;
  /** Epoch ms at which the approval times out, or null. */
  expiresAt: number | null;
}

/**
 * Pauses until someone approves or rejects through the API or a signed link, or the timeout
 * passes. Every port outputs `{ decision, comment, decidedBy, decidedAt, via, input }`
 * (`decision` is `approved`, `rejected` or `timeout`; `input` is the node's input).
 */
export const waitApproval = defineNode({
  type: 'wait.approval',
  name: 'Wait for approval',
  group: 'control',
  description: 'Pauses until an approver approves or rejects, or a timeout.',
  icon: 'user-check',
  params: waitApprovalParams,
  ports: ['approved', 'rejected', 'timeout'],
  sideEffects: false,
  run(ctx) {
    const { approvers, message, timeout } = ctx.params;
    const until = timeout === undefined ? undefined : ctx.now().getTime() + parseDuration(timeout);
    const info: ApprovalInfo = { approvers, message, expiresAt: until ?? null };
    return ctx.suspend({
      event: { name: APPROVAL_EVENT, correlationKey: ctx.idempotencyKey, port: 'approved' },
      ...(until === undefined ? {} : { until }),
      onTimeout: {
        port: 'timeout',
        value: {
          decision: 'timeout',
          comment: null,
          decidedBy: null,
          decidedAt: until === undefined ? null : new Date(until).toISOString(),
          via: 'timeout',
          input: ctx.input,
        },
      },
      info: { ...info },
    });
  },
});
