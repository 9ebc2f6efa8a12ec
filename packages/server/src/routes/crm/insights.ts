import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JsonValue } from '@flowstate/core';
import {
  CRM_TEMPLATES,
  EntityEventSchema,
  NextActionSchema,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  buildTemplate,
  computeScore,
  exportContact,
  nextBestActions,
  scoreContact,
} from '@flowstate/crm';
import type { ServerContext } from '../../context.js';
import { eraseContact } from '../../crm/contact-erasure.js';
import { SCORE_SETTING, sourceOf, type CrmContext } from '../../crm/crm-context.js';
import { auditActorOf } from '../../auth/principal.js';
import { errors, Json } from '../../schemas/common.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });

const SearchQuery = z.object({
  q: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: 'Words; each matches a word prefix in names, emails and notes' }),
  types: z
    .string()
    .max(200)
    .optional()
    .transform((text, ctx) => {
      const types = text === undefined ? [...RECORD_TYPES] : text.split(',').map((t) => t.trim());
      const bad = types.filter((t) => !(RECORD_TYPES as readonly string[]).includes(t));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown record type ${bad.join(', ')}; allowed: ${RECORD_TYPES.join(', ')}`,
        });
        return z.NEVER;
      }
      return types as Array<(typeof RECORD_TYPES)[number]>;
    })
    .meta({
      description: `Comma-separated record types (default all: ${RECORD_TYPES.join(', ')})`,
    }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const SearchHitSchema = z.object({
  type: z.enum(RECORD_TYPES),
  id: z.string(),
  title: z.string(),
  recordType: z.string().nullable().optional(),
  recordId: z.string().nullable().optional(),
  rank: z.number(),
});

const ErasureSchema = z.object({
  contactId: z.string(),
  activities: z.number(),
  tasks: z.number(),
  events: z.number(),
  deals: z.number(),
  executionsScrubbed: z.array(z.string()),
  executionsPending: z.array(z.string()),
  valuesErased: z.number(),
});

const TemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  params: Json.meta({ description: 'JSON Schema of the install parameters' }),
});

/**
 * `/api/v1/crm`: search, next best actions, lead scoring, the entity-event feed, privacy
 * (export and erase one contact) and workflow templates.
 */
export function registerCrmInsightRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  crm: CrmContext,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { service } = crm;
  const tags = ['crm'];

  api.get(
    '/crm/search',
    {
      schema: {
        tags,
        summary: 'Full-text search over names, emails and notes (word prefixes)',
        querystring: SearchQuery,
        response: { 200: z.object({ items: z.array(SearchHitSchema) }), ...errors(400) },
      },
      config: { access: 'viewer' },
    },
    async (request) => ({
      items: await service.store.search({
        text: request.query.q,
        types: request.query.types,
        limit: request.query.limit,
      }),
    }),
  );

  api.get(
    '/crm/next-best-actions',
    {
      schema: {
        tags,
        summary:
          'What to do now, ranked, each with its reason: overdue and due tasks, hot leads, stalled deals',
        querystring: z.object({
          userId: z
            .string()
            .max(100)
            .optional()
            .meta({ description: 'Only this user\'s work; "me" for the caller' }),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          hotScore: z.coerce.number().min(0).max(1000).default(60),
          stalledDays: z.coerce.number().min(1).max(365).default(14),
        }),
        response: { 200: z.object({ items: z.array(NextActionSchema) }) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const { userId, ...rest } = request.query;
      const principal = request.principal;
      const me = principal && 'user' in principal ? principal.user.id : undefined;
      const user = userId === 'me' ? me : userId;
      return {
        items: await nextBestActions(service, {
          ...rest,
          ...(user === undefined ? {} : { userId: user }),
        }),
      };
    },
  );

  api.get(
    '/crm/scoring',
    {
      schema: {
        tags,
        summary: 'The lead-score expression (JSONata over contact, activities, tasks)',
        response: { 200: z.object({ expression: z.string() }) },
      },
      config: { access: 'viewer' },
    },
    async () => ({ expression: (await crm.score.expression()) ?? '' }),
  );

  api.put(
    '/crm/scoring',
    {
      schema: {
        tags,
        summary: 'Set the lead-score expression (checked on a sample contact first)',
        body: z.object({ expression: z.string().min(1).max(5000) }).strict(),
        response: {
          200: z.object({ expression: z.string(), sample: z.number() }),
          ...errors(400, 422),
        },
      },
      config: { access: 'admin' },
    },
    async (request) => {
      const now = service.now();
      const sample = await computeScore(request.body.expression, {
        contact: {
          id: 'sample',
          name: 'Sample',
          email: 'sample@example.com',
          phone: null,
          score: 0,
          custom: {},
        },
        activities: [{ kind: 'call', occurredAt: now, recordType: 'contact', recordId: 'sample' }],
        tasks: [],
        now,
      });
      await ctx.store.putSetting({
        key: SCORE_SETTING,
        value: { expression: request.body.expression },
        now,
      });
      await ctx.audit.record(auditActorOf(request.principal), {
        action: 'crm.scoring.update',
        target: { type: 'setting', id: SCORE_SETTING },
        summary: { after: request.body.expression },
      });
      return { expression: request.body.expression, sample };
    },
  );

  api.post(
    '/crm/contacts/:id/score',
    {
      schema: {
        tags,
        summary: "Recompute a contact's lead score",
        params: IdParams,
        response: { 200: RECORD_SCHEMAS.contact, ...errors(404, 422) },
      },
      config: { access: 'editor' },
    },
    async (request) =>
      (await scoreContact(service, {
        id: request.params.id,
        config: crm.score,
        source: sourceOf(request),
      })) as never,
  );

  api.get(
    '/crm/events',
    {
      schema: {
        tags,
        summary: 'The entity-event feed in commit order (poll with afterSeq)',
        querystring: z.object({
          afterSeq: z.coerce.number().int().min(0).default(0),
          recordType: z.enum(RECORD_TYPES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(EntityEventSchema) }) },
      },
      config: { access: 'viewer' },
    },
    async (request) => ({ items: (await service.store.listEvents(request.query)) as never }),
  );

  api.get(
    '/crm/contacts/:id/export',
    {
      schema: {
        tags,
        summary: 'Everything stored about one contact, as JSON (data access and portability)',
        params: IdParams,
        response: { 200: Json, ...errors(404) },
      },
      config: { access: 'admin' },
    },
    async (request) => {
      const data = await exportContact(service, request.params.id);
      await ctx.audit.record(auditActorOf(request.principal), {
        action: 'crm.contact.export',
        target: { type: 'crm-contact', id: request.params.id },
        summary: {},
      });
      return data;
    },
  );

  api.post(
    '/crm/contacts/:id/erase',
    {
      schema: {
        tags,
        summary:
          'Erase a contact: its records, activities, tasks, events, and its personal data in execution journals',
        params: IdParams,
        response: { 200: ErasureSchema, ...errors(404) },
      },
      config: { access: 'admin' },
    },
    async (request) =>
      eraseContact({
        crm: service,
        store: ctx.store,
        audit: ctx.audit,
        actor: auditActorOf(request.principal),
        id: request.params.id,
      }),
  );

  api.get(
    '/crm/templates',
    {
      schema: {
        tags,
        summary: 'Workflow templates that use the CRM',
        response: { 200: z.object({ items: z.array(TemplateSchema) }) },
      },
      config: { access: 'viewer' },
    },
    async () => ({
      items: CRM_TEMPLATES.map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description,
        params: z.toJSONSchema(t.params, { io: 'input' }) as JsonValue,
      })),
    }),
  );

  api.post(
    '/crm/templates/:id/install',
    {
      schema: {
        tags,
        summary:
          'Install a template with parameters: creates the workflow (active unless active is false)',
        params: IdParams,
        body: z
          .object({
            params: z.record(z.string(), z.unknown()).default({}),
            name: z.string().min(1).max(200).optional(),
            active: z.boolean().default(true),
          })
          .strict(),
        response: {
          201: z.object({
            workflowId: z.string(),
            name: z.string(),
            active: z.boolean(),
            publishedVersion: z.number().nullable(),
          }),
          ...errors(400, 404, 422),
        },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const document = buildTemplate(request.params.id, request.body.params);
      if (request.body.name !== undefined) document.name = request.body.name;
      const view = await ctx.workflows.create({
        document,
        active: request.body.active,
        message: `CRM template ${request.params.id}`,
      });
      await ctx.audit.record(auditActorOf(request.principal), {
        action: 'workflow.create',
        target: { type: 'workflow', id: view.id },
        summary: { after: { name: view.name, template: request.params.id } },
      });
      return reply.code(201).send({
        workflowId: view.id,
        name: view.name,
        active: view.active,
        publishedVersion: view.publishedVersion ?? null,
      });
    },
  );
}
