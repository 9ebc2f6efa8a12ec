import { useCallback, useEffect, useRef, useState } from 'react';
import { crmApi, errorText, type CrmCollection } from '../api/crm';

/** Rows loaded so far from a cursor-paged CRM list, and how to get more. */
export interface CursorList<T> {
  items: T[];
  /** More pages exist on the server. */
  hasMore: boolean;
  loading: boolean;
  error?: string;
  loadMore: () => void;
  /** Replaces one row in place (after a change). */
  replace: (item: T & { id: string }) => void;
  reload: () => void;
}

/**
 * Pages through `GET /crm/{collection}` by cursor. Starts again whenever `params` change
 * (compared by value); `loadMore` fetches the next page unless one is in flight.
 */
export function useCursorList<T extends { id: string }>(
  collection: CrmCollection,
  params: Record<string, string | number | undefined>,
): CursorList<T> {
  const key = JSON.stringify(params);
  const [state, setState] = useState<{
    key: string;
    items: T[];
    cursor?: string;
    done: boolean;
    error?: string;
  }>({ key: '', items: [], done: false });
  const [loading, setLoading] = useState(false);
  const inFlight = useRef<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  const fetchPage = useCallback(
    async (forKey: string, cursor: string | undefined) => {
      const token = `${forKey}|${cursor ?? ''}|${generation}`;
      if (inFlight.current === token) return;
      inFlight.current = token;
      setLoading(true);
      try {
        const page = await crmApi.list<T>(collection, {
          ...(JSON.parse(forKey) as Record<string, string>),
          cursor,
        });
        if (inFlight.current !== token) return;
        setState((current) => ({
          key: forKey,
          items:
            cursor === undefined || current.key !== forKey
              ? page.items
              : [...current.items, ...page.items],
          ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
          done: page.nextCursor === undefined,
        }));
      } catch (e) {
        if (inFlight.current === token) {
          setState((current) => ({ ...current, key: forKey, error: errorText(e), done: true }));
        }
      } finally {
        if (inFlight.current === token) {
          inFlight.current = undefined;
          setLoading(false);
        }
      }
    },
    [collection, generation],
  );

  useEffect(() => {
    void fetchPage(key, undefined);
  }, [key, fetchPage]);

  const current = state.key === key ? state : { key, items: [] as T[], done: false };
  const loadMore = useCallback(() => {
    if (state.key !== key || state.done || state.cursor === undefined) return;
    void fetchPage(key, state.cursor);
  }, [fetchPage, key, state]);
  const replace = useCallback((item: T & { id: string }) => {
    setState((s) => ({ ...s, items: s.items.map((row) => (row.id === item.id ? item : row)) }));
  }, []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  return {
    items: current.items,
    hasMore: !current.done,
    loading,
    ...('error' in current && current.error !== undefined ? { error: current.error } : {}),
    loadMore,
    replace,
    reload,
  };
}
