import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useNotifications, type AppNotification } from './use-notifications';

const LEVEL_ICON: Record<AppNotification['level'], string> = {
  info: 'ℹ',
  success: '✓',
  warning: '!',
  error: '✕',
};

function when(at: number): string {
  return new Date(at).toLocaleString();
}

/**
 * The bell in the top bar: the unread count, and a panel with the latest notifications
 * (from `notification.inapp` steps). Opening a notification's link marks it read.
 */
export function NotificationBell() {
  const { unread, items, error, load, markRead, markAllRead } = useNotifications();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();

  useEffect(() => {
    if (!open) return;
    void load();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    const onClick = (event: MouseEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open, load]);

  const follow = async (notification: AppNotification) => {
    if (notification.readAt === undefined) await markRead(notification.id).catch(() => undefined);
    if (notification.link) {
      setOpen(false);
      void navigate(notification.link.href);
    }
  };

  return (
    <div className="bell" ref={panel}>
      <button
        type="button"
        aria-label={`Notifications (${unread} unread)`}
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
      >
        <svg
          className="bell-svg"
          viewBox="0 0 24 24"
          width="16"
          height="16"
          aria-hidden="true"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="unread-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="bell-panel card" role="dialog" aria-label="Notifications">
          <div className="bell-head">
            <strong>Notifications</strong>
            <button type="button" disabled={unread === 0} onClick={() => void markAllRead()}>
              Mark all read
            </button>
          </div>
          {error && <p className="error-text">{error}</p>}
          {items === undefined && !error && <p className="muted">Loading…</p>}
          {items?.length === 0 && <p className="muted">No notifications yet.</p>}
          <ul className="bell-list">
            {items?.map((n) => (
              <li
                key={n.id}
                className={`bell-item level-${n.level}${n.readAt === undefined ? ' unread' : ''}`}
                aria-label={`${n.title}${n.readAt === undefined ? ' (unread)' : ''}`}
              >
                <span className="bell-icon" aria-hidden="true">
                  {LEVEL_ICON[n.level]}
                </span>
                <div className="bell-text">
                  <div className="bell-title">{n.title}</div>
                  {n.body && <div className="bell-body">{n.body}</div>}
                  <div className="muted small">{when(n.createdAt)}</div>
                  <div className="bell-actions">
                    {n.link && (
                      <button type="button" className="link" onClick={() => void follow(n)}>
                        {n.link.label ?? 'Open'}
                      </button>
                    )}
                    {n.readAt === undefined && (
                      <button type="button" className="link" onClick={() => void markRead(n.id)}>
                        Mark read
                      </button>
                    )}
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
