import {
  FlowstateError,
  NonRetriableError,
  RetryAfterError,
  type JsonValue,
} from '@flowstate/core';
import { parseRetryAfter } from './retry-after.js';

/** A response body stream as undici hands it over. */
export interface BodyStream extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

/** Response headers as JSON: repeated headers (set-cookie) stay arrays. */
export type ResponseHeaders = Record<string, string | string[]>;

/** A 4xx answer other than 429: the request itself is wrong, so retrying cannot help. */
export class HttpStatusError extends NonRetriableError {
  override name = 'HttpStatusError';
  constructor(
    message: string,
    readonly status: number,
    readonly bodyExcerpt: string,
  ) {
    super(message, { code: `HTTP_${status}` });
  }
}

/** The error for a body above `maxResponseBytes`: the same request would fail again. */
export function responseTooLarge(limit: number): NonRetriableError {
  return new NonRetriableError(`Response is larger than maxResponseBytes (${limit} bytes)`, {
    code: 'RESPONSE_TOO_LARGE',
  });
}

/**
 * Reads the whole body, but stops and destroys the stream as soon as it passes `limit`
 * bytes, so a huge or endless response cannot exhaust memory.
 */
export async function readLimited(body: BodyStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw responseTooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The first `max` characters of a body (read no further), for error messages. */
export async function readExcerpt(body: BodyStream, max = 300): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max * 4) break;
    }
  } catch {
    // The status is what matters; a body that fails mid-way still leaves a useful excerpt.
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Undici's raw header object as JSON. */
export function toResponseHeaders(
  raw: Record<string, string | string[] | undefined>,
): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = value;
  return headers;
}

/**
 * The error for a failed status, or undefined for success (1xx-3xx): 429 and 5xx are
 * retriable (honouring Retry-After), other 4xx are not.
 */
export function statusError(options: {
  status: number;
  request: string;
  headers: ResponseHeaders;
  excerpt: string;
  now: Date;
}): Error | undefined {
  const { status, request, headers, excerpt, now } = options;
  if (status < 400) return undefined;
  const message = `${request} answered HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
    return retryAfterMs === undefined
      ? new FlowstateError(`HTTP_${status}`, message)
      : new RetryAfterError(message, retryAfterMs, { code: `HTTP_${status}` });
  }
  return new HttpStatusError(message, status, excerpt);
}

/** Decodes a body by `responseType`; `auto` parses JSON when the content type says so. */
export function decodeBody(
  bytes: Buffer,
  responseType: 'auto' | 'json' | 'text',
  contentType: string | undefined,
): JsonValue {
  const text = bytes.toString('utf8');
  const isJsonType = /[/+]json\b/i.test(contentType ?? '');
  if (responseType === 'text') return text;
  if (responseType === 'auto' && !isJsonType) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    if (responseType === 'auto') return text;
    throw new NonRetriableError(`Response is not valid JSON: ${(error as Error).message}`, {
      code: 'INVALID_JSON_RESPONSE',
      cause: error,
    });
  }
}
