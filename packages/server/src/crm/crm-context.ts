import type { FastifyRequest } from 'fastify';
import type { Store } from '@flowstate/engine';
import {
  DEFAULT_SCORE_EXPRESSION,
  type ChangeSource,
  type CrmService,
  type ScoreConfig,
} from '@flowstate/crm';
import type { EntityDispatcher } from './entity-dispatcher.js';
import type { EntityTriggerIndex } from './entity-triggers.js';

/** The CRM parts of the server: the service, its trigger index and outbox dispatcher. */
export interface CrmContext {
  service: CrmService;
  triggers: EntityTriggerIndex;
  /** Absent in processes that start no workflows from entity events (API-only). */
  dispatcher?: EntityDispatcher;
  score: ScoreConfig;
}

/** Settings key of the lead-score expression. */
export const SCORE_SETTING = 'crm.scoring';

/** The lead-score expression kept in the settings table (default when unset). */
export function settingsScoreConfig(store: Store): ScoreConfig {
  return {
    async expression() {
      const value = await store.getSetting(SCORE_SETTING);
      const expression = (value as { expression?: unknown } | undefined)?.expression;
      return typeof expression === 'string' ? expression : DEFAULT_SCORE_EXPRESSION;
    },
  };
}

/** The change source of an API request: the calling user. */
export function sourceOf(request: FastifyRequest): ChangeSource {
  const principal = request.principal;
  return { actor: principal && 'user' in principal ? `user:${principal.user.id}` : 'system' };
}
