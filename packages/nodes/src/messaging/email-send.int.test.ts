import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FlowstateError, NonRetriableError, type CredentialValue } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { emailSend } from './email-send.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

const received: Received[] = [];
/** Recipients the server refuses for now (451) the first time it sees them: greylisting. */
const greylisted = new Set(['later@example.com']);
const seenGreylisted = new Set<string>();
let server: SMTPServer;
let port: number;

const address = (a: SMTPServerAddress | false): string => (a === false ? '' : a.address);

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

beforeAll(async () => {
  server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer@example.com' && auth.password === 's3cret') {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError('Invalid username or password', 535));
      }
    },
    onRcptTo(rcpt, _session, callback) {
      if (rcpt.address.endsWith('@blocked.example')) {
        callback(smtpError('Mailbox unavailable', 550));
      } else if (greylisted.has(rcpt.address) && !seenGreylisted.has(rcpt.address)) {
        seenGreylisted.add(rcpt.address);
        callback(smtpError('Greylisted, try again later', 451));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          received.push({
            from: address(session.envelope.mailFrom),
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed,
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

const smtp = (password = 's3cret'): CredentialValue => ({
  id: 'cred-smtp',
  name: 'Test SMTP',
  type: 'smtp',
  data: { host: '127.0.0.1', port, secure: false, username: 'mailer@example.com', password },
});

const send = (params: Record<string, unknown>, options: Parameters<typeof testNode>[1] = {}) =>
  testNode(emailSend, {
    credentials: { credential: smtp() },
    executionId: 'exec-1',
    ...options,
    params: { credential: 'cred-smtp', ...params },
  });

describe('email.send against a real SMTP server (smtp-server, AUTH)', () => {
  test('sends the message with addresses, bodies, attachments and the idempotency headers', async () => {
    const result = await send({
      from: 'Acme Support <support@acme.example>',
      to: ['Ann Lee <ann@example.com>', 'bob@example.com'],
      cc: 'carol@example.com',
      bcc: 'audit@example.com',
      replyTo: 'help@acme.example',
      subject: 'Your invoice – März',
      text: 'Hello Ann',
      html: '<p>Hello <b>Ann</b></p>',
      headers: { 'X-Campaign': 'spring' },
      attachments: [
        { filename: 'note.txt', content: 'plain attachment', contentType: 'text/plain' },
        {
          filename: 'data.bin',
          content: Buffer.from([0, 1, 2, 255]).toString('base64'),
          encoding: 'base64',
          contentType: 'application/octet-stream',
        },
      ],
    });
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.from).toBe('support@acme.example');
    expect(mail.to).toEqual([
      'ann@example.com',
      'bob@example.com',
      'carol@example.com',
      'audit@example.com',
    ]);
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    const parsed = mail.parsed;
    expect(parsed.subject).toBe('Your invoice – März');
    expect(parsed.text?.trim()).toBe('Hello Ann');
    expect(parsed.html).toBe('<p>Hello <b>Ann</b></p>');
    expect(parsed.from?.value).toEqual([{ name: 'Acme Support', address: 'support@acme.example' }]);
    expect(parsed.replyTo?.text).toBe('help@acme.example');
    expect(parsed.headers.get('x-campaign')).toBe('spring');
    expect(parsed.headers.get('x-flowstate-idempotency-key')).toBe('exec-1:test-node');
    expect(parsed.messageId).toMatch(/^<flowstate\.[0-9a-f]{32}@acme\.example>$/);
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, [...a.content]])).toEqual([
      ['note.txt', 'text/plain', [...Buffer.from('plain attachment')]],
      ['data.bin', 'application/octet-stream', [0, 1, 2, 255]],
    ]);
    expect(result.output).toMatchObject({
      messageId: parsed.messageId,
      accepted: ['ann@example.com', 'bob@example.com', 'carol@example.com', 'audit@example.com'],
      rejected: [],
    });
    expect((result.output as { response: string }).response).toMatch(/^250 /);
  });

  test('the sender defaults to the credential user name; retries send the same Message-ID', async () => {
    await send({ to: 'ann@example.com', text: 'one' }, { attempt: 1 });
    await send({ to: 'ann@example.com', text: 'one' }, { attempt: 2 });
    expect(received.map((m) => m.from)).toEqual(['mailer@example.com', 'mailer@example.com']);
    expect(received[0]!.parsed.messageId).toBe(received[1]!.parsed.messageId);
  });

  test('a partly rejected recipient list reports the rejected addresses', async () => {
    const result = await send({ to: ['ann@example.com', 'x@blocked.example'], text: 'hi' });
    expect(result.output).toMatchObject({
      accepted: ['ann@example.com'],
      rejected: ['x@blocked.example'],
    });
    expect(received[0]!.to).toEqual(['ann@example.com']);
  });

  test('wrong credentials fail without retry', async () => {
    const failure = send(
      { to: 'ann@example.com', text: 'hi' },
      { credentials: { credential: smtp('wrong') } },
    );
    await expect(failure).rejects.toBeInstanceOf(NonRetriableError);
    await expect(failure).rejects.toMatchObject({ code: 'SMTP_AUTH_FAILED' });
    await expect(failure).rejects.toThrow(/rejected the credentials.*535/);
    expect(received).toHaveLength(0);
  });

  test('a temporary 4xx refusal is retriable and the next attempt delivers', async () => {
    const first = send({ to: 'later@example.com', text: 'greylisted' });
    await expect(first).rejects.toBeInstanceOf(FlowstateError);
    await expect(first).rejects.not.toBeInstanceOf(NonRetriableError);
    await expect(first).rejects.toMatchObject({ code: 'SMTP_451' });
    expect(received).toHaveLength(0);

    const second = await send({ to: 'later@example.com', text: 'greylisted' }, { attempt: 2 });
    expect(second.output).toMatchObject({ accepted: ['later@example.com'] });
    expect(received).toHaveLength(1);
  });

  test('a permanent 5xx refusal of every recipient is not retried', async () => {
    const failure = send({ to: 'x@blocked.example', text: 'hi' });
    await expect(failure).rejects.toBeInstanceOf(NonRetriableError);
    await expect(failure).rejects.toMatchObject({ code: 'SMTP_550' });
    expect(received).toHaveLength(0);
  });

  test('a refused connection is retriable', async () => {
    const closed = { ...smtp(), data: { ...smtp().data, port: 1 } };
    const failure = send(
      { to: 'ann@example.com', text: 'hi' },
      { credentials: { credential: closed } },
    );
    await expect(failure).rejects.toMatchObject({ code: 'SMTP_CONNECTION_FAILED' });
    await expect(failure).rejects.not.toBeInstanceOf(NonRetriableError);
  });

  test('cancellation aborts the send', async () => {
    const controller = new AbortController();
    controller.abort();
    const failure = send({ to: 'ann@example.com', text: 'hi' }, { signal: controller.signal });
    await expect(failure).rejects.toMatchObject({ code: 'ABORTED' });
    expect(received).toHaveLength(0);
  });

  test('simulation records the exact message and connects to nothing', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const result = await send(
      {
        from: 'support@acme.example',
        to: 'ann@example.com',
        bcc: ['audit@example.com'],
        subject: 'Hi',
        text: 'Hello',
        attachments: [{ filename: 'a.txt', content: 'abc' }],
      },
      { simulate: true, now, credentials: {} },
    );
    expect(received).toHaveLength(0);
    expect(result.output).toEqual({
      simulated: true,
      message: {
        envelope: { from: 'support@acme.example', to: ['ann@example.com', 'audit@example.com'] },
        headers: {
          From: 'support@acme.example',
          To: 'ann@example.com',
          Subject: 'Hi',
          Date: now.toUTCString(),
          'Message-ID': expect.stringMatching(/^<flowstate\.[0-9a-f]{32}@acme\.example>$/),
          'X-Flowstate-Idempotency-Key': 'exec-1:test-node',
        },
        text: 'Hello',
        attachments: [{ filename: 'a.txt', size: 3 }],
      },
      result: {
        messageId: expect.stringMatching(/^<flowstate\./),
        accepted: ['ann@example.com', 'audit@example.com'],
        rejected: [],
        response: '250 2.0.0 OK (simulated)',
      },
    });
  });
});

describe('email.send input checks', () => {
  test.each([
    [{ to: 'ann@', text: 'x' }, 'to: "ann@" is not a valid email address'],
    [
      { to: ['ann@example.com', 'nobody'], text: 'x' },
      'to[1]: "nobody" is not a valid email address',
    ],
    [{ to: 'ann@example.com' }, 'give a text or html body'],
    [
      { to: 'ann@example.com', text: 'x', headers: { Bcc: 'eve@x.test' } },
      'headers.Bcc: set by the node',
    ],
    [
      {
        to: 'ann@example.com',
        text: 'x',
        attachments: [{ filename: 'a', content: '!!', encoding: 'base64' }],
      },
      'attachments[0].content is not valid base64',
    ],
    [
      {
        to: 'ann@example.com',
        text: 'x',
        maxAttachmentBytes: 4,
        attachments: [{ filename: 'big.txt', content: 'hello' }],
      },
      'big.txt brings the total above maxAttachmentBytes (4 bytes)',
    ],
    [
      { to: 'ann@example.com', text: 'x', from: 'a@example.com, b@example.com' },
      'must be exactly one address',
    ],
  ])('%j', async (params, message) => {
    const failure = send(params, { simulate: true });
    await expect(failure).rejects.toBeInstanceOf(NonRetriableError);
    await expect(failure).rejects.toThrow(message);
  });
});
