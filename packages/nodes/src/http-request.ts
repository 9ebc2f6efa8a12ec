import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { FlowstateError } from '@flowstate/core';
import { defineNode, type JsonValue, type NodeType } from '@flowstate/sdk';
import {
  AddressNotAllowedError,
  createAddressPolicy,
  normalizeHostname,
  type AddressPolicyOptions,
} from './http/address-policy.js';
import { buildRequest } from './http/build-request.js';
import {
  credentialHeaders,
  HTTP_CREDENTIAL_TYPES,
  withHeaders,
} from './http/credential-headers.js';
import { createGuardedLookup, type Resolver } from './http/guarded-lookup.js';
import {
  decodeBody,
  readExcerpt,
  readLimited,
  responseTooLarge,
  statusError,
  toResponseHeaders,
} from './http/response.js';

/** Host configuration of `http.request` (see {@link createHttpRequestNode}). */
export interface HttpRequestNodeOptions extends AddressPolicyOptions {
  /** DNS resolver; the system one by default. Tests pass a fake to simulate rebinding. */
  resolve?: Resolver;
  /** Sent unless the workflow sets its own User-Agent. */
  userAgent?: string;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Params of `http.request` after templating. */
export const httpRequestParams = z
  .object({
    method: z
      .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
      .default('GET')
      .describe('HTTP method'),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
      .describe(
        'Absolute http(s) URL; private and loopback addresses need FLOWSTATE_HTTP_ALLOW_HOSTS',
      ),
    headers: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe('Request headers; a credential adds its own'),
    query: z
      .record(z.string().min(1), z.union([scalar, z.array(scalar)]))
      .optional()
      .describe('Query parameters added to the URL; an array repeats the name'),
    body: z
      .json()
      .optional()
      .describe('Request body: a string is sent as is, other JSON as application/json'),
    timeoutMs: z
      .int()
      .min(1)
      .max(300_000)
      .default(30_000)
      .describe('Time for the whole request, in milliseconds'),
    maxResponseBytes: z
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .default(10 * 1024 * 1024)
      .describe('Largest response body read, in bytes; larger fails the attempt'),
    responseType: z
      .enum(['auto', 'json', 'text'])
      .default('auto')
      .describe('How to read the body; auto: JSON when the content type says so, else text'),
    /** Id of a `header`, `bearer` or `basic` credential whose headers the request carries. */
    credential: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Id of a header, bearer or basic credential whose headers the request carries'),
  })
  .refine(
    (p) => !(p.method === 'GET' || p.method === 'HEAD') || p.body === undefined || p.body === null,
    {
      message: 'GET and HEAD requests cannot have a body',
      path: ['body'],
    },
  );
export type HttpRequestParams = z.output<typeof httpRequestParams>;

/** The error (ours, possibly wrapped by undici) behind a failed connection, if it was the guard. */
function findGuardError(error: unknown): AddressNotAllowedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (e instanceof AddressNotAllowedError) return e;
  }
  return undefined;
}

/**
 * Creates the `http.request` node with a host-level network policy. Every connection goes
 * through an undici Agent whose `lookup` resolves the host, refuses private, loopback,
 * link-local, metadata, CGNAT and unspecified addresses (unless allow-listed) and connects
 * to exactly the addresses it checked. IP literals are checked before any socket is opened.
 *
 * @example
 * ```ts
 * const http = createHttpRequestNode({ allowedHosts: ['crm.internal', '10.20.0.0/16'] });
 * ```
 */
export function createHttpRequestNode(
  options: HttpRequestNodeOptions = {},
): NodeType<HttpRequestParams> {
  const policy = createAddressPolicy(options);
  const agent = new Agent({ connect: { lookup: createGuardedLookup(policy, options.resolve) } });
  const userAgent = options.userAgent ?? 'Flowstate';

  return defineNode({
    type: 'http.request',
    name: 'HTTP request',
    group: 'action',
    description: 'Calls an HTTP API. Retries network errors, 429 and 5xx (honouring Retry-After).',
    icon: 'globe',
    params: httpRequestParams,
    sideEffects: true,
    retryDefaults: {
      maxAttempts: 3,
      backoff: 'exponential',
      delayMs: 500,
      maxDelayMs: 30_000,
      jitter: true,
    },
    timeoutMs: 300_000,
    credentials: { credential: HTTP_CREDENTIAL_TYPES },
    async run(ctx): Promise<JsonValue> {
      const p = ctx.params;
      const credential = ctx.credentials['credential'];
      const prepared = buildRequest({
        ...p,
        headers: credential ? withHeaders(p.headers, credentialHeaders(credential)) : p.headers,
        idempotencyKey: ctx.idempotencyKey,
      });
      if (ctx.simulate) return { simulated: true, request: { ...prepared } };

      const hostname = normalizeHostname(new URL(prepared.url).hostname);
      if (isIP(hostname) !== 0 && !policy.allows(hostname, hostname)) {
        throw new AddressNotAllowedError(hostname, hostname);
      }
      const headers = Object.keys(prepared.headers).some((k) => k.toLowerCase() === 'user-agent')
        ? prepared.headers
        : { 'User-Agent': userAgent, ...prepared.headers };
      const timeout = AbortSignal.timeout(p.timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      const label = `${prepared.method} ${prepared.url}`;
      try {
        const response = await request(prepared.url, {
          method: prepared.method as 'GET',
          headers,
          body: prepared.body,
          signal,
          dispatcher: agent,
        });
        const responseHeaders = toResponseHeaders(response.headers);
        const failure = statusError({
          status: response.statusCode,
          request: label,
          headers: responseHeaders,
          excerpt: response.statusCode >= 400 ? await readExcerpt(response.body) : '',
          now: ctx.now(),
        });
        if (failure) throw failure;
        const declared = Number(responseHeaders['content-length']);
        if (declared > p.maxResponseBytes) {
          response.body.destroy();
          throw responseTooLarge(p.maxResponseBytes);
        }
        const bytes = await readLimited(response.body, p.maxResponseBytes);
        const contentType = responseHeaders['content-type'];
        const body: JsonValue = decodeBody(
          bytes,
          p.responseType,
          Array.isArray(contentType) ? contentType[0] : contentType,
        );
        return { status: response.statusCode, headers: responseHeaders, body };
      } catch (error) {
        throw classifyFailure(error, {
          label,
          timeout,
          cancel: ctx.signal,
          timeoutMs: p.timeoutMs,
        });
      }
    },
  });
}

/** Errors we raised keep their type; aborts and network failures become retriable errors. */
function classifyFailure(
  error: unknown,
  context: { label: string; timeout: AbortSignal; cancel: AbortSignal; timeoutMs: number },
): unknown {
  const guard = findGuardError(error);
  if (guard) return guard;
  if (error instanceof FlowstateError) return error;
  if (context.cancel.aborted) {
    return new FlowstateError('ABORTED', `${context.label} was aborted`, { cause: error });
  }
  if (context.timeout.aborted) {
    return new FlowstateError(
      'HTTP_TIMEOUT',
      `${context.label} timed out after ${context.timeoutMs} ms`,
      {
        cause: error,
      },
    );
  }
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  return new FlowstateError(
    'HTTP_NETWORK_ERROR',
    `${context.label} failed: ${reason}${code ? ` (${String(code)})` : ''}`,
    {
      cause: error,
    },
  );
}

/** Reads the host configuration from the environment: `FLOWSTATE_HTTP_ALLOW_HOSTS` (comma-separated). */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpRequestNodeOptions {
  const allowedHosts = (env['FLOWSTATE_HTTP_ALLOW_HOSTS'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return { allowedHosts };
}
