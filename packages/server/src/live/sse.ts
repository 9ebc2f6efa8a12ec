import type { FastifyReply } from 'fastify';

/** A client whose unsent output grows past this is cut off; it resumes with `Last-Event-ID`. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Comment lines keep proxies from closing idle streams. */
const HEARTBEAT_MS = 15_000;
/** Reconnection delay suggested to `EventSource` clients. */
const RETRY_MS = 2000;

/** One open Server-Sent Events response. */
export interface SseStream {
  /** Writes one event; returns false once the stream is closed. */
  send(event: { id?: string; event: string; data: unknown }): boolean;
  close(): void;
  readonly closed: boolean;
  /** Called once when the client goes away or the stream is closed. */
  onClose(listener: () => void): void;
}

/**
 * Takes over `reply` as a `text/event-stream` response. The caller registers what to do on
 * close; streams are also closed by `closeAll` of the registry they were opened with (server
 * shutdown), because Fastify waits for open connections when it closes.
 */
export function openSse(reply: FastifyReply, registry: Set<SseStream>): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(`retry: ${RETRY_MS}\n\n`);
  const listeners: Array<() => void> = [];
  let closed = false;
  const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  const stream: SseStream = {
    get closed() {
      return closed;
    },
    send({ id, event, data }) {
      if (closed) return false;
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        stream.close();
        return false;
      }
      raw.write(
        `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
      );
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      registry.delete(stream);
      raw.end();
      for (const listener of listeners.splice(0)) listener();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
  registry.add(stream);
  raw.once('close', () => stream.close());
  return stream;
}

/** Closes every open stream (server shutdown). */
export function closeAll(registry: Set<SseStream>): void {
  for (const stream of [...registry]) stream.close();
}
