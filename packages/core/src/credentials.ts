import { z } from 'zod';

/**
 * One kind of credential: the Zod schema of its fields and which of them are secret. Secret
 * fields are encrypted at rest, never returned by the API and redacted from journals and logs;
 * the other fields (a header name, a user name, a host) are shown so people can tell
 * credentials apart.
 */
export interface CredentialTypeDefinition {
  readonly type: string;
  readonly label: string;
  readonly schema: z.ZodObject;
  readonly secretFields: readonly string[];
}

const text = z.string().min(1).max(10_000);
const secret = z.string().min(1).max(65_536);

function define(
  type: string,
  label: string,
  shape: z.ZodRawShape,
  secretFields: readonly string[],
): CredentialTypeDefinition {
  return { type, label, schema: z.strictObject(shape), secretFields };
}

/**
 * The built-in credential types, by id:
 * - `header`: one HTTP header (`name`, secret `value`), e.g. `X-Api-Key`;
 * - `bearer`: a bearer token sent as `Authorization: Bearer <token>`;
 * - `basic`: HTTP basic auth (`username`, secret `password`);
 * - `smtp`: an SMTP server (`host`, `port`, `secure`, `username`, secret `password`);
 * - `database-url`: a connection URL such as `postgres://user:pass@host/db` (all of it secret);
 * - `oauth2-client-credentials`: `tokenUrl`, `clientId`, secret `clientSecret`, `scope`, `audience`;
 * - `secret`: a generic secret `value` (HMAC webhook secrets, API passwords);
 * - `webhook-url`: an incoming-webhook `url` (Slack, Microsoft Teams), secret because anyone
 *   holding it can post to the channel.
 */
export const CREDENTIAL_TYPES: Readonly<Record<string, CredentialTypeDefinition>> = Object.freeze(
  Object.fromEntries(
    [
      define(
        'header',
        'HTTP header',
        {
          name: z
            .string()
            .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/, 'must be a valid HTTP header name'),
          value: secret,
        },
        ['value'],
      ),
      define('bearer', 'Bearer token', { token: secret }, ['token']),
      define('basic', 'Basic auth', { username: text, password: secret }, ['password']),
      define(
        'smtp',
        'SMTP server',
        {
          host: text,
          port: z.int().min(1).max(65_535).default(587),
          secure: z.boolean().default(false),
          username: text.optional(),
          password: secret.optional(),
        },
        ['password'],
      ),
      define(
        'database-url',
        'Database URL',
        { url: z.url({ error: 'must be a URL such as postgres://user:pass@host/db' }) },
        ['url'],
      ),
      define(
        'oauth2-client-credentials',
        'OAuth2 client credentials',
        {
          tokenUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
          clientId: text,
          clientSecret: secret,
          scope: text.optional(),
          audience: text.optional(),
        },
        ['clientSecret'],
      ),
      define('secret', 'Generic secret', { value: secret }, ['value']),
      define(
        'webhook-url',
        'Incoming webhook URL',
        {
          url: z.url({
            protocol: /^https?$/,
            error: 'must be an http(s) URL such as https://hooks.slack.com/services/...',
          }),
        },
        ['url'],
      ),
    ].map((definition) => [definition.type, definition]),
  ),
);

/** The id of a built-in credential type. */
export type CredentialTypeId = keyof typeof CREDENTIAL_TYPES & string;

/** Field values of a credential: what its type's schema parses to. */
export type CredentialData = Readonly<Record<string, string | number | boolean>>;

/**
 * A decrypted credential as node code receives it in `ctx.credentials[param]`. Node code may
 * use the values but must not put them in its output: the engine redacts them anyway.
 */
export interface CredentialValue {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly data: CredentialData;
}

/** The non-secret fields of credential data (what the API may show). */
export function publicCredentialFields(type: string, data: CredentialData): CredentialData {
  const secretFields = CREDENTIAL_TYPES[type]?.secretFields ?? Object.keys(data);
  return Object.fromEntries(Object.entries(data).filter(([key]) => !secretFields.includes(key)));
}

/** The secret field values of credential data, as strings. */
export function secretCredentialValues(type: string, data: CredentialData): string[] {
  const secretFields = CREDENTIAL_TYPES[type]?.secretFields ?? Object.keys(data);
  return secretFields
    .map((field) => data[field])
    .filter((value): value is string | number | boolean => value !== undefined)
    .map(String);
}
