import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import {
  FlowstateError,
  NonRetriableError,
  type CredentialValue,
  type JsonObject,
  type JsonValue,
} from '@flowstate/sdk';
import {
  AddressNotAllowedError,
  createAddressPolicy,
  normalizeHostname,
  type AddressPolicy,
} from '../http/address-policy.js';
import { createGuardedLookup } from '../http/guarded-lookup.js';
import { readExcerpt, statusError, toResponseHeaders } from '../http/response.js';
import type { HttpRequestNodeOptions } from '../http-request.js';

/** The request a chat node sends, or records in simulation (the secret URL path masked). */
export interface WebhookRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: JsonObject;
}

/** A successful post: the status and the body text the service answered. */
export interface WebhookAnswer {
  status: number;
  body: string;
}

/** Reads a service's error body and names the failure; return undefined to use the default. */
export type ExplainFailure = (status: number, body: string) => Error | undefined;

/**
 * Posts JSON to incoming-webhook URLs through the same network guard as `http.request`: the
 * host is resolved once, private/loopback/metadata addresses are refused unless allow-listed,
 * and redirects are not followed. The URL is a secret, so messages name only its origin.
 */
export class WebhookPoster {
  private readonly policy: AddressPolicy;
  private readonly agent: Agent;
  private readonly userAgent: string;

  constructor(options: HttpRequestNodeOptions = {}) {
    this.policy = createAddressPolicy(options);
    this.agent = new Agent({
      connect: { lookup: createGuardedLookup(this.policy, options.resolve) },
    });
    this.userAgent = options.userAgent ?? 'Flowstate';
  }

  /** The request as it would be sent, with the URL's path and query masked. */
  describe(url: string, body: JsonObject): WebhookRequest {
    return { method: 'POST', url: maskedUrl(url), headers: this.headers(), body };
  }

  /** Posts `body`; throws retriable errors for 429/5xx/network and non-retriable ones otherwise. */
  async post(options: {
    url: string;
    body: JsonObject;
    service: string;
    signal: AbortSignal;
    timeoutMs: number;
    now: Date;
    explain: ExplainFailure;
  }): Promise<WebhookAnswer> {
    const { service, timeoutMs } = options;
    const label = `${service} webhook ${new URL(options.url).origin}`;
    const hostname = normalizeHostname(new URL(options.url).hostname);
    if (isIP(hostname) !== 0 && !this.policy.allows(hostname, hostname)) {
      throw new AddressNotAllowedError(hostname, hostname);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await request(options.url, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify(options.body),
        signal: AbortSignal.any([options.signal, timeout]),
        dispatcher: this.agent,
      });
      const text = await readExcerpt(response.body, 1_000);
      const status = response.statusCode;
      if (status >= 400) {
        throw (
          options.explain(status, text) ??
          statusError({
            status,
            request: label,
            headers: toResponseHeaders(response.headers),
            excerpt: text,
            now: options.now,
          })
        );
      }
      const quirk = options.explain(status, text);
      if (quirk) throw quirk;
      return { status, body: text };
    } catch (error) {
      throw classifyNetworkFailure(error, { label, timeout, cancel: options.signal, timeoutMs });
    }
  }

  private headers(): Record<string, string> {
    return { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': this.userAgent };
  }
}

/** `https://hooks.slack.com/[redacted]`: enough to see where a message goes, not to post there. */
export function maskedUrl(url: string): string {
  return `${new URL(url).origin}/[redacted]`;
}

/** The webhook URL held by a `webhook-url` credential. */
export function webhookUrl(credential: CredentialValue | undefined, node: string): string {
  const url = credential?.data['url'];
  if (typeof url !== 'string') {
    throw new NonRetriableError(`${node} needs a webhook-url credential in param "credential"`, {
      code: 'CREDENTIAL_MISSING',
    });
  }
  return url;
}

function findGuardError(error: unknown): AddressNotAllowedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (e instanceof AddressNotAllowedError) return e;
  }
  return undefined;
}

function classifyNetworkFailure(
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
      { cause: error },
    );
  }
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  return new FlowstateError(
    'HTTP_NETWORK_ERROR',
    `${context.label} failed: ${reason}${code ? ` (${String(code)})` : ''}`,
    { cause: error },
  );
}

/** A JSON value that must be an object (cards, blocks), or a clear error naming the param. */
export function requireObject(value: JsonValue | undefined, param: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NonRetriableError(`${param} must be a JSON object`, { code: 'INVALID_PARAMS' });
  }
  return value;
}
