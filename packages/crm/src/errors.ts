import { FlowstateError, type ErrorDetail } from '@flowstate/core';

/**
 * Codes of the CRM's errors; the server maps them to HTTP statuses in its one table.
 * `STAGE_RULE_FAILED` is a guardrail refusing a stage change (422).
 */
export const CRM_ERROR_CODES = {
  CRM_RECORD_NOT_FOUND: 404,
  PIPELINE_NOT_FOUND: 404,
  CRM_TEMPLATE_NOT_FOUND: 404,
  STAGE_NOT_FOUND: 422,
  STAGE_RULE_FAILED: 422,
  INVALID_CUSTOM_FIELD: 422,
  INVALID_RECORD: 422,
  INVALID_FILTER: 400,
  INVALID_SORT: 400,
  INVALID_CURSOR: 400,
  INVALID_SCORE_EXPRESSION: 422,
  PIPELINE_IN_USE: 409,
} as const;
export type CrmErrorCode = keyof typeof CRM_ERROR_CODES;

/** An error of the CRM domain: a stable `code`, located `details`, the facts in `facts`. */
export class CrmError extends FlowstateError {
  override name = 'CrmError';
  constructor(
    code: CrmErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** `CRM_RECORD_NOT_FOUND` for a record type and id. */
export function recordNotFound(type: string, id: string): CrmError {
  return new CrmError('CRM_RECORD_NOT_FOUND', `No ${type} with id "${id}"`, {
    details: [{ path: '/id', message: `no ${type} with this id` }],
  });
}
