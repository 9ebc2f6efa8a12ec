import type { Migration } from './migrations.js';

/** In-app notifications: one row per recipient, (user_id, key) unique so a retry notifies once. */
export const NOTIFICATION_MIGRATION: Migration = {
  version: 5,
  name: 'notifications',
  sql: `
CREATE TABLE notifications (
  id text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key text COLLATE "C" NOT NULL,
  title text NOT NULL,
  body text,
  level text NOT NULL CHECK (level IN ('info','success','warning','error')),
  link text,
  execution_id text,
  created_at bigint NOT NULL,
  read_at bigint,
  UNIQUE (user_id, key)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, created_at DESC, id DESC)
  WHERE read_at IS NULL;
CREATE INDEX notifications_age ON notifications (created_at);
`,
};
