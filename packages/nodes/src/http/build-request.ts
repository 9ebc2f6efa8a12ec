import type { JsonValue } from '@flowstate/core';

/** Query values a request may carry; arrays repeat the key. */
export type QueryValue = string | number | boolean | (string | number | boolean)[];

/** The request the HTTP node sends (or, in simulation, records). */
export interface PreparedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

/**
 * Builds the exact request: query appended to the URL, a string body sent as text and any
 * other body as JSON (with a matching content type unless one is set), and the step's
 * idempotency key unless the user set their own.
 */
export function buildRequest(options: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: JsonValue;
  idempotencyKey: string;
}): PreparedRequest {
  const url = new URL(options.url);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value])
      url.searchParams.append(key, String(item));
  }
  const headers: Record<string, string> = { ...options.headers };
  if (!hasHeader(headers, 'idempotency-key')) headers['Idempotency-Key'] = options.idempotencyKey;
  let body: string | null = null;
  if (options.body !== undefined && options.body !== null) {
    const isText = typeof options.body === 'string';
    body = isText ? (options.body as string) : JSON.stringify(options.body);
    if (!hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
    }
  }
  return { method: options.method, url: url.toString(), headers, body };
}
