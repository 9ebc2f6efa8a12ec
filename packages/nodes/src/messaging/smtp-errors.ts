import { FlowstateError, NonRetriableError } from '@flowstate/sdk';

/** What nodemailer attaches to its errors. */
interface NodemailerErrorFields {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Error codes of nodemailer that a later attempt may get past (network and timeouts). */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY']);

/** An SMTP server's permanent (5xx) refusal: sending again would be refused again. */
export class SmtpRejectedError extends NonRetriableError {
  override name = 'SmtpRejectedError';
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    options: { cause: unknown; code: string },
  ) {
    super(message, options);
  }
}

/**
 * Turns a nodemailer failure into the engine's retry vocabulary: an SMTP 4xx reply (greylisting,
 * mailbox busy, rate limit) and connection failures are retriable `FlowstateError`s; a 5xx reply,
 * failed authentication and configuration errors are {@link SmtpRejectedError}s; an abort is
 * `ABORTED` or `SMTP_TIMEOUT` depending on which signal fired.
 */
export function classifySmtpError(
  error: unknown,
  context: { server: string; cancel: AbortSignal; timeoutMs: number; timedOut: boolean },
): FlowstateError {
  const fields = (
    typeof error === 'object' && error !== null ? error : {}
  ) as NodemailerErrorFields;
  const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
  if (fields.code === 'EABORT' || context.cancel.aborted || context.timedOut) {
    if (context.cancel.aborted) {
      return new FlowstateError('ABORTED', `Sending through ${context.server} was aborted`, {
        cause: error,
      });
    }
    return new FlowstateError(
      'SMTP_TIMEOUT',
      `Sending through ${context.server} timed out after ${context.timeoutMs} ms`,
      { cause: error },
    );
  }
  const status = fields.responseCode;
  const at = fields.command === undefined ? '' : ` at ${fields.command}`;
  if (status !== undefined && status >= 400 && status < 500) {
    return new FlowstateError(
      `SMTP_${status}`,
      `${context.server} refused the message for now${at} (${status}); will retry: ${reason}`,
      { cause: error },
    );
  }
  if (status !== undefined && status >= 500) {
    const what = fields.code === 'EAUTH' ? 'rejected the credentials' : 'rejected the message';
    return new SmtpRejectedError(`${context.server} ${what}${at} (${status}): ${reason}`, status, {
      cause: error,
      code: fields.code === 'EAUTH' ? 'SMTP_AUTH_FAILED' : `SMTP_${status}`,
    });
  }
  if (fields.code !== undefined && TRANSIENT_CODES.has(fields.code)) {
    return new FlowstateError(
      'SMTP_CONNECTION_FAILED',
      `Could not talk to ${context.server}: ${reason} (${fields.code})`,
      { cause: error },
    );
  }
  return new SmtpRejectedError(
    `Sending through ${context.server} failed: ${reason}${fields.code ? ` (${fields.code})` : ''}`,
    status,
    { cause: error, code: fields.code === 'EAUTH' ? 'SMTP_AUTH_FAILED' : 'SMTP_FAILED' },
  );
}
