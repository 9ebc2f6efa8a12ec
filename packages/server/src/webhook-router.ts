import type { NodeRegistry, Workflow } from '@flowstate/core';
import { parseRateLimit, type RateLimit } from './auth/rate-limiter.js';

/** The node type whose params declare a webhook. */
export const WEBHOOK_TRIGGER_TYPE = 'trigger.webhook';

/** Methods a webhook answers when its node names none. */
export const DEFAULT_WEBHOOK_METHODS: readonly string[] = ['POST'];

/** One method + path served by one trigger node of one active workflow version. */
export interface WebhookRoute {
  method: string;
  /** Normalised: no leading or trailing slash. */
  path: string;
  workflowId: string;
  workflowName: string;
  version: number;
  triggerNodeId: string;
  /** Per-trigger override of the server's response timeout. */
  responseTimeoutMs?: number;
  /** How callers authenticate; absent for `none` (the hot path checks nothing). */
  auth?: WebhookAuth;
  /** Per-trigger override of the server's webhook rate limit. */
  rateLimit?: RateLimit;
}

/** A webhook trigger's `auth` param other than `none` (see `webhookAuthParams` in nodes). */
export type WebhookAuth =
  | { type: 'header' | 'basic'; credential: string }
  | { type: 'hmac'; credential: string; toleranceSeconds: number };

/** Result of a lookup: the route, or the methods the path does answer (405), or nothing (404). */
export type WebhookMatch =
  | { kind: 'route'; route: WebhookRoute }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

/** Canonical form of a webhook path: no leading/trailing slashes, no empty segments. */
export function normalizeWebhookPath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .join('/');
}

/**
 * The webhook routes a workflow version declares: one per method of each enabled top-level
 * `trigger.webhook` node. Params are read through the node type's schema when it accepts them,
 * so the node's own defaults apply.
 */
export function webhookRoutesOf(input: {
  workflowId: string;
  version: number;
  definition: Workflow;
  registry: NodeRegistry;
}): WebhookRoute[] {
  const { workflowId, version, definition, registry } = input;
  const nodeType = registry.get(WEBHOOK_TRIGGER_TYPE);
  const routes: WebhookRoute[] = [];
  for (const node of definition.nodes) {
    if (node.type !== WEBHOOK_TRIGGER_TYPE || node.disabled === true || node.parentId !== undefined)
      continue;
    const parsed = nodeType?.params.safeParse(node.params);
    const params = (parsed?.success === true ? parsed.data : node.params) as Record<
      string,
      unknown
    >;
    if (typeof params['path'] !== 'string') continue;
    const path = normalizeWebhookPath(params['path']);
    // Raw param only: the node schema's default must not hide FLOWSTATE_WEBHOOK_TIMEOUT_MS.
    const timeout = node.params['responseTimeoutMs'];
    const auth = authOf(params['auth']);
    // Fail closed: a webhook whose auth cannot be read is not served at all.
    if (auth === 'invalid') continue;
    const rateLimit =
      typeof params['rateLimit'] === 'string' ? parseRateLimit(params['rateLimit']) : undefined;
    for (const method of methodsOf(params)) {
      routes.push({
        method,
        path,
        workflowId,
        workflowName: definition.name,
        version,
        triggerNodeId: node.id,
        ...(typeof timeout === 'number' ? { responseTimeoutMs: timeout } : {}),
        ...(auth ? { auth } : {}),
        ...(rateLimit ? { rateLimit } : {}),
      });
    }
  }
  return routes;
}

/** The trigger's auth; undefined for none, `'invalid'` when set but unreadable. */
function authOf(value: unknown): WebhookAuth | undefined | 'invalid' {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return 'invalid';
  const auth = value as Record<string, unknown>;
  if (auth['type'] === 'none') return undefined;
  const credential = auth['credential'];
  if (typeof credential !== 'string') return 'invalid';
  if (auth['type'] === 'header' || auth['type'] === 'basic')
    return { type: auth['type'], credential };
  if (auth['type'] === 'hmac') {
    const tolerance = auth['toleranceSeconds'];
    return {
      type: 'hmac',
      credential,
      toleranceSeconds: typeof tolerance === 'number' ? tolerance : 300,
    };
  }
  return 'invalid';
}

function methodsOf(params: Record<string, unknown>): string[] {
  const methods = params['methods'];
  if (Array.isArray(methods) && methods.length > 0) {
    return [
      ...new Set(
        methods.filter((m): m is string => typeof m === 'string').map((m) => m.toUpperCase()),
      ),
    ];
  }
  const method = params['method'];
  return typeof method === 'string' ? [method.toUpperCase()] : [...DEFAULT_WEBHOOK_METHODS];
}

/**
 * In-memory table of the webhook routes of active workflows. Lookups are one Map access, so
 * the webhook hot path never touches the database. Updated per workflow when one is created,
 * updated, activated, deactivated or deleted.
 */
export class WebhookRouter {
  private readonly byKey = new Map<string, WebhookRoute>();
  private readonly methodsByPath = new Map<string, Set<string>>();
  private readonly byWorkflow = new Map<string, WebhookRoute[]>();

  /** The route for a method and (raw) path. */
  match(method: string, path: string): WebhookMatch {
    const normalized = normalizeWebhookPath(path);
    const route = this.byKey.get(`${method} ${normalized}`);
    if (route) return { kind: 'route', route };
    const methods = this.methodsByPath.get(normalized);
    if (methods && methods.size > 0)
      return { kind: 'method-not-allowed', allowed: [...methods].sort() };
    return { kind: 'not-found' };
  }

  /** The first route of another workflow that claims a method + path in `routes`. */
  findConflict(
    workflowId: string,
    routes: readonly WebhookRoute[],
  ): { route: WebhookRoute; other: WebhookRoute } | undefined {
    for (const route of routes) {
      const other = this.byKey.get(`${route.method} ${route.path}`);
      if (other && other.workflowId !== workflowId) return { route, other };
    }
    return undefined;
  }

  /** Replaces a workflow's routes (the caller checked `findConflict` first). */
  set(workflowId: string, routes: readonly WebhookRoute[]): void {
    this.remove(workflowId);
    if (routes.length === 0) return;
    this.byWorkflow.set(workflowId, [...routes]);
    for (const route of routes) {
      this.byKey.set(`${route.method} ${route.path}`, route);
      const methods = this.methodsByPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      this.methodsByPath.set(route.path, methods);
    }
  }

  /** Drops every route of a workflow. */
  remove(workflowId: string): void {
    const routes = this.byWorkflow.get(workflowId);
    if (!routes) return;
    this.byWorkflow.delete(workflowId);
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (this.byKey.get(key)?.workflowId === workflowId) this.byKey.delete(key);
      const methods = this.methodsByPath.get(route.path);
      methods?.delete(route.method);
      if (methods?.size === 0) this.methodsByPath.delete(route.path);
    }
  }

  /** Every route, for diagnostics and tests. */
  list(): WebhookRoute[] {
    return [...this.byKey.values()];
  }
}
