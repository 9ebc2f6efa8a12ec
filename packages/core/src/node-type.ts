import type { z } from 'zod';
import type { CredentialValue } from './credentials.js';
import type { ExpressionScope } from './expressions.js';
import type { JsonValue } from './json.js';
import type { RetryPolicy } from './model.js';

/** Where a node type shows in the editor's palette. */
export type NodeGroup = 'trigger' | 'action' | 'control' | 'data' | 'crm' | 'ai';

/**
 * What a node type is: its parameters, its ports and its code. Built-in and plugin nodes are
 * both written with `defineNode()` from `@flowstate/sdk`, which returns one of these.
 */
export interface NodeType<P = unknown> {
  /** Stable id used in workflow documents, e.g. `http.request`. */
  readonly type: string;
  /** Display name. */
  readonly name: string;
  readonly group: NodeGroup;
  readonly description: string;
  readonly icon?: string;
  /** Schema of the parameters after expressions were resolved. */
  readonly params: z.ZodType<P>;
  /**
   * Output ports. A function receives the raw (unresolved) params, for nodes whose ports
   * depend on them (`flow.switch`). The `error` port is added by the engine when a node
   * is configured with `onError: 'route'`.
   */
  readonly ports: readonly string[] | ((params: Record<string, unknown>) => readonly string[]);
  /** False for pure nodes: they may run ahead in memory and be journaled with the next commit. */
  readonly sideEffects: boolean;
  /** Triggers start executions; they have no incoming edges. */
  readonly trigger?: boolean;
  /** Params that are passed through without `{{ }}` template resolution (e.g. a JSONata source). */
  readonly rawParams?: readonly string[];
  readonly retryDefaults?: Partial<RetryPolicy>;
  /** Default attempt timeout in milliseconds. */
  readonly timeoutMs?: number;
  /**
   * Credential slots: param name -> the credential types it accepts. The param holds a
   * credential id (never an expression); the engine decrypts it before each attempt and hands
   * it to `run` as `ctx.credentials[param]`. E.g. `{ credential: ['bearer', 'basic'] }`.
   */
  readonly credentials?: Readonly<Record<string, readonly string[]>>;
  /** Markdown notes (examples, caveats) for the node's page in the generated node reference. */
  readonly docs?: string;
  run(ctx: NodeContext<P>): Promise<NodeResult> | NodeResult;
}

/** A structured logger handed to node code; entries carry the execution and step. */
export interface NodeLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** What node code receives on each attempt. */
export interface NodeContext<P = unknown> {
  readonly params: P;
  /** Single predecessor's output, or an object keyed by predecessor name when several. */
  readonly input: JsonValue;
  readonly node: { readonly id: string; readonly name: string; readonly type: string };
  readonly execution: {
    readonly id: string;
    readonly workflowId: string;
    readonly workflowVersion: number;
    readonly depth: number;
  };
  readonly stepKey: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** Stable across attempts and crashes: `executionId:stepKey`. Pass it to external APIs. */
  readonly idempotencyKey: string;
  /** Aborted when the attempt times out or the execution is cancelled. */
  readonly signal: AbortSignal;
  /** True in a test run with simulation on: record the request, do not send it. */
  readonly simulate: boolean;
  readonly logger: NodeLogger;
  /**
   * Decrypted credentials by the param that names them (see `NodeType.credentials`); only
   * slots whose param is set are present. Their secret values are redacted from the journal
   * and logs, so outputs and errors that echo them are stored as `[redacted]`.
   */
  readonly credentials: Readonly<Record<string, CredentialValue>>;
  /**
   * Treats `secret` as a credential secret for the rest of this attempt: it is stored as
   * `[redacted]` wherever the step's output, error or logs carry it, and never logged by the
   * server. For secrets a node derives from its credentials (an OAuth access token it
   * fetched), which the engine cannot know in advance.
   */
  redact(secret: string): void;
  /**
   * The variables expressions see (`$trigger`, `$steps`, `$input`, `$item`, `$index`,
   * `$vars`, `$execution`, `$now`), for nodes that hand them to other code (`script.js`).
   * The engine sets it; a host that does not (an older test harness) leaves it undefined.
   */
  readonly scope?: ExpressionScope;
  /** The injected clock. */
  now(): Date;
  /** Evaluates a JSONata expression with this step's variables ($input, $steps, ...). */
  evaluate(expression: string, extraBindings?: Record<string, JsonValue>): Promise<JsonValue>;
  /** Output `value` on a named port (plain return values go out of `out`). */
  emit(port: string, value: JsonValue): NodeDirective;
  /** Park the step until a time and/or an event (wait nodes). */
  suspend(options: SuspendOptions): NodeDirective;
  /** Run this container's body once per item (flow.loop). */
  loop(options: { items: JsonValue[]; concurrency: number }): NodeDirective;
  /** Start a sub-workflow and wait for its result (flow.call). */
  callWorkflow(options: CallWorkflowOptions): NodeDirective;
  /** Set the synchronous webhook response (webhook.respond); the node outputs its input. */
  respond(response: WebhookResponse): NodeDirective;
  /** Make `value` the execution's result (flow.return). */
  returnValue(value: JsonValue): NodeDirective;
}

export interface SuspendOptions {
  /** Epoch milliseconds at which the wait ends by time. */
  until?: number;
  /** Port and value emitted when `until` is reached. */
  onTimeout?: { port: string; value: JsonValue };
  /** Event that ends the wait: its payload goes out of `port`. */
  event?: { name: string; correlationKey: string; port: string };
  /**
   * Public facts about the wait, stored with its wait row and shown by the API (e.g. the
   * approvers and message of `wait.approval`). Never holds secrets.
   */
  info?: JsonValue;
}

/** The sub-workflow `ctx.callWorkflow` starts. */
export interface CallWorkflowOptions {
  workflowId: string;
  /** Pinned version; unset: the published one. */
  version?: number;
  input: JsonValue;
  /**
   * The child execution when the calling one fails while the child still runs: `cancel`
   * (the default) cancels it, `continue` lets it run to its end (a retry of the caller then
   * takes its result if it succeeded).
   */
  onParentFailure?: 'cancel' | 'continue';
}

/** The synchronous HTTP answer to a webhook call. */
export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body: JsonValue;
}

export const DIRECTIVE = Symbol.for('flowstate.directive');

/** Instructions to the engine, made by the `ctx` helpers; never built by hand. */
export type NodeDirective =
  | { readonly [DIRECTIVE]: 'emit'; readonly port: string; readonly value: JsonValue }
  | { readonly [DIRECTIVE]: 'suspend'; readonly options: SuspendOptions }
  | { readonly [DIRECTIVE]: 'loop'; readonly items: JsonValue[]; readonly concurrency: number }
  | ({ readonly [DIRECTIVE]: 'call' } & Readonly<CallWorkflowOptions>)
  | { readonly [DIRECTIVE]: 'respond'; readonly response: WebhookResponse }
  | { readonly [DIRECTIVE]: 'return'; readonly value: JsonValue };

/** What `run` may return: a JSON value (sent out of `out`) or a directive. */
export type NodeResult = JsonValue | NodeDirective;

/** True when a node's result is a directive rather than a plain output. */
export function isDirective(result: NodeResult): result is NodeDirective {
  return typeof result === 'object' && result !== null && DIRECTIVE in result;
}

/** The ports a node type offers for the given raw params. */
export function portsOf(nodeType: NodeType, params: Record<string, unknown>): readonly string[] {
  return typeof nodeType.ports === 'function' ? nodeType.ports(params) : nodeType.ports;
}

/** Looks node types up by their `type` id. */
export interface NodeRegistry {
  get(type: string): NodeType | undefined;
  list(): readonly NodeType[];
}

/** Builds a registry; a later type with the same id is an error. */
export function createRegistry(types: readonly NodeType<any>[]): NodeRegistry {
  const byType = new Map<string, NodeType>();
  for (const nodeType of types) {
    if (byType.has(nodeType.type))
      throw new Error(`Node type "${nodeType.type}" is registered twice`);
    byType.set(nodeType.type, nodeType as NodeType);
  }
  return { get: (type) => byType.get(type), list: () => [...byType.values()] };
}

/** The directive constructors behind `ctx.emit`, `ctx.suspend`, ...; shared by engine and SDK. */
export const directives = {
  emit: (port: string, value: JsonValue): NodeDirective => ({ [DIRECTIVE]: 'emit', port, value }),
  suspend: (options: SuspendOptions): NodeDirective => ({ [DIRECTIVE]: 'suspend', options }),
  loop: (options: { items: JsonValue[]; concurrency: number }): NodeDirective => ({
    [DIRECTIVE]: 'loop',
    items: options.items,
    concurrency: options.concurrency,
  }),
  callWorkflow: (options: CallWorkflowOptions): NodeDirective => ({
    [DIRECTIVE]: 'call',
    workflowId: options.workflowId,
    ...(options.version === undefined ? {} : { version: options.version }),
    input: options.input,
    ...(options.onParentFailure === undefined ? {} : { onParentFailure: options.onParentFailure }),
  }),
  respond: (response: WebhookResponse): NodeDirective => ({ [DIRECTIVE]: 'respond', response }),
  returnValue: (value: JsonValue): NodeDirective => ({ [DIRECTIVE]: 'return', value }),
} as const;
