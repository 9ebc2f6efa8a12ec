import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { FlowstateError, NonRetriableError, type JsonValue } from '@flowstate/core';
import {
  AddressNotAllowedError,
  createAddressPolicy,
  normalizeHostname,
  type AddressPolicyOptions,
} from './address-policy.js';
import { hasHeader, type PreparedRequest } from './build-request.js';
import { createGuardedLookup, type Resolver } from './guarded-lookup.js';
import { REDIRECT_STATUSES, redirectRequest } from './redirects.js';
import {
  decodeBody,
  readExcerpt,
  readLimited,
  responseTooLarge,
  statusError,
  toResponseHeaders,
  type ResponseHeaders,
} from './response.js';

/** Host configuration of the guarded client. */
export interface HttpClientOptions extends AddressPolicyOptions {
  /** DNS resolver; the system one by default. Tests pass a fake to simulate rebinding. */
  resolve?: Resolver;
  /** Sent unless the request sets its own User-Agent. */
  userAgent?: string;
}

/** How one logical request is sent. */
export interface FetchOptions {
  signal: AbortSignal;
  timeoutMs: number;
  maxResponseBytes: number;
  responseType: 'auto' | 'json' | 'text';
  /** Redirects to follow; 0 returns a 3xx as the response. */
  maxRedirects: number;
  /** Names of headers that carry the credential (dropped on a cross-origin redirect). */
  secretHeaders: readonly string[];
  now: Date;
}

/** A response with its body decoded. */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: JsonValue;
  /** The URL that answered (after redirects). */
  url: string;
  /** Each Location followed, in order. */
  redirects: string[];
}

/** A redirect led to an address the guard refuses; names the hop. */
export class RedirectNotAllowedError extends NonRetriableError {
  override name = 'RedirectNotAllowedError';
  constructor(
    readonly hop: number,
    readonly url: string,
    cause: AddressNotAllowedError,
  ) {
    super(`Redirect hop ${hop} to ${url} was refused: ${cause.message}`, {
      code: 'ADDRESS_NOT_ALLOWED',
      cause,
    });
  }
}

/** The guarded HTTP client behind `http.request`: every hop and page goes through `fetch`. */
export interface HttpClient {
  fetch(request: PreparedRequest, options: FetchOptions): Promise<HttpResponse>;
}

/**
 * Creates the client: an undici Agent whose `lookup` refuses blocked addresses after DNS
 * resolution, plus a check of IP-literal URLs (which never reach `lookup`) before each hop.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const policy = createAddressPolicy(options);
  const agent = new Agent({ connect: { lookup: createGuardedLookup(policy, options.resolve) } });
  const userAgent = options.userAgent ?? 'Flowstate';

  async function fetchOnce(prepared: PreparedRequest, signal: AbortSignal) {
    const hostname = normalizeHostname(new URL(prepared.url).hostname);
    if (isIP(hostname) !== 0 && !policy.allows(hostname, hostname))
      throw new AddressNotAllowedError(hostname, hostname);
    const headers = hasHeader(prepared.headers, 'user-agent')
      ? prepared.headers
      : { 'User-Agent': userAgent, ...prepared.headers };
    return request(prepared.url, {
      method: prepared.method as 'GET',
      headers,
      body: prepared.body,
      signal,
      dispatcher: agent,
    });
  }

  return {
    async fetch(first, fetchOptions) {
      const timeout = AbortSignal.timeout(fetchOptions.timeoutMs);
      const signal = AbortSignal.any([fetchOptions.signal, timeout]);
      const redirects: string[] = [];
      let current = first;
      for (let hop = 0; ; hop += 1) {
        const label = `${current.method} ${current.url}`;
        try {
          const response = await fetchOnce(current, signal).catch((error: unknown) => {
            const guard = findGuardError(error);
            if (guard && hop > 0) throw new RedirectNotAllowedError(hop, current.url, guard);
            throw error;
          });
          const headers = toResponseHeaders(response.headers);
          const location = headers['location'];
          if (REDIRECT_STATUSES.has(response.statusCode) && typeof location === 'string') {
            if (fetchOptions.maxRedirects > 0) {
              await response.body.dump();
              if (hop >= fetchOptions.maxRedirects)
                throw new NonRetriableError(
                  `${first.method} ${first.url} redirected more than ${fetchOptions.maxRedirects} times`,
                  { code: 'HTTP_TOO_MANY_REDIRECTS' },
                );
              current = redirectRequest({
                request: current,
                status: response.statusCode,
                location,
                originalUrl: first.url,
                secretHeaders: fetchOptions.secretHeaders,
              });
              redirects.push(current.url);
              continue;
            }
          }
          const failure = statusError({
            status: response.statusCode,
            request: label,
            headers,
            excerpt: response.statusCode >= 400 ? await readExcerpt(response.body) : '',
            now: fetchOptions.now,
          });
          if (failure) throw failure;
          if (Number(headers['content-length']) > fetchOptions.maxResponseBytes) {
            response.body.destroy();
            throw responseTooLarge(fetchOptions.maxResponseBytes);
          }
          const bytes = await readLimited(response.body, fetchOptions.maxResponseBytes);
          const contentType = headers['content-type'];
          const body = decodeBody(
            bytes,
            fetchOptions.responseType,
            Array.isArray(contentType) ? contentType[0] : contentType,
          );
          return { status: response.statusCode, headers, body, url: current.url, redirects };
        } catch (error) {
          throw classifyFailure(error, {
            label,
            timeout,
            cancel: fetchOptions.signal,
            timeoutMs: fetchOptions.timeoutMs,
          });
        }
      }
    },
  };
}

/** The error (ours, possibly wrapped by undici) behind a failed connection, if it was the guard. */
function findGuardError(error: unknown): AddressNotAllowedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (e instanceof AddressNotAllowedError) return e;
  }
  return undefined;
}

/** Errors we raised keep their type; aborts and network failures become retriable errors. */
function classifyFailure(
  error: unknown,
  context: { label: string; timeout: AbortSignal; cancel: AbortSignal; timeoutMs: number },
): unknown {
  if (error instanceof FlowstateError) return error;
  const guard = findGuardError(error);
  if (guard) return guard;
  if (context.cancel.aborted)
    return new FlowstateError('ABORTED', `${context.label} was aborted`, { cause: error });
  if (context.timeout.aborted)
    return new FlowstateError(
      'HTTP_TIMEOUT',
      `${context.label} timed out after ${context.timeoutMs} ms`,
      { cause: error },
    );
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  return new FlowstateError(
    'HTTP_NETWORK_ERROR',
    `${context.label} failed: ${reason}${code ? ` (${String(code)})` : ''}`,
    { cause: error },
  );
}
