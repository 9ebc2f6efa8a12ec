import { z } from 'zod';
import { defineNode, NonRetriableError } from '@flowstate/sdk';

/**
 * `example.slugify`: turns a title into a URL slug ("Hello, Wörld!" -> "hello-world").
 * Pure: same input, same output, nothing outside touched.
 */
export const slugify = defineNode({
  type: 'example.slugify',
  name: 'Slugify',
  group: 'data',
  description: 'Turns a title into a URL slug: lower case, accents removed, words joined by "-".',
  icon: 'link',
  params: z.object({
    text: z.string().min(1).describe('The text to turn into a slug, e.g. {{ $input.title }}'),
    maxLength: z.int().min(1).max(200).default(60).describe('Longest slug, in characters'),
    separator: z.enum(['-', '_']).default('-').describe('What joins the words'),
  }),
  sideEffects: false,
  docs: 'Output: `{ "slug": "hello-world" }`. Text without any letter or digit fails without retrying.',
  run(ctx) {
    const { text, maxLength, separator } = ctx.params;
    const slug = text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, separator)
      .replace(separator === '-' ? /^-+|-+$/g : /^_+|_+$/g, '')
      .slice(0, maxLength);
    if (slug === '') throw new NonRetriableError(`"${text}" has no letters or digits to slugify`);
    return { slug };
  },
});
