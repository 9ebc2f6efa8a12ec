/** How a notification is shown: its colour and icon in the web app. */
export type NotificationLevel = 'info' | 'success' | 'warning' | 'error';

/** Every notification level, least severe first. */
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = [
  'info',
  'success',
  'warning',
  'error',
];

/** Where a notification leads when clicked: a path inside the web app. */
export interface NotificationLink {
  /** An app path such as `/executions/exe_1`; never an absolute URL. */
  href: string;
  label?: string;
}

/**
 * One in-app notification of one user (a notification to several users is one record per
 * user, so each has its own read state).
 */
export interface NotificationRecord {
  id: string;
  userId: string;
  /**
   * Idempotency key: at most one notification per (user, key). The `notification.inapp` node
   * uses its step's idempotency key, so a retried step notifies once.
   */
  key: string;
  title: string;
  body?: string;
  level: NotificationLevel;
  link?: NotificationLink;
  /** The execution that created it, if any. */
  executionId?: string;
  createdAt: number;
  readAt?: number;
}

/** A page of notifications, newest first. */
export interface NotificationQuery {
  userId: string;
  unreadOnly?: boolean;
  limit: number;
  /** Only notifications strictly older than this cursor (the last one of the previous page). */
  before?: { createdAt: number; id: string };
}

/** In-app notifications (part of the `Store` port). */
export interface NotificationStore {
  /**
   * Inserts the notifications; one whose (userId, key) exists already is skipped. Returns the
   * records as stored: the new ones and, for skipped ones, the existing records.
   */
  createNotifications(records: readonly NotificationRecord[]): Promise<NotificationRecord[]>;
  listNotifications(query: NotificationQuery): Promise<NotificationRecord[]>;
  /** Marks one of the user's notifications read (kept if already read); false when not found. */
  markNotificationRead(input: { userId: string; id: string; now: number }): Promise<boolean>;
  /** Marks every unread notification of the user read; returns how many. */
  markAllNotificationsRead(input: { userId: string; now: number }): Promise<number>;
  countUnreadNotifications(userId: string): Promise<number>;
  /** Deletes up to `limit` notifications created before `before`; returns how many. */
  pruneNotifications(input: { before: number; limit: number }): Promise<number>;
}
