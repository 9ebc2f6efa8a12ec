import {
  directives,
  evaluateExpression,
  type ExpressionScope,
  type CallWorkflowOptions,
  type CredentialValue,
  type JsonValue,
  type NodeContext,
  type NodeDirective,
  type NodeLogger,
  type SuspendOptions,
  type WebhookResponse,
} from '@flowstate/core';
import type { EngineLogger } from './api.js';
import type { ExecutionRecord } from './store.js';

/** What a `StepContext` is built from. */
export interface StepContextOptions {
  params: unknown;
  input: JsonValue;
  node: { id: string; name: string; type: string };
  execution: ExecutionRecord;
  stepKey: string;
  attempt: number;
  signal: AbortSignal;
  simulate: boolean;
  scope: ExpressionScope;
  expressionTimeoutMs: number;
  clock: () => number;
  engineLogger: EngineLogger;
  credentials: Readonly<Record<string, CredentialValue>>;
  /** Called by `ctx.redact`. */
  redact: (secret: string) => void;
}

/**
 * The `ctx` node code receives. A class so that its helpers live on the prototype: a step
 * allocates one object, not a dozen closures (pure steps run at tens of thousands a second).
 */
export class StepContext implements NodeContext {
  readonly params: unknown;
  readonly input: JsonValue;
  readonly node: { readonly id: string; readonly name: string; readonly type: string };
  readonly stepKey: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly simulate: boolean;
  readonly credentials: Readonly<Record<string, CredentialValue>>;
  readonly #options: StepContextOptions;
  #logger: NodeLogger | undefined;

  constructor(options: StepContextOptions) {
    this.#options = options;
    this.params = options.params;
    this.input = options.input;
    this.node = options.node;
    this.stepKey = options.stepKey;
    this.attempt = options.attempt;
    this.signal = options.signal;
    this.simulate = options.simulate;
    this.credentials = options.credentials;
  }

  get execution(): NodeContext['execution'] {
    const { id, workflowId, workflowVersion, depth } = this.#options.execution;
    return { id, workflowId, workflowVersion, depth };
  }

  get scope(): ExpressionScope {
    return this.#options.scope;
  }

  redact(secret: string): void {
    this.#options.redact(secret);
  }

  get idempotencyKey(): string {
    return `${this.#options.execution.id}:${this.stepKey}`;
  }

  get logger(): NodeLogger {
    return (this.#logger ??= nodeLogger(this.#options.engineLogger, {
      executionId: this.#options.execution.id,
      stepKey: this.stepKey,
      node: this.node.name,
    }));
  }

  now(): Date {
    return new Date(this.#options.clock());
  }

  evaluate(expression: string, extraBindings?: Record<string, JsonValue>): Promise<JsonValue> {
    const { scope, expressionTimeoutMs } = this.#options;
    return evaluateExpression(expression, extraBindings ? { ...scope, ...extraBindings } : scope, {
      timeoutMs: expressionTimeoutMs,
      nodeName: this.node.name,
    });
  }

  emit(port: string, value: JsonValue): NodeDirective {
    return directives.emit(port, value);
  }

  suspend(options: SuspendOptions): NodeDirective {
    return directives.suspend(options);
  }

  loop(options: { items: JsonValue[]; concurrency: number }): NodeDirective {
    return directives.loop(options);
  }

  callWorkflow(options: CallWorkflowOptions): NodeDirective {
    return directives.callWorkflow(options);
  }

  respond(response: WebhookResponse): NodeDirective {
    return directives.respond(response);
  }

  returnValue(value: JsonValue): NodeDirective {
    return directives.returnValue(value);
  }
}

function nodeLogger(logger: EngineLogger, bindings: Record<string, unknown>): NodeLogger {
  return {
    debug: (message, data) => logger.debug({ ...bindings, ...data }, message),
    info: (message, data) => logger.info({ ...bindings, ...data }, message),
    warn: (message, data) => logger.warn({ ...bindings, ...data }, message),
    error: (message, data) => logger.error({ ...bindings, ...data }, message),
  };
}
