import type { ExecutionRecord } from '@flowstate/engine';
import type { ServerFixture } from '../../testing/server-fixture.js';

/** A JSON API caller over a server fixture: `call('POST', '/crm/contacts', body)`. */
export function crmApi(f: ServerFixture) {
  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ) => {
    const res = await f.inject({
      method,
      url: `/api/v1${url}`,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as any) };
  };
  /** Polls until `probe` returns a value (the dispatcher and engine work in the background). */
  const eventually = async <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> => {
    for (let i = 0; i < 500; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const finished = (id: string): Promise<ExecutionRecord> =>
    eventually(async () => {
      const execution = await f.store.getExecution(id);
      return execution && execution.status !== 'running' ? execution : undefined;
    }, `execution ${id} to finish`);
  return { call, eventually, finished };
}
