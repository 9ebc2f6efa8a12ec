import { NonRetriableError } from './errors.js';

/** Stable codes of {@link ExpressionError}. */
export type ExpressionErrorCode =
  'EXPRESSION_SYNTAX' | 'EXPRESSION_ERROR' | 'EXPRESSION_TIMEOUT' | 'EXPRESSION_DEPTH';

/** Where an expression sits: the node, the parameter (JSON pointer) and the character offset. */
export interface ExpressionLocation {
  nodeName?: string;
  /** JSON pointer to the parameter, e.g. `/params/fields/total`. */
  path?: string;
  /**
   * 1-based character number within the parameter string (what an editor shows as the
   * column): the last character of the offending token, or the `{{` of a broken template.
   */
  position?: number;
}

/**
 * A template or JSONata expression failed to parse or to evaluate. Deterministic for the same
 * input, so it is not retried. The message names the node, the parameter and the position:
 * `Node "Compute": /params/fields/total at character 12: Expected ")" before end of expression`.
 */
export class ExpressionError extends NonRetriableError {
  override name = 'ExpressionError';
  override readonly code: ExpressionErrorCode;
  readonly nodeName: string | undefined;
  readonly path: string | undefined;
  readonly position: number | undefined;
  /** The bare reason, without the location prefix. */
  readonly reason: string;
  /** JSONata's own error code (`S0203`, `T2001`, `D1012`, ...) when the error came from it. */
  readonly jsonataCode: string | undefined;

  constructor(
    code: ExpressionErrorCode,
    reason: string,
    options: ExpressionLocation & { cause?: unknown; jsonataCode?: string } = {},
  ) {
    super(formatMessage(reason, options), { code, cause: options.cause });
    this.code = code;
    this.reason = reason;
    this.nodeName = options.nodeName;
    this.path = options.path;
    this.position = options.position;
    this.jsonataCode = options.jsonataCode;
  }

  /** A copy of this error with a wider location (the caller knows the node and the parameter). */
  locate(location: ExpressionLocation, offset = 0): ExpressionError {
    return new ExpressionError(this.code, this.reason, {
      nodeName: location.nodeName ?? this.nodeName,
      path: location.path ?? this.path,
      position: this.position === undefined ? undefined : this.position + offset,
      cause: this.cause,
      ...(this.jsonataCode === undefined ? {} : { jsonataCode: this.jsonataCode }),
    });
  }
}

/** Error object JSONata throws: a plain object, not an `Error`. */
interface JsonataFailure {
  code?: unknown;
  position?: unknown;
  message?: unknown;
}

/**
 * Converts anything JSONata (or a JSONata custom function) threw into an {@link ExpressionError}.
 * `offset` is where the expression starts in the parameter string.
 */
export function toExpressionError(
  error: unknown,
  location: ExpressionLocation & { offset?: number; phase: 'parse' | 'evaluate' },
): ExpressionError {
  if (error instanceof ExpressionError) return error.locate(location, location.offset ?? 0);
  const failure = (typeof error === 'object' && error !== null ? error : {}) as JsonataFailure;
  const jsonataCode = typeof failure.code === 'string' ? failure.code : undefined;
  const reason =
    typeof failure.message === 'string' && failure.message !== ''
      ? failure.message
      : error instanceof Error
        ? error.message
        : String(error);
  const position =
    typeof failure.position === 'number' ? failure.position + (location.offset ?? 0) : undefined;
  return new ExpressionError(classify(jsonataCode, location.phase), reason, {
    nodeName: location.nodeName,
    path: location.path,
    position,
    cause: error,
    ...(jsonataCode === undefined ? {} : { jsonataCode }),
  });
}

function classify(
  jsonataCode: string | undefined,
  phase: 'parse' | 'evaluate',
): ExpressionErrorCode {
  if (jsonataCode === 'D1012') return 'EXPRESSION_TIMEOUT';
  if (jsonataCode === 'D1011') return 'EXPRESSION_DEPTH';
  if (phase === 'parse' || jsonataCode?.startsWith('S') === true) return 'EXPRESSION_SYNTAX';
  return 'EXPRESSION_ERROR';
}

function formatMessage(reason: string, location: ExpressionLocation): string {
  const where: string[] = [];
  if (location.path !== undefined) where.push(location.path);
  if (location.position !== undefined) where.push(`at character ${location.position}`);
  const at = where.join(' ');
  if (location.nodeName !== undefined) {
    return `Node "${location.nodeName}": ${at === '' ? '' : `${at}: `}${reason}`;
  }
  return at === '' ? `Expression: ${reason}` : `Expression ${at}: ${reason}`;
}
