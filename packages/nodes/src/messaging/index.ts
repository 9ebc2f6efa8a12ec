import type { NodeType } from '@flowstate/sdk';
import type { HttpRequestNodeOptions } from '../http-request.js';
import { emailSend } from './email-send.js';
import { createNotificationInappNode, type NotifyFunction } from './notification-inapp.js';
import { createSlackMessageNode } from './slack-message.js';
import { createTeamsMessageNode } from './teams-message.js';

export { emailSend } from './email-send.js';
export { emailSendParams, MAX_ATTACHMENT_BYTES, type EmailSendParams } from './email-message.js';
export { InvalidAddressError, parseAddressList, type Mailbox } from './email-address.js';
export { SmtpRejectedError } from './smtp-errors.js';
export { createSlackMessageNode, slackMessageParams } from './slack-message.js';
export { createTeamsMessageNode, teamsMessageParams } from './teams-message.js';
export {
  createNotificationInappNode,
  notificationInappParams,
  type InAppNotification,
  type NotificationRecipients,
  type NotifyFunction,
  type NotifyResult,
} from './notification-inapp.js';

/** Host services and policy of the messaging nodes. */
export interface MessagingNodesOptions {
  /** Network policy of `slack.message` and `teams.message` (the same as `http.request`'s). */
  http?: HttpRequestNodeOptions;
  /** Stores in-app notifications (the server passes one); without it the node cannot run. */
  notify?: NotifyFunction;
}

/** The messaging nodes: `email.send`, `slack.message`, `teams.message`, `notification.inapp`. */
export function createMessagingNodes(options: MessagingNodesOptions = {}): NodeType<any>[] {
  return [
    emailSend,
    createSlackMessageNode(options.http),
    createTeamsMessageNode(options.http),
    createNotificationInappNode(options.notify),
  ];
}
