import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { httpError } from './errors.js';

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

/** Media types the JSON API accepts. */
export const JSON_TYPES = ['application/json'] as const;
/** Media types webhooks accept. */
export const WEBHOOK_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
] as const;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Returns the character offset at which `text` nests deeper than `limit`, or -1. A linear scan
 * that skips string contents: run before `JSON.parse` so hostile nesting never reaches a
 * recursive parser or, later, recursive code walking the value.
 */
export function findExcessiveNesting(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return -1;
}

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Parses a JSON request body: rejects excessive nesting (`JSON_TOO_DEEP`), prototype-poisoning
 * keys (`PROTO_POISONING`) and malformed text (`INVALID_JSON`), each with a clear message.
 * An empty body parses to `undefined`.
 */
export function parseJsonBody(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (text.trim() === '') return undefined;
  const at = findExcessiveNesting(text, maxDepth);
  if (at >= 0) {
    throw httpError(
      'JSON_TOO_DEEP',
      `JSON body nests deeper than ${maxDepth} levels (at character ${at}).`,
    );
  }
  try {
    return secureJson.parse(text, undefined, PARSE_OPTIONS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('forbidden prototype property')) {
      throw httpError(
        'PROTO_POISONING',
        'JSON body contains a forbidden "__proto__" or "constructor.prototype" key.',
      );
    }
    throw httpError('INVALID_JSON', `Request body is not valid JSON: ${message}`);
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` body into an object; repeated keys become
 * arrays. A `__proto__` key is refused like in JSON bodies.
 */
export function parseFormBody(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (key === '__proto__') {
      throw httpError('PROTO_POISONING', 'Form body contains a forbidden "__proto__" key.');
    }
    const existing = Object.hasOwn(result, key) ? result[key] : undefined;
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}

/** Media types with a `+json` suffix (`application/vnd.api+json`), parsed as JSON. */
const JSON_SUFFIX = /^application\/[\w.+-]+\+json$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as received, on webhook routes (HMAC signatures are computed over it). */
    rawBody: string;
  }
}

/** Replaces Fastify's JSON parser (in this encapsulation context) with `parseJsonBody`. */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json']);
  for (const type of ['application/json', JSON_SUFFIX]) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }
}

/**
 * Parsers for webhook routes: JSON as above plus `text/plain` (a string) and
 * `application/x-www-form-urlencoded` (an object). Each keeps the text it parsed in
 * `request.rawBody` for signature checks. Register inside the webhook plugin only.
 */
export function registerWebhookParsers(app: FastifyInstance): void {
  app.decorateRequest('rawBody', '');
  app.removeContentTypeParser(['application/json', 'text/plain', JSON_SUFFIX]);
  const parsers: Array<[string | RegExp, (text: string) => unknown]> = [
    ['application/json', parseJsonBody],
    [JSON_SUFFIX, parseJsonBody],
    ['text/plain', (text) => text],
    ['application/x-www-form-urlencoded', parseFormBody],
  ];
  for (const [type, parse] of parsers) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) => {
      request.rawBody = body as string;
      try {
        done(null, parse(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }
}

/** Removes parsers the JSON API does not accept (Fastify ships `text/plain`). */
export function restrictToJson(app: FastifyInstance): void {
  app.removeContentTypeParser(['text/plain']);
}
