import { NonRetriableError } from '@flowstate/core';
import type { PreparedRequest } from './build-request.js';

/** Statuses that redirect (with a Location header). */
export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials; they are not sent to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** `headers` without the credential headers (`Authorization`, `Cookie`, and `secretHeaders`). */
export function withoutCredentials(
  headers: Record<string, string>,
  secretHeaders: readonly string[],
): Record<string, string> {
  const drop = new Set([...CREDENTIAL_HEADERS, ...secretHeaders.map((h) => h.toLowerCase())]);
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())),
  );
}

/**
 * The request to send after a redirect, as browsers and fetch do: 303 becomes GET (HEAD
 * stays HEAD), 301/302 turn a POST into GET, and 307/308 keep method and body. A GET
 * carries no body or content headers. When the target's origin differs from the original
 * request's, credential headers (`Authorization`, `Cookie`, and `secretHeaders`, the
 * credential's own header) are dropped.
 */
export function redirectRequest(options: {
  request: PreparedRequest;
  status: number;
  location: string;
  originalUrl: string;
  secretHeaders: readonly string[];
}): PreparedRequest {
  const { request, status } = options;
  let target: URL;
  try {
    target = new URL(options.location, request.url);
  } catch {
    throw new NonRetriableError(
      `${request.method} ${request.url} redirected to an invalid Location ${JSON.stringify(options.location)}`,
      { code: 'HTTP_BAD_REDIRECT' },
    );
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new NonRetriableError(
      `${request.method} ${request.url} redirected to ${target.protocol} (only http and https are followed)`,
      { code: 'HTTP_BAD_REDIRECT' },
    );
  const toGet =
    (status === 303 && request.method !== 'HEAD') ||
    ((status === 301 || status === 302) && request.method === 'POST');
  const dropBody = toGet || status === 303;
  const drop = new Set<string>();
  if (dropBody) ['content-type', 'content-length', 'content-encoding'].forEach((h) => drop.add(h));
  if (target.origin !== new URL(options.originalUrl).origin) {
    CREDENTIAL_HEADERS.forEach((h) => drop.add(h));
    options.secretHeaders.forEach((h) => drop.add(h.toLowerCase()));
  }
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !drop.has(name.toLowerCase())),
  );
  return {
    method: toGet ? 'GET' : request.method,
    url: target.toString(),
    headers,
    body: dropBody ? null : request.body,
  };
}
