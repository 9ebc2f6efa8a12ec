import { Worker } from 'node:worker_threads';
import type {
  SandboxFailure,
  SandboxRequest,
  SandboxResponse,
  WorkerMessage,
} from './sandbox-protocol.js';

/** Options of {@link ScriptPool}. */
export interface ScriptPoolOptions {
  /** Worker threads running scripts at once (default 2); more runs wait in a queue. */
  size?: number;
  /**
   * How long past a run's time limit the host waits for the worker's answer before it
   * terminates the thread (default 2000 ms). The time limit is enforced inside QuickJS first;
   * this bounds a worker that stopped answering.
   */
  graceMs?: number;
  /** Largest memory limit a run may ask for; sizes each worker's V8 heap limit (default 256). */
  maxMemoryMb?: number;
  /** The worker entry; tests replace it. Default: `sandbox-worker.mjs` beside this file. */
  workerUrl?: URL;
}

/** One run: the request without its id (the pool numbers runs). */
export type ScriptRun = Omit<SandboxRequest, 'id'>;

interface Job {
  request: SandboxRequest;
  resolve(response: SandboxResponse): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
}

const DEFAULT_WORKER = new URL('./sandbox-worker.mjs', import.meta.url);

/**
 * A pool of worker threads that run user scripts in QuickJS, so a script that spins never
 * blocks the server's event loop. Workers start on first use and do not keep the process
 * alive when idle. A worker that stops answering within a run's time limit plus a grace, runs
 * out of V8 heap, crashes, or whose run is aborted is terminated and replaced.
 */
export class ScriptPool {
  readonly size: number;
  readonly graceMs: number;
  private readonly workerUrl: URL;
  private readonly heapMb: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ScriptPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.graceMs = options.graceMs ?? 2000;
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER;
    // The worker's own heap holds the variables' JSON going in and the result's coming out.
    this.heapMb = 64 + 3 * (options.maxMemoryMb ?? 256);
  }

  /**
   * Runs a script in a worker. Resolves with the worker's answer, or with a `timeout`,
   * `memory` or `crash` failure when the host had to stop the worker. Rejects with the
   * signal's reason when `signal` aborts (the worker running it is terminated).
   */
  run(run: ScriptRun, signal?: AbortSignal): Promise<SandboxResponse> {
    if (this.closed) return Promise.reject(new Error('the script pool is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<SandboxResponse>((resolve, reject) => {
      const job: Job = { request: { ...run, id: this.nextId++ }, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker; queued and running scripts are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the script pool is closed');
    for (const job of this.queue.splice(0)) this.settle(job, () => job.reject(error));
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) if (slot.job) this.settle(slot.job, () => slot.job!.reject(error));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** How many worker threads exist now (for tests and metrics). */
  get workerCount(): number {
    return this.slots.size;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && slot.job === undefined) this.dispatch(slot, this.queue.shift()!);
    }
    let starting = [...this.slots].filter((slot) => !slot.ready).length;
    while (this.queue.length > starting && this.slots.size < this.size) {
      this.spawn();
      starting += 1;
    }
  }

  private spawn(): void {
    const worker = new Worker(this.workerUrl, {
      // The worker is plain JavaScript and needs no flags; some of the host's (--eval,
      // --input-type, loaders) would stop it from starting.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    const slot: Slot = { worker, ready: false, job: undefined };
    this.slots.add(slot);
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error) => this.onExit(slot, error));
    worker.on('exit', (code) => this.onExit(slot, new Error(`worker exited with code ${code}`)));
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    job.timer = setTimeout(() => {
      this.stop(slot, job, {
        kind: 'timeout',
        message: `the worker did not answer within the time limit plus ${this.graceMs} ms`,
      });
    }, job.request.timeoutMs + this.graceMs);
    slot.worker.postMessage(job.request);
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') {
      slot.ready = true;
    } else {
      const job = slot.job;
      if (job === undefined || job.request.id !== message.response.id) return;
      slot.job = undefined;
      this.settle(job, () => job.resolve(message.response));
    }
    this.pump();
    // A worker with work (or starting for it) keeps the process alive; an idle one does not.
    if (slot.job === undefined) slot.worker.unref();
  }

  /** A worker died (crash, V8 heap limit, terminate): its run fails and another may start. */
  private onExit(slot: Slot, error: Error): void {
    if (!this.slots.delete(slot)) return;
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const code = (error as { code?: unknown }).code;
      const failure: SandboxFailure =
        code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { kind: 'memory', message: 'the worker ran out of heap' }
          : { kind: 'crash', message: `the script worker stopped: ${error.message}` };
      this.settle(job, () =>
        job.resolve({ id: job.request.id, ok: false, failure, logs: [], droppedLogs: 0 }),
      );
    } else if (!slot.ready && this.queue.length > 0) {
      // The worker could not start: fail one waiting run rather than respawn forever.
      const waiting = this.queue.shift()!;
      this.settle(waiting, () =>
        waiting.reject(new Error(`the script worker could not start: ${error.message}`)),
      );
    }
    if (!this.closed) this.pump();
  }

  /** Terminates the worker running `job` and resolves `job` with `failure`. */
  private stop(slot: Slot, job: Job, failure: SandboxFailure): void {
    if (slot.job !== job) return;
    slot.job = undefined;
    this.slots.delete(slot);
    void slot.worker.terminate();
    this.settle(job, () =>
      job.resolve({ id: job.request.id, ok: false, failure, logs: [], droppedLogs: 0 }),
    );
    this.pump();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const slot of this.slots) {
      if (slot.job !== job) continue;
      slot.job = undefined;
      this.slots.delete(slot);
      void slot.worker.terminate();
    }
    this.settle(job, () => job.reject(job.signal?.reason));
    this.pump();
  }

  private settle(job: Job, finish: () => void): void {
    clearTimeout(job.timer);
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    finish();
  }
}
