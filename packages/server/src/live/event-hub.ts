import { randomBytes } from 'node:crypto';
import type { Engine, EngineEvent, ExecutionRecord, StepRecord } from '@flowstate/engine';

/** What a live client learns about an execution: its state without payloads. */
export interface ExecutionSummary {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: ExecutionRecord['status'];
  seq: number;
  triggerNodeId: string;
  parentExecutionId?: string;
  error?: ExecutionRecord['error'];
  /** A simulation (see `StartExecutionOptions.simulate`). */
  simulate?: true;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

/** What a live client learns about a step: status and timings; payloads come from the API. */
export interface StepSummary {
  executionId: string;
  key: string;
  nodeId: string;
  nodeType?: string;
  status: StepRecord['status'];
  attempt: number;
  port?: string;
  error?: StepRecord['error'];
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
}

/** What a live client learns about a CRM record change: which record, what changed. */
export interface EntitySummary {
  eventId: string;
  recordType: string;
  recordId: string;
  event: string;
  changed: string[];
  actor: string;
  at: number;
}

/** One event of the live stream, numbered in the order this process saw it. */
export type LiveEvent = {
  /** `<boot id>-<sequence>`: resumable with `Last-Event-ID` while this process runs. */
  id: string;
  seq: number;
} & (
  | { type: 'execution'; executionId: string; workflowId: string; data: ExecutionSummary }
  | { type: 'step'; executionId: string; workflowId: string; data: StepSummary }
  /** A CRM record change committed by this process. */
  | { type: 'entity'; executionId?: undefined; workflowId?: undefined; data: EntitySummary }
);

/** Which events a subscriber wants. */
export interface LiveFilter {
  executionId?: string;
  workflowId?: string;
  /** Step events too (default true). */
  steps?: boolean;
  /** CRM entity events: `include` them, or `only` them (default: none). */
  entities?: 'include' | 'only';
}

/** Where a `Last-Event-ID` leads: the events after it, or a gap the client must refetch. */
export type Replay = { kind: 'events'; events: LiveEvent[] } | { kind: 'gap' };

/** Default number of recent events kept for resuming streams. */
export const DEFAULT_LIVE_BUFFER = 10_000;
/** How long the hub keeps listening after its last subscriber left, so it can resume it. */
export const DEFAULT_LINGER_MS = 60_000;

export function summarizeExecution(execution: ExecutionRecord): ExecutionSummary {
  return {
    id: execution.id,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    seq: execution.seq,
    triggerNodeId: execution.triggerNodeId,
    ...(execution.parentExecutionId === undefined
      ? {}
      : { parentExecutionId: execution.parentExecutionId }),
    ...(execution.error === undefined ? {} : { error: execution.error }),
    ...(execution.simulate ? { simulate: true as const } : {}),
    createdAt: execution.createdAt,
    updatedAt: execution.updatedAt,
    ...(execution.finishedAt === undefined ? {} : { finishedAt: execution.finishedAt }),
  };
}

export function summarizeStep(step: StepRecord, nodeType?: string): StepSummary {
  const summary: StepSummary = {
    executionId: step.executionId,
    key: step.key,
    nodeId: step.nodeId,
    status: step.status,
    attempt: step.attempt,
  };
  if (nodeType !== undefined) summary.nodeType = nodeType;
  if (step.port !== undefined) summary.port = step.port;
  if (step.error !== undefined) summary.error = step.error;
  if (step.runAt !== undefined) summary.runAt = step.runAt;
  if (step.startedAt !== undefined) summary.startedAt = step.startedAt;
  if (step.finishedAt !== undefined) summary.finishedAt = step.finishedAt;
  if (step.durationMs !== undefined) summary.durationMs = step.durationMs;
  return summary;
}

function matches(event: LiveEvent, filter: LiveFilter): boolean {
  if (event.type === 'entity') return filter.entities !== undefined;
  if (filter.entities === 'only') return false;
  if (filter.executionId !== undefined && event.executionId !== filter.executionId) return false;
  if (filter.workflowId !== undefined && event.workflowId !== filter.workflowId) return false;
  return event.type === 'execution' || filter.steps !== false;
}

/**
 * Fans the engine's committed changes out to live subscribers (Server-Sent Events) and keeps
 * the last events in a ring buffer so a client that reconnects with `Last-Event-ID` misses
 * nothing. Ids carry a per-process boot id: an id from another process or one that fell out
 * of the buffer is a gap, and the client refetches what it shows.
 *
 * The hub listens to the engine only while someone is subscribed, and for `lingerMs` after
 * the last one left (long enough to reconnect): with nobody watching, executions cost it
 * nothing. When it stops listening it forgets its buffer and skips a sequence number, so an
 * id from before is a gap, never a silent loss.
 *
 * @example
 * const hub = new LiveEventHub(engine);
 * const stop = hub.subscribe({ executionId }, (event) => write(event));
 */
export class LiveEventHub {
  readonly bootId = randomBytes(6).toString('base64url');
  readonly #engine: Pick<Engine, 'subscribe'>;
  readonly #capacity: number;
  readonly #lingerMs: number;
  #buffer: LiveEvent[] = [];
  /** Index in `#buffer` of the oldest event once the ring is full. */
  #start = 0;
  #seq = 0;
  readonly #subscribers = new Set<{ filter: LiveFilter; send: (event: LiveEvent) => void }>();
  #detach: (() => void) | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    engine: Pick<Engine, 'subscribe'>,
    options: { capacity?: number; lingerMs?: number } = {},
  ) {
    this.#engine = engine;
    this.#capacity = options.capacity ?? DEFAULT_LIVE_BUFFER;
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  /** Sends every later matching event to `send`; returns the unsubscribe function. */
  subscribe(filter: LiveFilter, send: (event: LiveEvent) => void): () => void {
    const subscriber = { filter, send };
    this.#subscribers.add(subscriber);
    clearTimeout(this.#lingerTimer);
    this.#detach ??= this.#engine.subscribe((event) => this.#publish(event));
    return () => {
      if (!this.#subscribers.delete(subscriber) || this.#subscribers.size > 0) return;
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = setTimeout(() => this.#stopListening(), this.#lingerMs);
      this.#lingerTimer.unref();
    };
  }

  /** The buffered events after `lastEventId` that match `filter`, or a gap. */
  replay(lastEventId: string, filter: LiveFilter): Replay {
    const dash = lastEventId.lastIndexOf('-');
    const boot = lastEventId.slice(0, dash);
    const seq = Number(lastEventId.slice(dash + 1));
    if (dash < 0 || boot !== this.bootId || !Number.isInteger(seq) || seq > this.#seq) {
      return { kind: 'gap' };
    }
    const oldest = this.#buffer.length === 0 ? this.#seq + 1 : this.#at(0).seq;
    if (seq < oldest - 1) return { kind: 'gap' };
    const events: LiveEvent[] = [];
    for (let index = seq - oldest + 1; index < this.#buffer.length; index++) {
      const event = this.#at(index);
      if (matches(event, filter)) events.push(event);
    }
    return { kind: 'events', events };
  }

  /** Number of connected subscribers (metrics, tests). */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Whether the hub currently receives the engine's events. */
  get listening(): boolean {
    return this.#detach !== undefined;
  }

  close(): void {
    this.#subscribers.clear();
    this.#stopListening();
  }

  #stopListening(): void {
    clearTimeout(this.#lingerTimer);
    if (this.#subscribers.size > 0 || this.#detach === undefined) return;
    this.#detach();
    this.#detach = undefined;
    this.#buffer = [];
    this.#start = 0;
    // Changes happen unseen from now on: no earlier id may resume as if nothing was missed.
    this.#seq += 1;
  }

  #at(index: number): LiveEvent {
    return this.#buffer[(this.#start + index) % this.#buffer.length]!;
  }

  /**
   * Publishes a CRM record change. Like engine events, it is kept only while the hub listens
   * (someone is subscribed or lingering): with nobody watching it costs nothing.
   */
  publishEntity(summary: EntitySummary): void {
    if (this.#detach === undefined) return;
    this.#seq += 1;
    this.#record({
      id: `${this.bootId}-${this.#seq}`,
      seq: this.#seq,
      type: 'entity',
      data: summary,
    });
  }

  #publish(engineEvent: EngineEvent): void {
    this.#seq += 1;
    const base = { id: `${this.bootId}-${this.#seq}`, seq: this.#seq };
    const event: LiveEvent =
      engineEvent.type === 'execution'
        ? {
            ...base,
            type: 'execution',
            executionId: engineEvent.execution.id,
            workflowId: engineEvent.execution.workflowId,
            data: summarizeExecution(engineEvent.execution),
          }
        : {
            ...base,
            type: 'step',
            executionId: engineEvent.executionId,
            workflowId: engineEvent.workflowId,
            data: summarizeStep(engineEvent.step, engineEvent.nodeType),
          };
    this.#record(event);
  }

  #record(event: LiveEvent): void {
    if (this.#buffer.length < this.#capacity) {
      this.#buffer.push(event);
    } else {
      this.#buffer[this.#start] = event;
      this.#start = (this.#start + 1) % this.#capacity;
    }
    for (const subscriber of this.#subscribers) {
      if (matches(event, subscriber.filter)) subscriber.send(event);
    }
  }
}
