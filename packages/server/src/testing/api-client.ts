import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/** One API answer: status, parsed JSON body (undefined when empty) and headers. */
export interface ApiResponse {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/**
 * `call(method, '/workflows', payload?, headers?)` against `/api/v1`, in process. Pass a test
 * server (its `inject` authenticates as the owner) or a bare app (anonymous).
 */
export function apiClient(app: {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}) {
  return async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers,
    });
    return {
      status: res.statusCode,
      body: res.body === '' ? undefined : (JSON.parse(res.body) as unknown),
      headers: res.headers,
    };
  };
}
