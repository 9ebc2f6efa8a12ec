import { z } from 'zod';
import {
  defineNode,
  FlowstateError,
  NonRetriableError,
  type JsonObject,
  type NodeType,
} from '@flowstate/sdk';
import type { HttpRequestNodeOptions } from '../http-request.js';
import { requireObject, WebhookPoster } from './webhook-post.js';
import { CHAT_RETRY_DEFAULTS, sendChatMessage, type ChatService } from './chat-webhook.js';

/** Params of `teams.message` after templating. */
export const teamsMessageParams = z
  .object({
    credential: z
      .string()
      .min(1)
      .max(200)
      .describe(
        'Id of the `webhook-url` credential holding the Teams webhook URL (a Workflows webhook or a legacy incoming webhook)',
      ),
    format: z
      .enum(['text', 'adaptiveCard', 'messageCard'])
      .default('text')
      .describe(
        '`text`: title and text in a simple Adaptive Card; `adaptiveCard`: your Adaptive Card in `card`; `messageCard`: a legacy MessageCard in `card`, sent as is',
      ),
    title: z.string().max(1_000).optional().describe('Bold heading above the text (format `text`)'),
    text: z
      .string()
      .max(28_000)
      .optional()
      .describe('Message text, Markdown allowed (format `text`)'),
    card: z
      .json()
      .optional()
      .describe(
        'The Adaptive Card (`{"type":"AdaptiveCard","version":"1.4","body":[...]}`) or MessageCard object',
      ),
    timeoutMs: z
      .int()
      .min(1)
      .max(120_000)
      .default(30_000)
      .describe('Time limit of the request, in milliseconds'),
  })
  .refine((p) => p.format !== 'text' || (p.text ?? '').trim() !== '', {
    message: 'is required when format is text',
    path: ['text'],
  })
  .refine((p) => p.format === 'text' || p.card !== undefined, {
    message: 'is required when format is adaptiveCard or messageCard',
    path: ['card'],
  });
export type TeamsMessageParams = z.output<typeof teamsMessageParams>;

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** Wraps an Adaptive Card in the message envelope both Teams webhook kinds accept. */
function adaptiveCardMessage(card: JsonObject): JsonObject {
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content: card }],
  };
}

/** The JSON body for a Teams webhook. */
export function teamsPayload(p: TeamsMessageParams): JsonObject {
  switch (p.format) {
    case 'text':
      return adaptiveCardMessage({
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.4',
        body: [
          ...(p.title === undefined
            ? []
            : [{ type: 'TextBlock', text: p.title, weight: 'Bolder', size: 'Medium', wrap: true }]),
          { type: 'TextBlock', text: p.text ?? '', wrap: true },
        ],
      });
    case 'adaptiveCard': {
      const card = requireObject(p.card, 'card');
      if (card['type'] !== 'AdaptiveCard') {
        throw new NonRetriableError(
          'card.type must be "AdaptiveCard" when format is adaptiveCard',
          {
            code: 'INVALID_PARAMS',
          },
        );
      }
      return adaptiveCardMessage(card);
    }
    case 'messageCard':
      return requireObject(p.card, 'card');
  }
}

/**
 * Teams' answers: 4xx bodies explain themselves; legacy connectors also answer 200 with
 * "Webhook message delivery failed with error: ... HTTP error 429" when Teams throttles.
 */
function explainTeams(status: number, body: string): Error | undefined {
  if (status >= 200 && status < 300) {
    if (!/delivery failed/i.test(body)) return undefined;
    if (/\b429\b/.test(body)) {
      return new FlowstateError('TEAMS_THROTTLED', `Teams throttled the message: ${body}`);
    }
    return new NonRetriableError(`Teams did not deliver the message: ${body}`, {
      code: 'TEAMS_DELIVERY_FAILED',
    });
  }
  if (status < 400 || status === 429 || status >= 500) return undefined;
  const hint =
    status === 404 || status === 410
      ? ': the webhook no longer exists; create a new one in Teams'
      : status === 400
        ? ': the payload is not a valid card'
        : '';
  return new NonRetriableError(
    `Teams refused the message (HTTP ${status})${hint}${body ? ` — ${body}` : ''}`,
    { code: `TEAMS_HTTP_${status}` },
  );
}

/**
 * Creates `teams.message`, posting to a Microsoft Teams webhook (Workflows or legacy incoming
 * webhook) through the HTTP node's network guard.
 *
 * @example
 * ```ts
 * const teams = createTeamsMessageNode(httpOptionsFromEnv());
 * ```
 */
export function createTeamsMessageNode(
  options: HttpRequestNodeOptions = {},
): NodeType<TeamsMessageParams> {
  const poster = new WebhookPoster(options);
  return defineNode({
    type: 'teams.message',
    name: 'Teams message',
    group: 'action',
    description:
      'Posts a message or an Adaptive Card to a Microsoft Teams channel through a webhook. Retries 429 (honouring Retry-After), 5xx and network errors.',
    icon: 'message-square',
    params: teamsMessageParams,
    sideEffects: true,
    retryDefaults: CHAT_RETRY_DEFAULTS,
    timeoutMs: 150_000,
    credentials: { credential: ['webhook-url'] },
    run: (ctx) => sendChatMessage(poster, teamsChat, ctx, teamsPayload(ctx.params)),
  });
}

const teamsChat: ChatService = {
  node: 'teams.message',
  service: 'Teams',
  sampleUrl: 'https://example.webhook.office.com',
  explain: explainTeams,
};
