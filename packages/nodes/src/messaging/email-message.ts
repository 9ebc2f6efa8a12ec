import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NonRetriableError, type JsonObject } from '@flowstate/sdk';
import { formatMailbox, parseAddressList, type Mailbox } from './email-address.js';

/** Largest total attachment size a workflow may configure (bytes, decoded). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Headers the node sets itself; a custom header of these names would contradict the message. */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'x-flowstate-idempotency-key',
]);

const addressField = (what: string) =>
  z
    .union([z.string().min(1).max(10_000), z.array(z.string().min(1).max(1_000)).max(1_000)])
    .describe(
      `${what}: one address (\`Ann <ann@example.com>\` or \`ann@example.com\`), a comma-separated list, or an array of them`,
    );

/** One attachment, given inline (never a file path or URL: node code reads no local files). */
export const emailAttachment = z.object({
  filename: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^\r\n/\\]+$/, 'must be a file name without line breaks or slashes')
    .describe('File name shown to the recipient, e.g. `invoice-42.pdf`'),
  content: z
    .string()
    .max(MAX_ATTACHMENT_BYTES * 2)
    .describe('The file content: base64 when `encoding` is `base64`, otherwise the text itself'),
  encoding: z
    .enum(['base64', 'utf8'])
    .default('utf8')
    .describe('How `content` is written: `base64` for binary files, `utf8` for text'),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a MIME type such as application/pdf')
    .max(200)
    .optional()
    .describe('MIME type, e.g. `application/pdf`; guessed from the file name when omitted'),
});

/** Params of `email.send` after templating. */
export const emailSendParams = z.object({
  credential: z
    .string()
    .min(1)
    .max(200)
    .describe('Id of the `smtp` credential (host, port, TLS, user name, password) to send through'),
  from: z
    .string()
    .min(1)
    .max(1_000)
    .optional()
    .describe(
      "Sender, e.g. `Acme Support <support@acme.example>`; defaults to the credential's user name when that is an address",
    ),
  to: addressField('Recipients'),
  cc: addressField('Copy recipients').optional(),
  bcc: addressField('Blind copy recipients (in the envelope, not in the headers)').optional(),
  replyTo: addressField('Where replies go').optional(),
  subject: z.string().max(998).default('').describe('Subject line'),
  text: z.string().max(10_000_000).optional().describe('Plain-text body'),
  html: z
    .string()
    .max(10_000_000)
    .optional()
    .describe('HTML body (sent beside `text` when both are set)'),
  attachments: z
    .array(emailAttachment)
    .max(100)
    .default([])
    .describe('Files attached to the message, given inline as text or base64'),
  maxAttachmentBytes: z
    .int()
    .min(1)
    .max(MAX_ATTACHMENT_BYTES)
    .default(10 * 1024 * 1024)
    .describe('Upper limit of the decoded size of all attachments together, in bytes'),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid header name'),
      z
        .string()
        .max(2_000)
        .regex(/^[^\r\n]*$/, 'must not contain line breaks'),
    )
    .optional()
    .describe(
      'Extra message headers such as `X-Campaign: spring`; addressing and MIME headers are set by the node',
    ),
  timeoutMs: z
    .int()
    .min(1_000)
    .max(300_000)
    .default(60_000)
    .describe(
      'Time limit of the whole send (connecting, greeting, every SMTP reply), in milliseconds',
    ),
});
export type EmailSendParams = z.output<typeof emailSendParams>;

/** The message as the node hands it to nodemailer, and as simulation records it. */
export interface EmailMessage {
  envelope: { from: string; to: string[] };
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo: Mailbox[];
  messageId: string;
  date: Date;
  /** Custom headers plus `X-Flowstate-Idempotency-Key`. */
  extraHeaders: Record<string, string>;
  /** Every header as it will be written (before MIME encoding of non-ASCII text). */
  headers: Record<string, string>;
  subject: string;
  text?: string;
  html?: string;
  attachments: { filename: string; contentType?: string; size: number; content: Buffer }[];
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function decodeAttachment(attachment: z.output<typeof emailAttachment>, index: number): Buffer {
  if (attachment.encoding === 'utf8') return Buffer.from(attachment.content, 'utf8');
  if (!BASE64.test(attachment.content)) {
    throw new NonRetriableError(`attachments[${index}].content is not valid base64`, {
      code: 'INVALID_ATTACHMENT',
    });
  }
  return Buffer.from(attachment.content, 'base64');
}

/**
 * A Message-ID derived from the step's idempotency key: every attempt of the step sends the
 * same id, so a receiving system (or a person) can recognise a duplicate after a retry.
 */
export function messageIdFor(idempotencyKey: string, from: Mailbox): string {
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  const domain = from.address.split('@')[1] ?? 'flowstate.invalid';
  return `<flowstate.${hash}@${domain}>`;
}

/**
 * Builds and checks the message: every address parsed and validated (errors name the param),
 * attachments decoded and held to the size limit, custom headers kept off the addressing and
 * MIME headers the node sets itself.
 */
export function buildEmailMessage(options: {
  params: EmailSendParams;
  defaultFrom: string | undefined;
  idempotencyKey: string;
  now: Date;
}): EmailMessage {
  const { params } = options;
  const fromText = params.from ?? options.defaultFrom;
  if (fromText === undefined) {
    throw new NonRetriableError(
      'from: no sender given, and the credential user name is not an email address',
      { code: 'INVALID_EMAIL_ADDRESS' },
    );
  }
  const fromList = parseAddressList('from', fromText);
  const from = fromList[0];
  if (from === undefined || fromList.length > 1) {
    throw new NonRetriableError(`from: "${fromText}" must be exactly one address`, {
      code: 'INVALID_EMAIL_ADDRESS',
    });
  }
  const to = parseAddressList('to', params.to);
  const cc = parseAddressList('cc', params.cc);
  const bcc = parseAddressList('bcc', params.bcc);
  const replyTo = parseAddressList('replyTo', params.replyTo);
  if (to.length + cc.length + bcc.length === 0) {
    throw new NonRetriableError('to: at least one recipient is required', {
      code: 'INVALID_EMAIL_ADDRESS',
    });
  }
  if (params.text === undefined && params.html === undefined && params.attachments.length === 0) {
    throw new NonRetriableError('text: give a text or html body (or attachments)', {
      code: 'EMPTY_EMAIL',
    });
  }
  let total = 0;
  const attachments = params.attachments.map((attachment, index) => {
    const content = decodeAttachment(attachment, index);
    total += content.length;
    if (total > params.maxAttachmentBytes) {
      throw new NonRetriableError(
        `attachments: ${attachment.filename} brings the total above maxAttachmentBytes (${params.maxAttachmentBytes} bytes)`,
        { code: 'ATTACHMENTS_TOO_LARGE' },
      );
    }
    return {
      filename: attachment.filename,
      ...(attachment.contentType === undefined ? {} : { contentType: attachment.contentType }),
      size: content.length,
      content,
    };
  });
  for (const name of Object.keys(params.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new NonRetriableError(
        `headers.${name}: set by the node from its params; use the matching param instead`,
        { code: 'RESERVED_HEADER' },
      );
    }
  }
  const messageId = messageIdFor(options.idempotencyKey, from);
  const extraHeaders = { 'X-Flowstate-Idempotency-Key': options.idempotencyKey, ...params.headers };
  const headers: Record<string, string> = {
    From: formatMailbox(from),
    ...(to.length > 0 ? { To: to.map(formatMailbox).join(', ') } : {}),
    ...(cc.length > 0 ? { Cc: cc.map(formatMailbox).join(', ') } : {}),
    ...(replyTo.length > 0 ? { 'Reply-To': replyTo.map(formatMailbox).join(', ') } : {}),
    Subject: params.subject,
    Date: options.now.toUTCString(),
    'Message-ID': messageId,
    ...extraHeaders,
  };
  return {
    envelope: { from: from.address, to: [...to, ...cc, ...bcc].map((m) => m.address) },
    from,
    to,
    cc,
    bcc,
    replyTo,
    messageId,
    date: options.now,
    extraHeaders,
    headers,
    subject: params.subject,
    ...(params.text === undefined ? {} : { text: params.text }),
    ...(params.html === undefined ? {} : { html: params.html }),
    attachments,
  };
}

/** The message as JSON for simulation output: attachments by name, type and size. */
export function describeMessage(message: EmailMessage): JsonObject {
  return {
    envelope: message.envelope,
    headers: message.headers,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    attachments: message.attachments.map(({ filename, contentType, size }) => ({
      filename,
      ...(contentType === undefined ? {} : { contentType }),
      size,
    })),
  };
}
