import jsonata from 'jsonata';
import {
  DIRECTIVE,
  directives,
  isDirective,
  NonRetriableError,
  portsOf,
  type CredentialValue,
  type JsonValue,
  type NodeContext,
  type NodeDirective,
  type NodeLogger,
  type NodeType,
} from '@flowstate/core';

/** Options of {@link testNode}; everything but `params` has a sensible default. */
export interface TestNodeOptions {
  /** Raw params, parsed with the node's schema exactly as the engine would after templating. */
  params?: Record<string, unknown>;
  /** The node's input (default `null`). */
  input?: JsonValue;
  simulate?: boolean;
  /** Attempt number, 1-based (default 1). */
  attempt?: number;
  signal?: AbortSignal;
  /** Replaces the default JSONata evaluator (which binds `$input` and `extraBindings`). */
  evaluate?: (expression: string, extraBindings?: Record<string, JsonValue>) => Promise<JsonValue>;
  /** Extra variables for the default evaluator, e.g. `{ steps: {...}, trigger: {...} }`. */
  bindings?: Record<string, JsonValue>;
  /** Fixed clock (default: the real time). */
  now?: Date;
  /** Execution id (default `test-execution`); the idempotency key is `<id>:<node id>`. */
  executionId?: string;
  /** Decrypted credentials by param name, as the engine would pass them (`ctx.credentials`). */
  credentials?: Record<string, CredentialValue>;
}

/** A log line written through `ctx.logger`. */
export interface TestLogEntry {
  level: keyof NodeLogger;
  message: string;
  data?: Record<string, unknown>;
}

/** What a node produced under {@link testNode}. */
export interface TestNodeResult {
  /** The port the output leaves from; undefined for directives that produce no output now. */
  port: string | undefined;
  output: JsonValue | undefined;
  /** Set for directives other than `emit` (suspend, loop, call, respond, return). */
  directive?: NodeDirective;
  logs: TestLogEntry[];
  /** The secrets the node asked to redact (`ctx.redact`); the engine would hide them. */
  redacted?: string[];
}

/**
 * Runs one attempt of a node with a complete {@link NodeContext}, the way the engine would:
 * params are parsed with the node's schema first, then `run` is called. A plain return
 * value leaves from `out`, `ctx.emit(port, v)` from `port` (which must be one of the node's
 * ports); other directives are returned as `directive`.
 *
 * @example
 * ```ts
 * const { port, output } = await testNode(flowIf, { params: { condition: true }, input: 1 });
 * // port === 'true', output === 1
 * ```
 */
export async function testNode<P>(
  nodeType: NodeType<P>,
  options: TestNodeOptions = {},
): Promise<TestNodeResult> {
  const rawParams = options.params ?? {};
  const parsed = nodeType.params.safeParse(rawParams);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(params)';
      return `${path}: ${issue.message}`;
    });
    throw new NonRetriableError(`Invalid params for "${nodeType.type}": ${problems.join('; ')}`, {
      code: 'INVALID_PARAMS',
    });
  }
  const input = options.input ?? null;
  const logs: TestLogEntry[] = [];
  const redacted: string[] = [];
  const log =
    (level: keyof NodeLogger) =>
    (message: string, data?: Record<string, unknown>): void => {
      logs.push(data === undefined ? { level, message } : { level, message, data });
    };
  const executionId = options.executionId ?? 'test-execution';
  const nodeId = 'test-node';
  const now = options.now;
  const ctx: NodeContext<P> = {
    params: parsed.data,
    input,
    node: { id: nodeId, name: 'Test node', type: nodeType.type },
    execution: { id: executionId, workflowId: 'test-workflow', workflowVersion: 1, depth: 0 },
    stepKey: nodeId,
    attempt: options.attempt ?? 1,
    idempotencyKey: `${executionId}:${nodeId}`,
    signal: options.signal ?? new AbortController().signal,
    simulate: options.simulate ?? false,
    credentials: options.credentials ?? {},
    redact: (secret) => void redacted.push(secret),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => (now ? new Date(now.getTime()) : new Date()),
    evaluate:
      options.evaluate ??
      ((expression, extra) =>
        evaluateJsonata(expression, { ...options.bindings, input, ...extra })),
    ...directives,
  };

  const result = await nodeType.run(ctx);
  if (result === undefined) {
    throw new Error(`Node "${nodeType.type}" returned undefined; return null or a JSON value`);
  }
  const more = redacted.length > 0 ? { redacted } : {};
  if (!isDirective(result)) return { port: 'out', output: result, logs, ...more };
  if (result[DIRECTIVE] === 'emit') {
    const ports = portsOf(nodeType as NodeType, rawParams);
    if (!ports.includes(result.port)) {
      throw new Error(
        `Node "${nodeType.type}" emitted on port "${result.port}", which is not one of its ports (${ports.join(', ')})`,
      );
    }
    return { port: result.port, output: result.value, logs };
  }
  if (result[DIRECTIVE] === 'respond')
    return { port: 'out', output: input, directive: result, logs };
  return { port: undefined, output: undefined, directive: result, logs };
}

/** The default evaluator: plain JSONata with the given variables (`$input`, ...) bound. */
async function evaluateJsonata(
  expression: string,
  bindings: Record<string, JsonValue | undefined>,
): Promise<JsonValue> {
  const result: unknown = await jsonata(expression).evaluate(undefined, bindings);
  // JSONata returns undefined for "no match" and arrays tagged as sequences; normalise to JSON.
  return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
}
