import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';

/** One in-app notification as `GET /api/v1/notifications` returns it. */
export interface AppNotification {
  id: string;
  title: string;
  body?: string;
  level: 'info' | 'success' | 'warning' | 'error';
  link?: { href: string; label?: string };
  executionId?: string;
  createdAt: number;
  readAt?: number;
}

/** How often the unread count is refreshed when no live event says so (ms). */
const POLL_MS = 20_000;

/**
 * The signed-in user's notifications: the unread count (kept fresh by polling and by every
 * finished execution on the live stream, since notifications come from workflows) and the
 * latest notifications, loaded on demand; plus marking them read.
 */
export function useNotifications() {
  const [unread, setUnread] = useState(0);
  const [items, setItems] = useState<AppNotification[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const refreshCount = useCallback(async () => {
    try {
      setUnread((await api<{ count: number }>('GET', '/notifications/unread-count')).count);
    } catch {
      // a failed poll keeps the last count; the next one tries again
    }
  }, []);

  const load = useCallback(async () => {
    try {
      const page = await api<{ items: AppNotification[]; unreadCount: number }>(
        'GET',
        '/notifications?limit=20',
      );
      setItems(page.items);
      setUnread(page.unreadCount);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void refreshCount();
    const timer = setInterval(() => void refreshCount(), POLL_MS);
    const source = new EventSource('/api/v1/executions/stream?steps=false');
    const onExecution = (event: MessageEvent<string>) => {
      const { status } = JSON.parse(event.data) as { status: string };
      if (status !== 'running' && status !== 'paused') void refreshCount();
    };
    source.addEventListener('execution', onExecution);
    return () => {
      clearInterval(timer);
      source.close();
    };
  }, [refreshCount]);

  const markRead = useCallback(async (id: string) => {
    const { count } = await api<{ count: number }>(
      'POST',
      `/notifications/${encodeURIComponent(id)}/read`,
    );
    setUnread(count);
    setItems((list) =>
      list?.map((n) => (n.id === id ? { ...n, readAt: n.readAt ?? Date.now() } : n)),
    );
  }, []);

  const markAllRead = useCallback(async () => {
    const { count } = await api<{ count: number }>('POST', '/notifications/read-all');
    setUnread(count);
    setItems((list) => list?.map((n) => ({ ...n, readAt: n.readAt ?? Date.now() })));
  }, []);

  return { unread, items, error, load, refreshCount, markRead, markAllRead };
}
