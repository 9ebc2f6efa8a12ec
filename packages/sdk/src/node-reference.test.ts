import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineNode, renderNodeReference } from './index.js';

const send = defineNode({
  type: 'acme.send',
  name: 'Send | notify',
  group: 'action',
  description: 'Sends a message.',
  params: z.object({
    to: z.email().describe('Recipient address'),
    channel: z.enum(['email', 'sms']).default('email').describe('How to send it'),
    options: z
      .object({ priority: z.int().min(1).max(5).optional().describe('1 is highest') })
      .optional(),
    tags: z.array(z.object({ name: z.string().describe('Tag name') })).default([]),
    credential: z.string().optional().describe('Credential id'),
  }),
  sideEffects: true,
  credentials: { credential: ['bearer'] },
  retryDefaults: { maxAttempts: 3, backoff: 'exponential', delayMs: 1000 },
  timeoutMs: 30_000,
  docs: 'Example:\n\n```json\n{ "to": "ann@example.com" }\n```',
  run: () => null,
});

const route = defineNode({
  type: 'acme.route',
  name: 'Route',
  group: 'control',
  description: 'Routes by case.',
  params: z.object({ cases: z.array(z.string()) }),
  ports: (raw) => [...((raw['cases'] as string[] | undefined) ?? []), 'default'],
  sideEffects: false,
  run: () => null,
});

describe('renderNodeReference', () => {
  const files = renderNodeReference([send, route], { command: 'make docs' });

  test('writes an index by group and one page per node', () => {
    expect(Object.keys(files)).toEqual(['README.md', 'acme.send.md', 'acme.route.md']);
    expect(files['README.md']).toContain('## Actions');
    expect(files['README.md']).toContain(
      '| [Send \\| notify](acme.send.md) | `acme.send` | Sends a message. |',
    );
    expect(files['README.md']!.indexOf('## Actions')).toBeLessThan(
      files['README.md']!.indexOf('## Flow control'),
    );
    expect(files['README.md']).toContain('by `make docs`; do not edit.');
  });

  test('a page lists the facts and a params table from the JSON Schema', () => {
    const page = files['acme.send.md']!;
    expect(page).toContain('| Side effects | yes |');
    expect(page).toContain('| Credentials | `credential`: bearer |');
    expect(page).toContain('| Retry defaults | 3 attempts, exponential backoff, from 1,000 ms |');
    expect(page).toContain('| Attempt timeout | 30,000 ms |');
    expect(page).toContain('| `to` | string (email) | yes |  | Recipient address |');
    expect(page).toContain('| `channel` | "email" \\| "sms" | no | `"email"` | How to send it |');
    expect(page).toContain('| `options.priority` | integer (1..5) | no |  | 1 is highest |');
    expect(page).toContain('| `tags[].name` | string | no |  | Tag name |');
    expect(page).toMatch(/## Notes\n\nExample:\n\n```json\n/);
  });

  test('dynamic ports are described with their value for empty params', () => {
    expect(files['acme.route.md']).toContain(
      '| Output ports | depend on the params (with none: `default`) |',
    );
  });

  test('is deterministic whatever the input order', () => {
    expect(renderNodeReference([route, send], { command: 'make docs' })).toEqual(files);
  });
});
