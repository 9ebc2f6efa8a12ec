import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { httpError } from '../errors.js';

/** A decision an approval link carries. */
export type ApprovalDecision = 'approve' | 'reject';

/** What a signed approval link says: who may decide what on which step, until when. */
export interface ApprovalTokenClaims {
  executionId: string;
  stepKey: string;
  decision: ApprovalDecision;
  /** Epoch ms after which the link no longer works. */
  expiresAt: number;
  /** The approver the link was made for (recorded as who decided). */
  approver?: string;
}

const Claims = z.object({
  e: z.string().min(1),
  s: z.string().min(1),
  d: z.enum(['approve', 'reject']),
  x: z.number().int(),
  a: z.string().optional(),
});

/**
 * Signs claims into a URL-safe token: `base64url(json).base64url(HMAC-SHA256(key, json part))`.
 * The MAC covers the execution id, step key, decision, expiry and approver.
 */
export function signApprovalToken(key: Buffer, claims: ApprovalTokenClaims): string {
  const body = Buffer.from(
    JSON.stringify({
      e: claims.executionId,
      s: claims.stepKey,
      d: claims.decision,
      x: claims.expiresAt,
      ...(claims.approver === undefined ? {} : { a: claims.approver }),
    }),
  ).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/**
 * Checks a token's signature (constant time) and expiry. Throws `INVALID_APPROVAL_TOKEN`
 * (403) for a malformed or forged token and `APPROVAL_TOKEN_EXPIRED` (410) after its expiry.
 */
export function verifyApprovalToken(key: Buffer, token: string, now: number): ApprovalTokenClaims {
  const invalid = () =>
    httpError('INVALID_APPROVAL_TOKEN', 'The approval link is invalid or was altered.', [
      { path: '/query/token', message: 'bad signature or format' },
    ]);
  const [body, signature, extra] = token.split('.');
  if (body === undefined || signature === undefined || extra !== undefined) throw invalid();
  const expected = mac(key, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let parsed;
  try {
    parsed = Claims.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    throw invalid();
  }
  if (!parsed.success) throw invalid();
  const claims = parsed.data;
  if (now > claims.x) {
    throw httpError(
      'APPROVAL_TOKEN_EXPIRED',
      `The approval link expired at ${new Date(claims.x).toISOString()}.`,
    );
  }
  return {
    executionId: claims.e,
    stepKey: claims.s,
    decision: claims.d,
    expiresAt: claims.x,
    ...(claims.a === undefined ? {} : { approver: claims.a }),
  };
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}
