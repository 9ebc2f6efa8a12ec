import { z } from 'zod';
import { defineNode, type CredentialValue, type JsonValue, type NodeType } from '@flowstate/sdk';
import { BODY_TYPES } from './http/body.js';
import { buildRequest, hasHeader, recordOf, type PreparedRequest } from './http/build-request.js';
import { createHttpClient, type FetchOptions, type HttpClientOptions } from './http/client.js';
import {
  credentialHeaders,
  HTTP_CREDENTIAL_TYPES,
  withHeaders,
} from './http/credential-headers.js';
import { OAuth2TokenCache } from './http/oauth2.js';
import { paginate, paginationParams } from './http/pagination.js';
import { HttpStatusError } from './http/response.js';

/** Host configuration of `http.request` (see {@link createHttpRequestNode}). */
export type HttpRequestNodeOptions = HttpClientOptions;

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
      .describe('Absolute http(s) URL; private, loopback and metadata addresses are refused'),
    headers: z.record(z.string().min(1), z.string()).optional().describe('Request headers by name'),
    query: z
      .record(z.string().min(1), z.union([scalar, z.array(scalar)]))
      .optional()
      .describe('Query parameters merged into the URL, percent-encoded; an array repeats the key'),
    body: z.json().optional().describe('Request body; how it is sent depends on bodyType'),
    bodyType: z
      .enum(BODY_TYPES)
      .default('auto')
      .describe(
        'auto: a string as text, anything else as JSON; json; form (x-www-form-urlencoded fields); multipart (fields, and files as { base64, filename, contentType }); text; none',
      ),
    timeoutMs: z
      .int()
      .min(1)
      .max(300_000)
      .default(30_000)
      .describe('Time limit of each request (including its redirects), in milliseconds'),
    maxResponseBytes: z
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .default(10 * 1024 * 1024)
      .describe('Largest response body to read, in bytes'),
    responseType: z
      .enum(['auto', 'json', 'text'])
      .default('auto')
      .describe('auto parses JSON when the content type says so; json always; text never'),
    followRedirects: z
      .boolean()
      .default(false)
      .describe(
        'Follow 3xx redirects (each hop is checked by the network guard); off: a 3xx is the output',
      ),
    maxRedirects: z.int().min(1).max(20).default(5).describe('Most redirects to follow'),
    pagination: paginationParams
      .optional()
      .describe('Fetch several pages: next-url, offset, page or cursor mode (see the docs)'),
    credential: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Id of a header, bearer, basic or oauth2-client-credentials credential to authenticate with',
      ),
  })
  .refine(
    (p) => !(p.method === 'GET' || p.method === 'HEAD') || p.body === undefined || p.body === null,
    { message: 'GET and HEAD requests cannot have a body', path: ['body'] },
  );
export type HttpRequestParams = z.output<typeof httpRequestParams>;

/**
 * Creates the `http.request` node with a host-level network policy. Every connection (each
 * redirect hop, each page, each OAuth2 token request) goes through an undici Agent whose
 * `lookup` resolves the host, refuses private, loopback, link-local, metadata, CGNAT and
 * unspecified addresses (unless allow-listed) and connects to exactly the addresses it
 * checked. IP literals are checked before any socket is opened.
 *
 * @example
 * ```ts
 * const http = createHttpRequestNode({ allowedHosts: ['crm.internal', '10.20.0.0/16'] });
 * ```
 */
export function createHttpRequestNode(
  options: HttpRequestNodeOptions = {},
): NodeType<HttpRequestParams> {
  const client = createHttpClient(options);
  const tokens = new OAuth2TokenCache(client);

  return defineNode({
    type: 'http.request',
    name: 'HTTP request',
    group: 'action',
    description:
      'Calls an HTTP API: query and body builders, credentials (incl. OAuth2 client credentials), optional redirects and pagination. Retries network errors, 429 and 5xx (honouring Retry-After).',
    icon: 'globe',
    params: httpRequestParams,
    rawParams: ['pagination'],
    sideEffects: true,
    retryDefaults: {
      maxAttempts: 3,
      backoff: 'exponential',
      delayMs: 500,
      maxDelayMs: 30_000,
      jitter: true,
    },
    timeoutMs: 300_000,
    credentials: { credential: [...HTTP_CREDENTIAL_TYPES, 'oauth2-client-credentials'] },
    async run(ctx): Promise<JsonValue> {
      const p = ctx.params;
      const credential = ctx.credentials['credential'];
      const fetchOptions: FetchOptions = {
        signal: ctx.signal,
        timeoutMs: p.timeoutMs,
        maxResponseBytes: p.maxResponseBytes,
        responseType: p.responseType,
        maxRedirects: p.followRedirects ? p.maxRedirects : 0,
        secretHeaders: [],
        now: ctx.now(),
      };
      // A fetched access token is a secret too: an API that echoes it must not journal it.
      const oauthToken = async (oauth: CredentialValue): Promise<string> => {
        const token = await tokens.token(oauth, fetchOptions);
        ctx.redact(token);
        return token;
      };
      const authorize = async (): Promise<Record<string, string>> => {
        if (!credential) return {};
        if (credential.type !== 'oauth2-client-credentials') return credentialHeaders(credential);
        if (ctx.simulate) return { Authorization: 'Bearer [oauth2 token]' };
        return { Authorization: `Bearer ${await oauthToken(credential)}` };
      };
      const prepare = async (): Promise<PreparedRequest> => {
        const auth = await authorize();
        fetchOptions.secretHeaders = Object.keys(auth);
        return buildRequest({
          ...p,
          headers: withHeaders(p.headers, auth),
          idempotencyKey: ctx.idempotencyKey,
        });
      };
      const prepared = await prepare();
      if (ctx.simulate)
        return {
          simulated: true,
          request: recordOf(prepared),
          ...(p.pagination
            ? { note: 'only the first page request is recorded; pages are not fetched' }
            : {}),
        };
      const send = (request: PreparedRequest) =>
        withTokenRetry(
          credential,
          tokens,
          request,
          async (headers) =>
            client.fetch({ ...request, headers: headers ?? request.headers }, fetchOptions),
          async (oauth) => ({ Authorization: `Bearer ${await oauthToken(oauth)}` }),
        );
      if (p.pagination)
        return paginate(prepared, p.pagination, {
          fetch: send,
          evaluate: (expression, bindings) => ctx.evaluate(expression, bindings),
          secretHeaders: fetchOptions.secretHeaders,
          idempotencyKey: ctx.idempotencyKey,
        });
      const response = await send(prepared);
      return {
        status: response.status,
        headers: response.headers,
        body: response.body,
        ...(response.redirects.length > 0
          ? { url: response.url, redirects: response.redirects }
          : {}),
      };
    },
  });
}

/**
 * An OAuth2 token the API rejects with 401 is dropped and the request sent again, once, with
 * a fresh token; only when the request carried it (not a page on another origin).
 */
async function withTokenRetry<T>(
  credential: CredentialValue | undefined,
  tokens: OAuth2TokenCache,
  request: PreparedRequest,
  send: (headers?: Record<string, string>) => Promise<T>,
  freshAuth: (credential: CredentialValue) => Promise<Record<string, string>>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (
      credential?.type !== 'oauth2-client-credentials' ||
      !(error instanceof HttpStatusError) ||
      error.status !== 401 ||
      !hasHeader(request.headers, 'authorization')
    )
      throw error;
    tokens.invalidate(credential);
    return send(withHeaders(request.headers, await freshAuth(credential)));
  }
}

/** Reads the host configuration from the environment: `FLOWSTATE_HTTP_ALLOW_HOSTS` (comma-separated). */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpRequestNodeOptions {
  const allowedHosts = (env['FLOWSTATE_HTTP_ALLOW_HOSTS'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return { allowedHosts };
}
