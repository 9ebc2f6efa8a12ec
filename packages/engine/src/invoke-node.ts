import {
  DIRECTIVE,
  FlowstateError,
  isDirective,
  NonRetriableError,
  resolveParams,
  serializeError,
  type ExpressionScope,
  type JsonValue,
  type NodeContext,
  type NodeDirective,
  type NodeType,
  type StepError,
  type WorkflowNode,
} from '@flowstate/core';
import type { EngineLogger } from './api.js';
import type { CredentialProvider } from './credential-provider.js';
import {
  NO_CREDENTIALS,
  redactInvocation,
  redactingLogger,
  resolveNodeCredentials,
  type NodeCredentials,
} from './node-credentials.js';
import { secretList, type Redactor } from './redaction.js';
import { StepContext } from './step-context.js';
import type { ExecutionRecord } from './store.js';

/** What one attempt of a node produced. */
export type Invocation =
  | { kind: 'output'; port: string; value: JsonValue }
  | { kind: 'directive'; directive: NodeDirective }
  | { kind: 'error'; error: StepError };

export interface InvokeOptions {
  node: WorkflowNode;
  nodeType: NodeType;
  execution: ExecutionRecord;
  stepKey: string;
  attempt: number;
  input: JsonValue;
  scope: ExpressionScope;
  timeoutMs: number;
  expressionTimeoutMs: number;
  /** Aborted on cancel; the attempt's own timeout is added on top. */
  signal: AbortSignal;
  simulate: boolean;
  now: () => number;
  logger: EngineLogger;
  /** Decrypts the credentials named by the node's credential params. */
  credentials?: CredentialProvider;
  /** Learns every secret a node is given (for log redaction). */
  redactor?: Redactor;
}

/**
 * Parsed params of nodes without any `{{ }}` template: the same for every execution of a
 * workflow version, so they are resolved and checked once (node code treats params as
 * read-only).
 */
const staticParams = new WeakMap<WorkflowNode, { success: true; data: unknown }>();

const templated = new WeakMap<WorkflowNode, boolean>();

function hasTemplate(node: WorkflowNode): boolean {
  let result = templated.get(node);
  if (result === undefined)
    templated.set(node, (result = JSON.stringify(node.params).includes('{{')));
  return result;
}

/** A node attempt that ran past its timeout. */
export class StepTimeoutError extends FlowstateError {
  override name = 'StepTimeoutError';
  constructor(nodeName: string, timeoutMs: number) {
    super('STEP_TIMEOUT', `Node "${nodeName}" did not finish within ${timeoutMs} ms`);
  }
}

/**
 * Runs one attempt of a node: resolves its `{{ }}` params, checks them against the node
 * type's schema, decrypts its credentials, calls `run` with a context, and bounds it by the
 * attempt timeout. Never throws: failures come back as `{ kind: 'error' }`. The secrets of
 * the node's credentials are redacted from what it returns or throws, and from its logs.
 */
export function invokeNode(options: InvokeOptions): Promise<Invocation> {
  // Almost every step: no credential slots, so no extra await on the hot path.
  if (options.nodeType.credentials === undefined) return attempt(options, NO_CREDENTIALS);
  return invokeWithCredentials(options);
}

async function invokeWithCredentials(options: InvokeOptions): Promise<Invocation> {
  let credentials: NodeCredentials;
  try {
    credentials = await resolveNodeCredentials({
      node: options.node,
      nodeType: options.nodeType,
      provider: options.credentials,
      redactor: options.redactor,
    });
  } catch (error) {
    return { kind: 'error', error: serializeError(error) };
  }
  return attempt(options, credentials);
}

/**
 * One attempt, with the credentials' secrets, and those the node derives (`ctx.redact`),
 * redacted from what it returns or throws.
 */
async function attempt(options: InvokeOptions, credentials: NodeCredentials): Promise<Invocation> {
  let derived: string[] | undefined;
  const redact = (secret: string) => {
    (derived ??= []).push(secret);
    options.redactor?.add([secret]);
  };
  const finish = (invocation: Invocation): Invocation =>
    redactInvocation(
      invocation,
      derived === undefined
        ? credentials.secrets
        : secretList([...credentials.secrets, ...derived]),
    );
  const { node, nodeType } = options;
  try {
    const cached = staticParams.get(node);
    const parsed =
      cached ??
      nodeType.params.safeParse(
        await resolveParams(node.params, options.scope, {
          nodeName: node.name,
          rawParams: nodeType.rawParams ?? [],
          timeoutMs: options.expressionTimeoutMs,
        }),
      );
    if (cached === undefined && parsed.success && !hasTemplate(node))
      staticParams.set(node, parsed);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => ({
        path: `/params${issue.path.map((segment) => `/${String(segment)}`).join('')}`,
        message: issue.message,
      }));
      throw new FlowstateError(
        'INVALID_PARAMS',
        `Node "${node.name}" has invalid parameters: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        { details },
      );
    }
    const result = await runBounded(options, parsed.data, credentials, redact);
    if (isDirective(result)) {
      if (result[DIRECTIVE] === 'emit')
        return finish({ kind: 'output', port: result.port, value: result.value });
      return finish({ kind: 'directive', directive: result });
    }
    return finish({ kind: 'output', port: 'out', value: result });
  } catch (error) {
    const serialized = serializeError(error);
    if (
      error instanceof FlowstateError &&
      (error.code.startsWith('EXPRESSION') || error.code === 'INVALID_PARAMS')
    ) {
      serialized.retriable = false;
    }
    return finish({ kind: 'error', error: serialized });
  }
}

/** Signal handed to pure nodes: they are bounded by the expression limits instead. */
const NEVER_ABORTED = new AbortController().signal;

async function runBounded(
  options: InvokeOptions,
  params: unknown,
  credentials: NodeCredentials,
  redact: (secret: string) => void,
) {
  const { node, nodeType } = options;
  if (!nodeType.sideEffects) {
    // Pure nodes (transforms, conditions) finish in microseconds; a timer and an abort
    // controller per step would cost more than the node. Expressions bound their own time.
    return nodeType.run(
      buildContext(
        options,
        params,
        options.signal.aborted ? options.signal : NEVER_ABORTED,
        credentials,
        redact,
      ),
    );
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StepTimeoutError(node.name, options.timeoutMs);
      controller.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
      once: true,
    });
  });
  try {
    const ctx = buildContext(options, params, controller.signal, credentials, redact);
    const run = Promise.resolve(nodeType.run(ctx));
    return await Promise.race([run, timeout, aborted]);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

function buildContext(
  options: InvokeOptions,
  params: unknown,
  signal: AbortSignal,
  credentials: NodeCredentials,
  redact: (secret: string) => void,
): NodeContext {
  const { node } = options;
  return new StepContext({
    params,
    input: options.input,
    node: { id: node.id, name: node.name, type: node.type },
    execution: options.execution,
    stepKey: options.stepKey,
    attempt: options.attempt,
    signal,
    simulate: options.simulate,
    scope: options.scope,
    expressionTimeoutMs: options.expressionTimeoutMs,
    clock: options.now,
    engineLogger: redactingLogger(options.logger, credentials.secrets),
    credentials: credentials.credentials,
    redact,
  });
}

/** Raised when a directive is not allowed where it was returned. */
export function directiveError(message: string): StepError {
  return serializeError(new NonRetriableError(message, { code: 'INVALID_DIRECTIVE' }));
}
