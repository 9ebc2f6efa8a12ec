import type { JsonValue } from '@flowstate/core';
import { encodeBody, type BodyType } from './body.js';

/** Query values a request may carry; arrays repeat the key. */
export type QueryValue = string | number | boolean | (string | number | boolean)[];

/** The request the HTTP node sends (or, in simulation, records). */
export interface PreparedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Buffer | null;
}

/** True when `headers` has `name`, whatever its case. */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

/** `url` with `query` merged in: values are percent-encoded, arrays repeat the key. */
export function withQuery(url: string, query: Record<string, QueryValue> | undefined): string {
  const merged = new URL(url);
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value])
      merged.searchParams.append(key, String(item));
  }
  return merged.toString();
}

/**
 * Builds the exact request: query merged into the URL, the body encoded per `bodyType`
 * (with a matching content type unless one is set), and the step's idempotency key unless
 * the user set their own.
 */
export function buildRequest(options: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: JsonValue;
  bodyType?: BodyType;
  idempotencyKey: string;
}): PreparedRequest {
  const headers: Record<string, string> = { ...options.headers };
  if (!hasHeader(headers, 'idempotency-key')) headers['Idempotency-Key'] = options.idempotencyKey;
  const encoded = encodeBody(options.bodyType ?? 'auto', options.body);
  if (encoded.contentType !== undefined && !hasHeader(headers, 'content-type'))
    headers['Content-Type'] = encoded.contentType;
  return {
    method: options.method,
    url: withQuery(options.url, options.query),
    headers,
    body: encoded.body,
  };
}

/** The request as JSON for simulation output: a binary body is shown as base64. */
export function recordOf(request: PreparedRequest): JsonValue {
  const body = Buffer.isBuffer(request.body)
    ? { base64: request.body.toString('base64') }
    : request.body;
  return { method: request.method, url: request.url, headers: request.headers, body };
}
