import { z } from 'zod';
import { defineNode, NonRetriableError } from '../index.js';

/**
 * A complete third-party node in about twenty lines: typed params, validation, a pure run
 * function and a clear, non-retriable error for input that cannot work.
 */
export const slugify = defineNode({
  type: 'acme.slugify',
  name: 'Slugify',
  group: 'data',
  description: 'Turns a title into a URL slug.',
  params: z.object({ text: z.string().min(1), maxLength: z.int().min(1).max(200).default(60) }),
  sideEffects: false,
  run(ctx) {
    const slug = ctx.params.text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, ctx.params.maxLength);
    if (slug === '')
      throw new NonRetriableError(`"${ctx.params.text}" has no letters or digits to slugify`);
    return { slug };
  },
});
