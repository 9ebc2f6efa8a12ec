import { z } from 'zod';
import { defineNode, type CredentialValue, type JsonValue } from '@flowstate/sdk';
import {
  buildEmailMessage,
  describeMessage,
  emailSendParams,
  type EmailMessage,
} from './email-message.js';
import { classifySmtpError } from './smtp-errors.js';

/** The default sender: the credential's user name when it is an email address. */
function credentialSender(credential: CredentialValue): string | undefined {
  const username = credential.data['username'];
  return typeof username === 'string' && z.email().safeParse(username).success
    ? username
    : undefined;
}

/** The nodemailer message: structured fields, so names and subjects get proper MIME encoding. */
function toMailOptions(message: EmailMessage, signal: AbortSignal) {
  return {
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: message.date,
    headers: message.extraHeaders,
    envelope: message.envelope,
    attachments: message.attachments.map(({ filename, contentType, content }) => ({
      filename,
      content,
      ...(contentType === undefined ? {} : { contentType }),
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
    signal,
  };
}

/**
 * `email.send`: sends one message through an SMTP server (an `smtp` credential). Every
 * attempt carries the same `Message-ID` and `X-Flowstate-Idempotency-Key`, so a retry after
 * a lost reply can be recognised downstream. SMTP 4xx replies and connection failures retry;
 * 5xx replies and failed authentication do not.
 */
export const emailSend = defineNode({
  type: 'email.send',
  name: 'Send email',
  group: 'action',
  description:
    'Sends an email through an SMTP server. Temporary refusals (4xx) and network errors retry; permanent ones (5xx, bad credentials) fail at once.',
  icon: 'mail',
  params: emailSendParams,
  sideEffects: true,
  retryDefaults: {
    maxAttempts: 4,
    backoff: 'exponential',
    delayMs: 30_000,
    maxDelayMs: 15 * 60_000,
    jitter: true,
  },
  timeoutMs: 330_000,
  credentials: { credential: ['smtp'] },
  async run(ctx): Promise<JsonValue> {
    const credential = ctx.credentials['credential'];
    const message = buildEmailMessage({
      params: ctx.params,
      defaultFrom: credential ? credentialSender(credential) : undefined,
      idempotencyKey: ctx.idempotencyKey,
      now: ctx.now(),
    });
    if (ctx.simulate) {
      return {
        simulated: true,
        message: describeMessage(message),
        result: {
          messageId: message.messageId,
          accepted: message.envelope.to,
          rejected: [],
          response: '250 2.0.0 OK (simulated)',
        },
      };
    }
    if (!credential) {
      throw new Error('email.send ran without its smtp credential; the engine must resolve it');
    }
    const { data } = credential;
    const host = String(data['host']);
    const port = Number(data['port'] ?? 587);
    const server = `SMTP server ${host}:${port}`;
    const { timeoutMs } = ctx.params;
    const timeout = AbortSignal.timeout(timeoutMs);
    // Loaded on first use: a server that sends no mail does not carry nodemailer.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host,
      port,
      secure: data['secure'] === true,
      ...(data['username'] === undefined
        ? {}
        : { auth: { user: String(data['username']), pass: String(data['password'] ?? '') } }),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      const info = await transport.sendMail(
        toMailOptions(message, AbortSignal.any([ctx.signal, timeout])),
      );
      const addresses = (list: unknown): string[] =>
        Array.isArray(list)
          ? list.map((a) =>
              typeof a === 'string' ? a : String((a as { address: string }).address),
            )
          : [];
      return {
        messageId: String(info.messageId),
        accepted: addresses(info.accepted),
        rejected: addresses(info.rejected),
        response: String(info.response),
      };
    } catch (error) {
      throw classifySmtpError(error, {
        server,
        cancel: ctx.signal,
        timeoutMs,
        timedOut: timeout.aborted,
      });
    } finally {
      transport.close();
    }
  },
});
