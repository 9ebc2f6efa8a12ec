import { z } from 'zod';

/** The kinds of CRM record. Each is one table; entity events name them. */
export const RECORD_TYPES = ['contact', 'company', 'deal', 'task', 'activity'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Kinds of activity in a record's log. */
export const ACTIVITY_KINDS = ['note', 'call', 'email', 'meeting'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Task states. */
export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Record types a pipeline can hold (contacts as prospects, deals as opportunities). */
export const PIPELINE_RECORD_TYPES = ['contact', 'deal'] as const;
export type PipelineRecordType = (typeof PIPELINE_RECORD_TYPES)[number];

const id = z.string().min(1).max(100);
const text = (max: number) => z.string().max(max);
/** Values of custom fields: checked against the field definitions of the record's type. */
export const CustomValues = z.record(z.string(), z.unknown());

/** Fields every record has, set by the service. */
const stored = { id, createdAt: z.number().int(), updatedAt: z.number().int() };

/** A person: a prospect, a lead or a customer. */
export const ContactSchema = z
  .object({
    ...stored,
    name: text(300).min(1),
    email: z.string().max(320).nullable(),
    phone: text(50).nullable(),
    companyId: id.nullable(),
    ownerId: id.nullable(),
    pipelineId: id.nullable(),
    stage: id.nullable(),
    stageChangedAt: z.number().int(),
    score: z.number(),
    source: text(200).nullable(),
    notes: text(20_000).nullable(),
    lastActivityAt: z.number().int().nullable(),
    custom: CustomValues,
  })
  .meta({ id: 'CrmContact' });
export type Contact = z.infer<typeof ContactSchema>;

export const CompanySchema = z
  .object({
    ...stored,
    name: text(300).min(1),
    domain: text(253).nullable(),
    ownerId: id.nullable(),
    notes: text(20_000).nullable(),
    custom: CustomValues,
  })
  .meta({ id: 'CrmCompany' });
export type Company = z.infer<typeof CompanySchema>;

export const DealSchema = z
  .object({
    ...stored,
    name: text(300).min(1),
    contactId: id.nullable(),
    companyId: id.nullable(),
    pipelineId: id,
    stage: id,
    stageChangedAt: z.number().int(),
    amount: z.number(),
    currency: text(3).nullable(),
    ownerId: id.nullable(),
    closeDate: text(10).nullable(),
    notes: text(20_000).nullable(),
    custom: CustomValues,
  })
  .meta({ id: 'CrmDeal' });
export type Deal = z.infer<typeof DealSchema>;

export const TaskSchema = z
  .object({
    ...stored,
    title: text(500).min(1),
    dueAt: z.number().int(),
    priority: z
      .number()
      .int()
      .min(1)
      .max(4)
      .meta({ description: '1 low, 2 normal, 3 high, 4 urgent' }),
    assigneeId: id.nullable(),
    status: z.enum(TASK_STATUSES),
    recordType: z.enum(RECORD_TYPES).nullable(),
    recordId: id.nullable(),
    notes: text(20_000).nullable(),
    completedAt: z.number().int().nullable(),
    custom: CustomValues,
  })
  .meta({ id: 'CrmTask' });
export type Task = z.infer<typeof TaskSchema>;

export const ActivitySchema = z
  .object({
    ...stored,
    kind: z.enum(ACTIVITY_KINDS),
    recordType: z.enum(RECORD_TYPES),
    recordId: id,
    subject: text(500).nullable(),
    body: text(50_000).nullable(),
    occurredAt: z.number().int(),
    actorId: id.nullable(),
    custom: CustomValues,
  })
  .meta({ id: 'CrmActivity' });
export type Activity = z.infer<typeof ActivitySchema>;

/** A record of any type, as the store keeps it. */
export type CrmRecord = Contact | Company | Deal | Task | Activity;
/** Records by type. */
export interface RecordsByType {
  contact: Contact;
  company: Company;
  deal: Deal;
  task: Task;
  activity: Activity;
}

/** Schemas of stored records by type. */
export const RECORD_SCHEMAS = {
  contact: ContactSchema,
  company: CompanySchema,
  deal: DealSchema,
  task: TaskSchema,
  activity: ActivitySchema,
} as const;

const server = { id: true, createdAt: true, updatedAt: true } as const;

/** What a client may send to create a record: server fields and derived ones left out. */
export const CREATE_SCHEMAS = {
  contact: ContactSchema.omit({ ...server, stageChangedAt: true, lastActivityAt: true })
    .partial()
    .required({ name: true })
    .strict()
    .meta({ id: 'CrmContactCreate' }),
  company: CompanySchema.omit(server)
    .partial()
    .required({ name: true })
    .strict()
    .meta({ id: 'CrmCompanyCreate' }),
  deal: DealSchema.omit({ ...server, stageChangedAt: true })
    .partial()
    .required({ name: true, pipelineId: true })
    .strict()
    .meta({ id: 'CrmDealCreate' }),
  task: TaskSchema.omit({ ...server, completedAt: true })
    .partial()
    .required({ title: true, dueAt: true })
    .strict()
    .meta({ id: 'CrmTaskCreate' }),
  activity: ActivitySchema.omit(server)
    .partial()
    .required({ kind: true, recordType: true, recordId: true })
    .strict()
    .meta({ id: 'CrmActivityCreate' }),
} as const;

/** What a client may send to change a record (every field optional; `stage` moves it). */
export const PATCH_SCHEMAS = {
  contact: CREATE_SCHEMAS.contact.partial().strict().meta({ id: 'CrmContactPatch' }),
  company: CREATE_SCHEMAS.company.partial().strict().meta({ id: 'CrmCompanyPatch' }),
  deal: CREATE_SCHEMAS.deal.partial().strict().meta({ id: 'CrmDealPatch' }),
  task: CREATE_SCHEMAS.task.partial().strict().meta({ id: 'CrmTaskPatch' }),
  activity: CREATE_SCHEMAS.activity.partial().strict().meta({ id: 'CrmActivityPatch' }),
} as const;

export type CreateInput<T extends RecordType> = z.infer<(typeof CREATE_SCHEMAS)[T]>;
export type PatchInput<T extends RecordType> = z.infer<(typeof PATCH_SCHEMAS)[T]>;

/** Defaults of the nullable and defaulted fields of a new record. */
export function recordDefaults(type: RecordType, now: number): Record<string, unknown> {
  switch (type) {
    case 'contact':
      return {
        email: null,
        phone: null,
        companyId: null,
        ownerId: null,
        pipelineId: null,
        stage: null,
        stageChangedAt: now,
        score: 0,
        source: null,
        notes: null,
        lastActivityAt: null,
        custom: {},
      };
    case 'company':
      return { domain: null, ownerId: null, notes: null, custom: {} };
    case 'deal':
      return {
        contactId: null,
        companyId: null,
        stageChangedAt: now,
        amount: 0,
        currency: null,
        ownerId: null,
        closeDate: null,
        notes: null,
        custom: {},
      };
    case 'task':
      return {
        priority: 2,
        assigneeId: null,
        status: 'open',
        recordType: null,
        recordId: null,
        notes: null,
        completedAt: null,
        custom: {},
      };
    case 'activity':
      return { subject: null, body: null, occurredAt: now, actorId: null, custom: {} };
  }
}

/** A record's display title: a contact's name, a task's title, an activity's subject or kind. */
export function recordTitle(type: RecordType, record: Record<string, unknown>): string {
  if (type === 'task') return String(record['title'] ?? '');
  if (type === 'activity') return String(record['subject'] ?? record['kind'] ?? '');
  return String(record['name'] ?? '');
}
