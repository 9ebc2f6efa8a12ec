import type { FastifyInstance } from 'fastify';
import type { NodeRegistry } from '@flowstate/core';
import type { Engine, Store } from '@flowstate/engine';
import { CrmService, type CrmStore } from '@flowstate/crm';
import type { ServerContext } from '../context.js';
import { registerCrmInsightRoutes } from '../routes/crm/insights.js';
import { registerCrmPipelineRoutes } from '../routes/crm/pipelines.js';
import { registerCrmRecordRoutes } from '../routes/crm/records.js';
import { settingsScoreConfig, type CrmContext } from './crm-context.js';
import { EntityDispatcher } from './entity-dispatcher.js';
import { EntityTriggerIndex } from './entity-triggers.js';

/** The CRM storage of a store that has one (`SqliteStore.crm`, `PostgresStore.crm`). */
export function crmStoreOf(store: Store): CrmStore | undefined {
  return (store as Store & { crm?: CrmStore }).crm;
}

/** CRM options of `buildServer`. */
export interface CrmServerOptions {
  /** The service the `crm.*` nodes were built with (so their writes kick the dispatcher). */
  service?: CrmService;
  /** False: start no workflows from entity events in this process (API-only processes). */
  dispatcher?: false | { pollMs?: number };
}

/**
 * Builds the server's CRM parts over the store's `CrmStore` (none when the store has no CRM
 * storage): the entity trigger index (kept in step with workflows), the outbox dispatcher
 * (kicked by every entity event this process commits) and the score configuration.
 */
export function createCrmContext(input: {
  store: Store;
  engine: Engine;
  registry: NodeRegistry;
  options?: CrmServerOptions;
  /** Resyncs one workflow's triggers (the `WorkflowService`'s), for `refreshTriggers`. */
  resync?: (workflowId: string) => Promise<void>;
}): CrmContext | undefined {
  const crmStore = input.options?.service?.store ?? crmStoreOf(input.store);
  if (crmStore === undefined) return undefined;
  const service =
    input.options?.service ??
    new CrmService({ store: crmStore, now: () => input.engine.clock.now() });
  const triggers = new EntityTriggerIndex(input.registry);
  const dispatcher =
    input.options?.dispatcher === false
      ? undefined
      : new EntityDispatcher({
          engine: input.engine,
          store: crmStore,
          triggers,
          logger: input.engine.logger,
          ...(input.resync === undefined
            ? {}
            : {
                refreshTriggers: async () =>
                  triggers.refresh(await input.store.listWorkflows(), input.resync!),
              }),
          ...(input.options?.dispatcher?.pollMs === undefined
            ? {}
            : { pollMs: input.options.dispatcher.pollMs }),
        });
  if (dispatcher) service.onEvent(() => dispatcher.kick());
  return {
    service,
    triggers,
    ...(dispatcher ? { dispatcher } : {}),
    score: settingsScoreConfig(input.store),
  };
}

/** Registers the `/api/v1/crm` routes. */
export function registerCrmRoutes(api: FastifyInstance, ctx: ServerContext): void {
  if (ctx.crm === undefined) return;
  registerCrmRecordRoutes(api, ctx, ctx.crm);
  registerCrmPipelineRoutes(api, ctx.crm);
  registerCrmInsightRoutes(api, ctx, ctx.crm);
}
