import type { RetryPolicy } from '@flowstate/core';
import type { JsonObject, JsonValue, NodeContext } from '@flowstate/sdk';
import { webhookUrl, type ExplainFailure, type WebhookPoster } from './webhook-post.js';

/** Retry defaults of the chat nodes: throttling (429) and 5xx answers are short-lived. */
export const CHAT_RETRY_DEFAULTS: Partial<RetryPolicy> = {
  maxAttempts: 4,
  backoff: 'exponential',
  delayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: true,
};

/** How one chat service (Slack, Teams) differs from the others. */
export interface ChatService {
  /** The node type, named in a missing-credential error. */
  node: string;
  /** Named in error messages (`Slack webhook https://… answered HTTP 503`). */
  service: string;
  /** Shown in simulation when no credential is set. */
  sampleUrl: string;
  explain: ExplainFailure;
}

/**
 * One attempt of a chat node: posts `body` to the `credential` param's webhook URL, or in
 * simulation returns the request it would send (the URL's secret path masked).
 */
export async function sendChatMessage(
  poster: WebhookPoster,
  chat: ChatService,
  ctx: NodeContext<{ timeoutMs: number }>,
  body: JsonObject,
): Promise<JsonValue> {
  const credential = ctx.credentials['credential'];
  if (ctx.simulate) {
    const url =
      typeof credential?.data['url'] === 'string' ? credential.data['url'] : chat.sampleUrl;
    return { simulated: true, request: { ...poster.describe(url, body) }, result: { ok: true } };
  }
  const answer = await poster.post({
    url: webhookUrl(credential, chat.node),
    body,
    service: chat.service,
    signal: ctx.signal,
    timeoutMs: ctx.params.timeoutMs,
    now: ctx.now(),
    explain: chat.explain,
  });
  return { ok: true, status: answer.status, response: answer.body };
}
