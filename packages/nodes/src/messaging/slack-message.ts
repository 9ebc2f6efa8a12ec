import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonObject, type NodeType } from '@flowstate/sdk';
import type { HttpRequestNodeOptions } from '../http-request.js';
import { WebhookPoster } from './webhook-post.js';
import { CHAT_RETRY_DEFAULTS, sendChatMessage, type ChatService } from './chat-webhook.js';

/** What Slack's text error bodies mean, so a failed post says what to fix. */
const SLACK_ERRORS: Readonly<Record<string, string>> = {
  invalid_payload: 'the message is not valid Slack JSON (check blocks)',
  no_text: 'the message has neither text nor blocks',
  invalid_blocks: 'the blocks are not valid Block Kit',
  invalid_blocks_format: 'blocks must be an array of Block Kit objects',
  too_many_attachments: 'the message has too many attachments',
  invalid_token: 'the webhook URL is no longer valid; create a new one in Slack',
  no_service: 'the webhook is disabled or removed; create a new one in Slack',
  no_service_id: 'the webhook URL is incomplete',
  no_team: 'the Slack workspace of this webhook no longer exists',
  team_disabled: 'the Slack workspace of this webhook is disabled',
  action_prohibited: 'a workspace admin restricted posting to this channel',
  channel_not_found: 'the channel of this webhook no longer exists',
  channel_is_archived: 'the channel of this webhook is archived',
  posting_to_general_channel_denied: 'only admins may post to this channel',
  user_not_found: 'the user of this webhook no longer exists',
};

/** Params of `slack.message` after templating. */
export const slackMessageParams = z
  .object({
    credential: z
      .string()
      .min(1)
      .max(200)
      .describe('Id of the `webhook-url` credential holding the Slack incoming-webhook URL'),
    text: z
      .string()
      .max(40_000)
      .optional()
      .describe('Message text (Slack mrkdwn); with blocks, the fallback shown in notifications'),
    blocks: z
      .array(z.record(z.string(), z.json()))
      .max(50)
      .optional()
      .describe(
        'Block Kit blocks, e.g. `[{"type":"section","text":{"type":"mrkdwn","text":"*Hi*"}}]`',
      ),
    threadTs: z
      .string()
      .regex(/^\d+\.\d+$/, 'must be a Slack message timestamp such as 1712345678.123456')
      .optional()
      .describe('Timestamp of a parent message to reply in its thread'),
    unfurlLinks: z
      .boolean()
      .default(false)
      .describe('Let Slack show previews of links in the text'),
    timeoutMs: z
      .int()
      .min(1)
      .max(120_000)
      .default(30_000)
      .describe('Time limit of the request, in milliseconds'),
  })
  .refine((p) => (p.text ?? '').trim() !== '' || (p.blocks?.length ?? 0) > 0, {
    message: 'give a text or at least one block',
    path: ['text'],
  });
export type SlackMessageParams = z.output<typeof slackMessageParams>;

/** The JSON body Slack's incoming webhook expects. */
export function slackPayload(p: SlackMessageParams): JsonObject {
  return {
    ...(p.text === undefined ? {} : { text: p.text }),
    ...(p.blocks === undefined ? {} : { blocks: p.blocks }),
    ...(p.threadTs === undefined ? {} : { thread_ts: p.threadTs }),
    unfurl_links: p.unfurlLinks,
  };
}

function explainSlack(status: number, body: string): Error | undefined {
  if (status < 400 || status === 429 || status >= 500) return undefined;
  const code = body.trim();
  const meaning = SLACK_ERRORS[code];
  return new NonRetriableError(
    `Slack refused the message (HTTP ${status} ${code || 'without a reason'})${meaning ? `: ${meaning}` : ''}`,
    { code: `SLACK_${(code || String(status)).toUpperCase()}` },
  );
}

/**
 * Creates `slack.message`, posting to a Slack incoming webhook through the HTTP node's network
 * guard (`options` is the same host policy as `http.request`).
 *
 * @example
 * ```ts
 * const slack = createSlackMessageNode({ allowedHosts: ['127.0.0.1'] });
 * ```
 */
export function createSlackMessageNode(
  options: HttpRequestNodeOptions = {},
): NodeType<SlackMessageParams> {
  const poster = new WebhookPoster(options);
  return defineNode({
    type: 'slack.message',
    name: 'Slack message',
    group: 'action',
    description:
      'Posts a message (text and/or Block Kit blocks) to a Slack channel through an incoming webhook. Retries 429 (honouring Retry-After), 5xx and network errors.',
    icon: 'message-square',
    params: slackMessageParams,
    sideEffects: true,
    retryDefaults: CHAT_RETRY_DEFAULTS,
    timeoutMs: 150_000,
    credentials: { credential: ['webhook-url'] },
    run: (ctx) => sendChatMessage(poster, slackChat, ctx, slackPayload(ctx.params)),
  });
}

const slackChat: ChatService = {
  node: 'slack.message',
  service: 'Slack',
  sampleUrl: 'https://hooks.slack.com/services',
  explain: explainSlack,
};
