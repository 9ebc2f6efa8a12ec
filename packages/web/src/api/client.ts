/** The error body every API route returns: `{ error: { code, message, details[] } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Array<{ path?: string; message: string }> };
}

/** A failed API call, with the server's code, sentence and located details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path?: string; message: string }> = [],
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Listeners told when a call comes back 401 (the session ended): the app shows the login. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)fs_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/**
 * Calls the Flowstate API with the session cookie; JSON in, JSON out. Unsafe methods carry
 * the CSRF token. Throws `ApiError` for any non-2xx answer.
 */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { ...headers } };
  const allHeaders = init.headers as Record<string, string>;
  if (body !== undefined) {
    allHeaders['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET') {
    const token = csrfToken();
    if (token) allHeaders['x-csrf-token'] = token;
  }
  const res = await fetch(`/api/v1${path}`, init);
  const text = await res.text();
  const parsed: unknown = text === '' ? undefined : safeJson(text);
  if (!res.ok) {
    if (res.status === 401) for (const listener of unauthorizedListeners) listener();
    const error = (parsed as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP_${res.status}`,
      error?.message ?? (text || res.statusText),
      error?.details ?? [],
      parsed,
    );
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
