import type { EngineEvent, ExecutionRecord } from '@flowstate/engine';
import { describe, expect, test, vi } from 'vitest';
import { LiveEventHub, type LiveEvent } from './event-hub.js';

/** The engine's `subscribe`, driven by the test. */
function fakeEngine() {
  const listeners = new Set<(event: EngineEvent) => void>();
  return {
    subscribe(listener: (event: EngineEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listeners() {
      return listeners.size;
    },
    finish(id: string, workflowId = 'w') {
      const execution = {
        id,
        workflowId,
        workflowVersion: 1,
        status: 'succeeded',
        seq: 1,
        triggerNodeId: 't',
        input: null,
        depth: 0,
        createdAt: 1,
        updatedAt: 2,
        finishedAt: 2,
      } satisfies ExecutionRecord;
      for (const listener of listeners) listener({ type: 'execution', execution });
    },
  };
}

describe('LiveEventHub', () => {
  test('listens to the engine only while someone is subscribed (and a while after)', () => {
    vi.useFakeTimers();
    try {
      const engine = fakeEngine();
      const hub = new LiveEventHub(engine, { lingerMs: 1000 });
      expect(engine.listeners).toBe(0);
      const stop = hub.subscribe({}, () => undefined);
      expect(engine.listeners).toBe(1);
      stop();
      vi.advanceTimersByTime(999);
      expect(engine.listeners).toBe(1);
      vi.advanceTimersByTime(1);
      expect(engine.listeners).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('replays what came after an id, filtered; unknown, future and foreign ids are gaps', () => {
    const engine = fakeEngine();
    const hub = new LiveEventHub(engine);
    const seen: LiveEvent[] = [];
    hub.subscribe({}, (event) => seen.push(event));
    engine.finish('a', 'w1');
    engine.finish('b', 'w2');
    engine.finish('c', 'w1');
    const ids = seen.map((event) => event.id);
    expect(new Set(ids).size).toBe(3);
    const after = hub.replay(ids[0]!, { workflowId: 'w1' });
    expect(after.kind === 'events' && after.events.map((e) => e.executionId)).toEqual(['c']);
    const none = hub.replay(ids[2]!, {});
    expect(none).toEqual({ kind: 'events', events: [] });
    expect(hub.replay(`${hub.bootId}-99`, {})).toEqual({ kind: 'gap' });
    expect(hub.replay('someone-else-1', {})).toEqual({ kind: 'gap' });
    expect(hub.replay('garbage', {})).toEqual({ kind: 'gap' });
  });

  test('an id that fell out of the ring is a gap; one just inside is not', () => {
    const engine = fakeEngine();
    const hub = new LiveEventHub(engine, { capacity: 3 });
    const seen: LiveEvent[] = [];
    hub.subscribe({}, (event) => seen.push(event));
    for (const id of ['a', 'b', 'c', 'd', 'e']) engine.finish(id);
    // The ring holds c, d, e: resuming after b misses nothing, after a misses b.
    const fromB = hub.replay(seen[1]!.id, {});
    expect(fromB.kind === 'events' && fromB.events.map((e) => e.executionId)).toEqual([
      'c',
      'd',
      'e',
    ]);
    expect(hub.replay(seen[0]!.id, {})).toEqual({ kind: 'gap' });
  });

  test('after it stopped listening, earlier ids are gaps (changes went unseen)', () => {
    vi.useFakeTimers();
    try {
      const engine = fakeEngine();
      const hub = new LiveEventHub(engine, { lingerMs: 10 });
      const seen: LiveEvent[] = [];
      const stop = hub.subscribe({}, (event) => seen.push(event));
      engine.finish('a');
      stop();
      vi.advanceTimersByTime(10);
      engine.finish('unseen');
      hub.subscribe({}, () => undefined);
      expect(hub.replay(seen[0]!.id, {})).toEqual({ kind: 'gap' });
    } finally {
      vi.useRealTimers();
    }
  });

  test('CRM entity events reach only subscribers that ask for them, and replay like the rest', () => {
    const engine = fakeEngine();
    const hub = new LiveEventHub(engine);
    const all: LiveEvent[] = [];
    const only: LiveEvent[] = [];
    const none: LiveEvent[] = [];
    hub.subscribe({ entities: 'include' }, (e) => all.push(e));
    hub.subscribe({ entities: 'only' }, (e) => only.push(e));
    hub.subscribe({}, (e) => none.push(e));
    const summary = {
      eventId: 'e1',
      recordType: 'contact',
      recordId: 'c1',
      event: 'created',
      changed: ['name'],
      actor: 'user:u',
      at: 5,
    };
    engine.finish('x');
    hub.publishEntity(summary);
    expect(all.map((e) => e.type)).toEqual(['execution', 'entity']);
    expect(only).toEqual([expect.objectContaining({ type: 'entity', data: summary })]);
    expect(none.map((e) => e.type)).toEqual(['execution']);
    const replay = hub.replay(all[0]!.id, { entities: 'only' });
    expect(replay.kind === 'events' && replay.events.map((e) => e.type)).toEqual(['entity']);
  });

  test('entity events are dropped while nobody listens', () => {
    const hub = new LiveEventHub(fakeEngine());
    hub.publishEntity({
      eventId: 'e',
      recordType: 'task',
      recordId: 't',
      event: 'deleted',
      changed: [],
      actor: 'system',
      at: 1,
    });
    const seen: LiveEvent[] = [];
    hub.subscribe({ entities: 'only' }, (e) => seen.push(e));
    expect(seen).toEqual([]);
  });
});
