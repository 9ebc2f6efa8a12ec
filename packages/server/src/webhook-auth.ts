import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedCredential, WebhookDeliveryStore } from '@flowstate/engine';
import { safeEqual } from './auth/tokens.js';
import { httpError } from './errors.js';
import type { WebhookAuth, WebhookRoute } from './webhook-router.js';

/** What {@link WebhookAuthenticator} needs. */
export interface WebhookAuthOptions {
  /** Decrypted credentials by id (cached: this runs on every call of a protected webhook). */
  credential(id: string): Promise<ResolvedCredential | undefined>;
  deliveries: WebhookDeliveryStore;
  logger: FastifyBaseLogger;
  now?: () => number;
}

/** The credential type each auth mode needs. */
const CREDENTIAL_TYPE: Readonly<Record<WebhookAuth['type'], string>> = {
  header: 'header',
  basic: 'basic',
  hmac: 'secret',
};

/**
 * Checks a webhook call against its trigger's `auth` (header token, basic or Standard
 * Webhooks HMAC), throwing 401 with a message that says what was wrong. Returns the names of
 * request headers that carried the secret, to be redacted from the execution's input.
 */
export class WebhookAuthenticator {
  readonly #options: WebhookAuthOptions;
  readonly #now: () => number;

  constructor(options: WebhookAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async verify(
    route: WebhookRoute,
    auth: WebhookAuth,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<readonly string[]> {
    const credential = await this.#options.credential(auth.credential);
    if (!credential || credential.type !== CREDENTIAL_TYPE[auth.type]) {
      this.#options.logger.error(
        { workflowId: route.workflowId, credential: auth.credential, found: credential?.type },
        `webhook /hooks/${route.path}: its ${auth.type} auth needs a ${CREDENTIAL_TYPE[auth.type]} credential`,
      );
      throw httpError(
        'WEBHOOK_AUTH_MISCONFIGURED',
        'This webhook’s authentication is misconfigured on the server (its credential is missing or of the wrong type).',
      );
    }
    switch (auth.type) {
      case 'header':
        return checkHeader(credential, request);
      case 'basic':
        return checkBasic(credential, request, reply);
      case 'hmac':
        await this.#checkSignature(route, auth.toleranceSeconds, credential, request);
        return [];
    }
  }

  async #checkSignature(
    route: WebhookRoute,
    toleranceSeconds: number,
    credential: ResolvedCredential,
    request: FastifyRequest,
  ): Promise<void> {
    const id = header(request, 'webhook-id');
    const timestamp = header(request, 'webhook-timestamp');
    const signatures = header(request, 'webhook-signature');
    const missing = [
      ['webhook-id', id],
      ['webhook-timestamp', timestamp],
      ['webhook-signature', signatures],
    ].filter(([, value]) => value === undefined);
    if (missing.length > 0) {
      throw unauthorized(
        `Missing signature header(s): ${missing.map(([name]) => name).join(', ')}.`,
      );
    }
    if (!/^\d{1,12}$/.test(timestamp!))
      throw unauthorized('webhook-timestamp must be whole seconds since 1970.');
    const now = this.#now();
    const skew = Math.abs(Math.floor(now / 1000) - Number(timestamp));
    if (skew > toleranceSeconds) {
      throw unauthorized(
        `webhook-timestamp is ${skew} s away from the server's clock; at most ${toleranceSeconds} s is accepted.`,
      );
    }
    const expected = createHmac('sha256', hmacKey(String(credential.data['value'])))
      .update(`${id}.${timestamp}.`)
      .update(request.rawBody ?? '', 'utf8')
      .digest();
    const matches = signatures!.split(' ').some((entry) => {
      const [version, value] = entry.split(',', 2);
      if (version !== 'v1' || value === undefined) return false;
      const given = Buffer.from(value, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!matches) {
      throw unauthorized(
        'webhook-signature does not match: expected "v1,<base64 HMAC-SHA256 of webhook-id.webhook-timestamp.body>".',
      );
    }
    const fresh = await this.#options.deliveries.recordWebhookDelivery({
      scope: `${route.workflowId}:${route.triggerNodeId}`,
      id: id!,
      now,
      expiresAt: now + 2 * toleranceSeconds * 1000,
    });
    if (!fresh) throw httpError('WEBHOOK_REPLAYED', `Delivery ${id} was already received.`);
  }
}

function checkHeader(credential: ResolvedCredential, request: FastifyRequest): readonly string[] {
  const name = String(credential.data['name']).toLowerCase();
  const given = header(request, name);
  if (given === undefined || !safeEqual(given, String(credential.data['value']))) {
    throw unauthorized(`Missing or wrong ${name} header.`);
  }
  return [name];
}

function checkBasic(
  credential: ResolvedCredential,
  request: FastifyRequest,
  reply: FastifyReply,
): readonly string[] {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header(request, 'authorization') ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const userOk = safeEqual(decoded.slice(0, colon), String(credential.data['username']));
  const passwordOk = safeEqual(decoded.slice(colon + 1), String(credential.data['password']));
  if (colon < 0 || !userOk || !passwordOk) {
    reply.header('www-authenticate', 'Basic realm="flowstate-webhook", charset="UTF-8"');
    throw unauthorized('Missing or wrong basic credentials (Authorization: Basic).');
  }
  return ['authorization'];
}

/** A Standard Webhooks secret (`whsec_` + base64) is its decoded bytes; anything else its text. */
function hmacKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function unauthorized(message: string) {
  return httpError('WEBHOOK_UNAUTHORIZED', message);
}

/**
 * Standard Webhooks signature of a delivery, as a sender computes it (`v1,<base64>`): for tests
 * and for workflows that call other Flowstate instances.
 */
export function signWebhook(input: {
  secret: string;
  id: string;
  timestamp: number;
  body: string;
}): string {
  const mac = createHmac('sha256', hmacKey(input.secret))
    .update(`${input.id}.${input.timestamp}.${input.body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}
