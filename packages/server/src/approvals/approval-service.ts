import { FlowstateError, isJsonObject, type JsonValue } from '@flowstate/core';
import type { Engine, Store, WaitRecord } from '@flowstate/engine';
import { APPROVAL_EVENT, type ApprovalInfo } from '@flowstate/nodes';
import { httpError } from '../errors.js';
import { signApprovalToken, type ApprovalDecision } from './approval-tokens.js';

/** Path of the signed-link endpoint (the token goes in `?token=`). */
export const APPROVAL_LINK_PATH = '/api/v1/approvals/decide';
/** How long links of an approval without a timeout stay valid from when they are listed. */
export const DEFAULT_LINK_TTL_MS = 7 * 86_400_000;

/** The caller, once authentication sets `request.user`. */
export interface ApprovalUser {
  id: string;
  email?: string;
  role?: string;
}

/** A pending approval as the API lists it. */
export interface PendingApproval {
  executionId: string;
  stepKey: string;
  workflowId: string | null;
  approvers: string[];
  message: string;
  /** Epoch ms of the timeout, or null. */
  expiresAt: number | null;
  createdAt: number;
  /** Signed one-time links per approver (`POST` them to decide). */
  links: Array<{ approver: string; approve: string; reject: string }>;
}

/** The recorded decision, also the output of the `approved`/`rejected` port. */
export interface ApprovalOutcome {
  decision: 'approved' | 'rejected';
  comment: string | null;
  decidedBy: string | null;
  decidedAt: string;
  via: 'api' | 'link';
}

const PORT_OF: Record<ApprovalDecision, ApprovalOutcome['decision']> = {
  approve: 'approved',
  reject: 'rejected',
};

/**
 * Lists pending `wait.approval` steps and records decisions on them, through the API (the
 * caller must be an approver or an admin once `request.user` exists) or a signed link.
 */
export class ApprovalService {
  constructor(private readonly options: { store: Store; engine: Engine; linkKey: Buffer }) {}

  async listPending(query: {
    limit: number;
    after?: { createdAt: number; executionId: string; stepKey: string };
  }): Promise<PendingApproval[]> {
    const { store, engine } = this.options;
    const waits = await store.listWaits({ eventName: APPROVAL_EVENT, ...query });
    const now = engine.clock.now();
    return Promise.all(
      waits.map(async (wait) => {
        const info = approvalInfo(wait);
        const execution = await store.getExecution(wait.executionId);
        const expiresAt = info.expiresAt ?? now + DEFAULT_LINK_TTL_MS;
        const link = (decision: ApprovalDecision, approver: string) =>
          `${APPROVAL_LINK_PATH}?token=${signApprovalToken(this.options.linkKey, {
            executionId: wait.executionId,
            stepKey: wait.stepKey,
            decision,
            expiresAt,
            approver,
          })}`;
        return {
          executionId: wait.executionId,
          stepKey: wait.stepKey,
          workflowId: execution?.workflowId ?? null,
          approvers: info.approvers,
          message: info.message,
          expiresAt: info.expiresAt,
          createdAt: wait.createdAt,
          links: info.approvers.map((approver) => ({
            approver,
            approve: link('approve', approver),
            reject: link('reject', approver),
          })),
        };
      }),
    );
  }

  /** The pending approval of one step; 404 when there is none, 409 once decided. */
  async pending(ref: { executionId: string; stepKey: string }): Promise<ApprovalInfo> {
    const wait = await this.options.store.getWait(ref);
    if (wait?.eventName === APPROVAL_EVENT) return approvalInfo(wait);
    throw await this.notPending(ref);
  }

  /** Records a decision and resumes the execution out of `approved` or `rejected`. */
  async decide(input: {
    executionId: string;
    stepKey: string;
    decision: ApprovalDecision;
    comment?: string;
    via: 'api' | 'link';
    /** From `request.user` (API) or the link's approver. */
    user?: ApprovalUser;
    approver?: string;
  }): Promise<ApprovalOutcome & { executionId: string; stepKey: string }> {
    const { engine, store } = this.options;
    const ref = { executionId: input.executionId, stepKey: input.stepKey };
    const info = await this.pending(ref);
    if (input.user !== undefined) assertMayDecide(input.user, info.approvers);
    const loaded = await store.loadExecution(input.executionId);
    const step = loaded?.steps.find((s) => s.key === input.stepKey);
    const outcome: ApprovalOutcome = {
      decision: PORT_OF[input.decision],
      comment: input.comment ?? null,
      decidedBy: input.user?.email ?? input.user?.id ?? input.approver ?? null,
      decidedAt: new Date(engine.clock.now()).toISOString(),
      via: input.via,
    };
    let result: 'resolved' | 'not-waiting';
    try {
      result = await engine.resolveWait({
        ...ref,
        eventName: APPROVAL_EVENT,
        port: outcome.decision,
        value: { ...outcome, input: step?.input ?? null },
      });
    } catch (error) {
      // Someone else changed the execution at the same moment (another decision).
      if (error instanceof FlowstateError && error.code === 'CONFLICT')
        throw await this.notPending(ref);
      throw error;
    }
    if (result === 'not-waiting') throw await this.notPending(ref);
    return { ...ref, ...outcome };
  }

  /** 409 when the approval was decided, timed out or cancelled; 404 when there is none. */
  private async notPending(ref: { executionId: string; stepKey: string }): Promise<FlowstateError> {
    const loaded = await this.options.store.loadExecution(ref.executionId);
    const step = loaded?.steps.find((s) => s.key === ref.stepKey);
    const output = isJsonObject(step?.output) ? step.output : {};
    const decision = typeof output['decision'] === 'string' ? output['decision'] : undefined;
    if (!step || (decision === undefined && step.status !== 'cancelled')) {
      return httpError(
        'APPROVAL_NOT_FOUND',
        `No approval for step "${ref.stepKey}" of execution "${ref.executionId}".`,
      );
    }
    const by = typeof output['decidedBy'] === 'string' ? ` by ${output['decidedBy']}` : '';
    const decided = decision === undefined ? step.status : `${decision}${by}`;
    return httpError(
      'APPROVAL_ALREADY_DECIDED',
      `The approval of step "${ref.stepKey}" of execution "${ref.executionId}" is no longer pending (${decided}).`,
    );
  }
}

/** Approvers and admins may decide; the `role` and identity come from authentication. */
export function assertMayDecide(user: ApprovalUser, approvers: readonly string[]): void {
  if (user.role === 'owner' || user.role === 'admin') return;
  const email = user.email?.toLowerCase();
  const allowed = approvers.some(
    (approver) => approver === user.id || (email !== undefined && approver.toLowerCase() === email),
  );
  if (!allowed) {
    throw httpError(
      'FORBIDDEN',
      `You are not an approver of this step; approvers: ${approvers.join(', ')}.`,
    );
  }
}

function approvalInfo(wait: WaitRecord): ApprovalInfo {
  const info = (isJsonObject(wait.info) ? wait.info : {}) as Record<string, JsonValue>;
  return {
    approvers: Array.isArray(info['approvers'])
      ? info['approvers'].filter((a): a is string => typeof a === 'string')
      : [],
    message: typeof info['message'] === 'string' ? info['message'] : '',
    expiresAt: typeof info['expiresAt'] === 'number' ? info['expiresAt'] : null,
  };
}
