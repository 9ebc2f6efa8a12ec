import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

// Practical, not RFC 5322: local part, "@", dotted domain with a 2+ letter top level.
const EMAIL = /[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;

/**
 * `example.extract-emails`: finds the e-mail addresses in a text (an inbound message, a form
 * field, a scraped page), in order of appearance, lower-cased and without duplicates.
 */
export const extractEmails = defineNode({
  type: 'example.extract-emails',
  name: 'Extract e-mail addresses',
  group: 'data',
  description: 'Finds the e-mail addresses in a text; outputs them and their count.',
  icon: 'at-sign',
  params: z.object({
    text: z.string().describe('The text to search, e.g. {{ $trigger.body.message }}'),
    unique: z.boolean().default(true).describe('Drop repeated addresses (compared lower-cased)'),
    limit: z.int().min(1).max(1000).default(100).describe('Most addresses to return'),
  }),
  ports: ['out', 'none'],
  sideEffects: false,
  docs: 'Output: `{ "emails": ["ann@example.com"], "count": 1 }` on `out`; a text without any address leaves from `none` with `{ "emails": [], "count": 0 }`, so a workflow can branch on it.',
  run(ctx) {
    const found = (ctx.params.text.match(EMAIL) ?? []).map((email) => email.toLowerCase());
    const emails = (ctx.params.unique ? [...new Set(found)] : found).slice(0, ctx.params.limit);
    const result = { emails, count: emails.length };
    return emails.length === 0 ? ctx.emit('none', result) : result;
  },
});
