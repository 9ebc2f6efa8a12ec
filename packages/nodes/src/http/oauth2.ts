import { createHash } from 'node:crypto';
import { NonRetriableError, type CredentialValue } from '@flowstate/core';
import type { FetchOptions, HttpClient } from './client.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens are refreshed this long before the server says they expire. */
const EXPIRY_MARGIN_MS = 60_000;
/** Lifetime assumed when the token response has no `expires_in`. */
const DEFAULT_LIFETIME_MS = 300_000;

/**
 * OAuth2 client-credentials tokens, fetched through the guarded client (so a `tokenUrl`
 * pointing at a private address is refused like any request) and cached per credential
 * until shortly before they expire. Concurrent requests share one token fetch.
 */
export class OAuth2TokenCache {
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  constructor(private readonly client: HttpClient) {}

  /** A valid access token for `credential`; fetched when none is cached or it is near expiry. */
  async token(
    credential: CredentialValue,
    options: Pick<FetchOptions, 'signal' | 'timeoutMs' | 'now'>,
  ): Promise<string> {
    const key = cacheKey(credential);
    const cached = this.tokens.get(key);
    if (cached) {
      const value = await cached.catch(() => undefined);
      if (value && value.expiresAt > options.now.getTime() + EXPIRY_MARGIN_MS) return value.token;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    const pending = this.fetchToken(credential, options);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return (await pending).token;
  }

  /** Forgets the token of `credential` (after the API answered 401 with it). */
  invalidate(credential: CredentialValue): void {
    this.tokens.delete(cacheKey(credential));
  }

  private async fetchToken(
    credential: CredentialValue,
    options: Pick<FetchOptions, 'signal' | 'timeoutMs' | 'now'>,
  ): Promise<CachedToken> {
    const data = credential.data;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (data['scope'] !== undefined) form.set('scope', String(data['scope']));
    if (data['audience'] !== undefined) form.set('audience', String(data['audience']));
    const basic = Buffer.from(
      `${encodeURIComponent(String(data['clientId']))}:${encodeURIComponent(String(data['clientSecret']))}`,
    ).toString('base64');
    const response = await this.client.fetch(
      {
        method: 'POST',
        url: String(data['tokenUrl']),
        headers: {
          Authorization: `Basic ${basic}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form.toString(),
      },
      {
        ...options,
        maxResponseBytes: 1024 * 1024,
        responseType: 'json',
        maxRedirects: 0,
        secretHeaders: ['authorization'],
      },
    );
    const body = response.body as Record<string, unknown> | null;
    const token = body?.['access_token'];
    if (typeof token !== 'string' || token === '')
      throw new NonRetriableError(
        `OAuth2 token endpoint of credential "${credential.name}" answered without an access_token`,
        { code: 'OAUTH2_NO_TOKEN' },
      );
    const expiresIn = Number(body?.['expires_in']);
    const lifetime =
      Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
    return { token, expiresAt: options.now.getTime() + lifetime };
  }
}

/** Per credential id and its content, so an edited credential gets a new token. */
function cacheKey(credential: CredentialValue): string {
  const digest = createHash('sha256').update(JSON.stringify(credential.data)).digest('hex');
  return `${credential.id}\0${digest}`;
}
