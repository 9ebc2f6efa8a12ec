import {
  DIRECTIVE,
  NonRetriableError,
  type CredentialValue,
  type NodeDirective,
  type NodeType,
  type WorkflowNode,
} from '@flowstate/core';
import type { EngineLogger } from './api.js';
import type { CredentialProvider } from './credential-provider.js';
import type { Invocation } from './invoke-node.js';
import { redactJson, scrubString, secretList, type Redactor } from './redaction.js';

/** What a node's attempt gets: its credentials and the secrets to redact from its results. */
export interface NodeCredentials {
  credentials: Readonly<Record<string, CredentialValue>>;
  /** Longest first (see `secretList`). */
  secrets: readonly string[];
}

/** Nodes without credential params (almost all steps) share this. */
export const NO_CREDENTIALS: NodeCredentials = Object.freeze({
  credentials: Object.freeze({}),
  secrets: Object.freeze([]) as readonly string[],
});

/**
 * Decrypts the credentials a node's params name (see `NodeType.credentials`). A credential
 * param must hold a literal id: an expression could pick another team's credential from
 * trigger data. Throws a non-retriable error naming the node and param when an id is a
 * template, unknown, or of a type the slot does not accept.
 */
export async function resolveNodeCredentials(options: {
  node: WorkflowNode;
  nodeType: NodeType;
  provider: CredentialProvider | undefined;
  redactor: Redactor | undefined;
}): Promise<NodeCredentials> {
  const { node, nodeType, provider } = options;
  const credentials: Record<string, CredentialValue> = {};
  const secrets: string[] = [];
  for (const [param, types] of Object.entries(nodeType.credentials ?? {})) {
    const id = node.params[param];
    if (id === undefined || id === null || id === '') continue;
    const where = `Node "${node.name}" param "${param}"`;
    if (typeof id !== 'string' || id.includes('{{')) {
      throw new NonRetriableError(`${where} must be a credential id, not an expression`, {
        code: 'INVALID_CREDENTIAL_REFERENCE',
      });
    }
    if (provider === undefined) {
      throw new NonRetriableError(`${where}: this engine has no credential store configured`, {
        code: 'CREDENTIALS_UNAVAILABLE',
      });
    }
    const resolved = await provider.resolve(id);
    if (resolved === undefined) {
      throw new NonRetriableError(`${where}: credential "${id}" does not exist`, {
        code: 'CREDENTIAL_NOT_FOUND',
      });
    }
    if (!types.includes(resolved.type)) {
      throw new NonRetriableError(
        `${where}: credential "${resolved.name}" (${id}) is of type ${resolved.type}; this node accepts ${types.join(', ')}`,
        { code: 'CREDENTIAL_TYPE_MISMATCH' },
      );
    }
    credentials[param] = {
      id: resolved.id,
      name: resolved.name,
      type: resolved.type,
      data: resolved.data,
    };
    secrets.push(...resolved.secrets);
  }
  if (secrets.length === 0 && Object.keys(credentials).length === 0) return NO_CREDENTIALS;
  options.redactor?.add(secrets);
  return { credentials, secrets: secretList(secrets) };
}

/** An invocation with `secrets` replaced in its output, error or directive payload. */
export function redactInvocation(invocation: Invocation, secrets: readonly string[]): Invocation {
  if (secrets.length === 0) return invocation;
  switch (invocation.kind) {
    case 'output':
      return { ...invocation, value: redactJson(invocation.value, secrets) };
    case 'error':
      return { ...invocation, error: redactJson(invocation.error, secrets) };
    default:
      return { ...invocation, directive: redactDirective(invocation.directive, secrets) };
  }
}

function redactDirective(directive: NodeDirective, secrets: readonly string[]): NodeDirective {
  switch (directive[DIRECTIVE]) {
    case 'emit':
      return { ...directive, value: redactJson(directive.value, secrets) };
    case 'loop':
      return { ...directive, items: redactJson(directive.items, secrets) };
    case 'call':
      return { ...directive, input: redactJson(directive.input, secrets) };
    case 'respond': {
      const { response } = directive;
      return {
        ...directive,
        response: {
          ...response,
          body: redactJson(response.body, secrets),
          ...(response.headers ? { headers: redactJson(response.headers, secrets) } : {}),
        },
      };
    }
    case 'return':
      return { ...directive, value: redactJson(directive.value, secrets) };
    case 'suspend': {
      const { onTimeout, event } = directive.options;
      return {
        ...directive,
        options: {
          ...directive.options,
          ...(onTimeout
            ? { onTimeout: { ...onTimeout, value: redactJson(onTimeout.value, secrets) } }
            : {}),
          ...(event
            ? { event: { ...event, correlationKey: scrubString(event.correlationKey, secrets) } }
            : {}),
        },
      };
    }
    default:
      return directive;
  }
}

/** A logger that redacts `secrets` from messages and data before passing them on. */
export function redactingLogger(logger: EngineLogger, secrets: readonly string[]): EngineLogger {
  if (secrets.length === 0) return logger;
  const scrub = (obj: Record<string, unknown>) =>
    scrubUnknown(obj, secrets, 0) as Record<string, unknown>;
  const text = (msg: string | undefined) => (msg === undefined ? msg : scrubString(msg, secrets));
  return {
    debug: (obj, msg) => logger.debug(scrub(obj), text(msg)),
    info: (obj, msg) => logger.info(scrub(obj), text(msg)),
    warn: (obj, msg) => logger.warn(scrub(obj), text(msg)),
    error: (obj, msg) => logger.error(scrub(obj), text(msg)),
  };
}

/** Log data with secrets replaced; errors become plain objects, depth is bounded. */
function scrubUnknown(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 20) return '[too deep]';
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubString(value.message, secrets),
      ...(value.stack ? { stack: scrubString(value.stack, secrets) } : {}),
      ...(value.cause === undefined
        ? {}
        : { cause: scrubUnknown(value.cause, secrets, depth + 1) }),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrubUnknown(item, secrets, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      scrubString(key, secrets),
      scrubUnknown(item, secrets, depth + 1),
    ]),
  );
}
