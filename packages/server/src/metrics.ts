import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  ACTIVE_STEP_STATUSES,
  FINAL_EXECUTION_STATUSES,
  FINAL_STEP_STATUSES,
  type Engine,
  type Store,
} from '@flowstate/engine';

/**
 * Prometheus metrics of one server process (`GET /metrics`): executions finished by status,
 * step durations by node type, the step queue by status, webhook latency, and Node's
 * process metrics. Execution and step figures come from the engine's committed changes, so
 * they count what is on disk.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #executions: Counter<'workflow_id' | 'status'>;
  readonly #stepDuration: Histogram<'node_type' | 'status'>;
  readonly #webhook: Histogram<'status_class'>;
  readonly #unsubscribe: () => void;
  /** Labelled children by `nodeType status`: labelling per observation costs a hash. */
  readonly #stepChildren = new Map<string, { observe(value: number): void }>();

  constructor(engine: Pick<Engine, 'subscribe'>, store: Pick<Store, 'countActiveSteps'>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'flowstate_' });
    this.#executions = new Counter({
      name: 'flowstate_executions_finished_total',
      help: 'Executions that reached a final status, by workflow and status.',
      labelNames: ['workflow_id', 'status'],
      registers,
    });
    this.#stepDuration = new Histogram({
      name: 'flowstate_step_duration_seconds',
      help: "Duration of a step's last attempt (node code), by node type and final status.",
      labelNames: ['node_type', 'status'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.#webhook = new Histogram({
      name: 'flowstate_webhook_duration_seconds',
      help: 'Time from a webhook request to its response, by status class (2xx, 4xx, 5xx).',
      labelNames: ['status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 10],
      registers,
    });
    new Gauge({
      name: 'flowstate_steps',
      help: 'Steps in the journal by status (ready + running is the queue depth).',
      labelNames: ['status'],
      registers,
      async collect() {
        // Only the active steps: counting the whole journal is a scan of every execution.
        const counts = await store.countActiveSteps();
        for (const status of ACTIVE_STEP_STATUSES) this.set({ status }, counts[status]);
      },
    });
    this.#unsubscribe = engine.subscribe((event) => {
      if (event.type === 'execution') {
        const { execution } = event;
        if (FINAL_EXECUTION_STATUSES.includes(execution.status)) {
          this.#executions.inc({ workflow_id: execution.workflowId, status: execution.status });
        }
        return;
      }
      const { step } = event;
      if (step.durationMs !== undefined && FINAL_STEP_STATUSES.includes(step.status)) {
        const key = `${event.nodeType} ${step.status}`;
        let child = this.#stepChildren.get(key);
        if (child === undefined) {
          child = this.#stepDuration.labels({ node_type: event.nodeType, status: step.status });
          this.#stepChildren.set(key, child);
        }
        child.observe(step.durationMs / 1000);
      }
    });
  }

  /** Records one webhook call's latency. */
  observeWebhook(statusCode: number, milliseconds: number): void {
    this.#webhook.observe(
      { status_class: `${Math.floor(statusCode / 100)}xx` },
      milliseconds / 1000,
    );
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.#unsubscribe();
    this.registry.clear();
  }
}
