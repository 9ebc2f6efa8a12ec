import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';
import { isTruthy } from './truthy.js';

const RESERVED_PORTS = new Set(['default', 'error']);

const switchCase = z.object({
  port: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 letters, digits, "_" or "-"')
    .refine((port) => !RESERVED_PORTS.has(port), 'must not be "default" or "error" (reserved)')
    .describe('The output port of this case'),
  equals: z.unknown().optional().describe('Matches when it deep-equals value'),
  when: z.unknown().optional().describe('Matches when truthy (usually an expression)'),
});

/** The ports of a switch: each case's port once, in order, then `default`. Tolerates unresolved params. */
export function switchPorts(raw: Record<string, unknown>): string[] {
  const ports = new Set<string>();
  const cases = Array.isArray(raw['cases']) ? (raw['cases'] as unknown[]) : [];
  for (const entry of cases) {
    const port =
      typeof entry === 'object' && entry !== null ? (entry as { port?: unknown }).port : undefined;
    if (typeof port === 'string' && switchCase.shape.port.safeParse(port).success) ports.add(port);
  }
  return [...ports, 'default'];
}

/**
 * Routes its input out of the first case that matches: `when` is truthy, or `equals`
 * deep-equals `value`. Nothing matches: `default`.
 */
export const flowSwitch = defineNode({
  type: 'flow.switch',
  name: 'Switch',
  group: 'control',
  description: 'Sends the input out of the first matching case, else "default".',
  icon: 'route',
  params: z.object({
    value: z.unknown().optional().describe("The value the cases' equals compare with"),
    cases: z
      .array(switchCase)
      .max(100)
      .describe('Checked in order; the first match sends the input out of its port'),
  }),
  ports: switchPorts,
  sideEffects: false,
  run(ctx) {
    const { value, cases } = ctx.params;
    const match = cases.find(
      (c) => isTruthy(c.when) || (c.equals !== undefined && isDeepStrictEqual(c.equals, value)),
    );
    return ctx.emit(match?.port ?? 'default', ctx.input);
  },
});
