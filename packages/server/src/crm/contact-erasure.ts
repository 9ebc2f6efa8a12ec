import type { JsonValue } from '@flowstate/core';
import type { ExecutionChange, Store } from '@flowstate/engine';
import { piiNeedles, recordNotFound, scrubPii, type CrmService } from '@flowstate/crm';
import type { AuditActor } from '@flowstate/engine';
import type { AuditLog } from '../audit/audit-log.js';

/** What an erasure did (no personal data: counts and ids only). */
export interface ErasureReport {
  contactId: string;
  activities: number;
  tasks: number;
  events: number;
  deals: number;
  /** Executions whose journal was rewritten. */
  executionsScrubbed: string[];
  /** Executions that changed under us three times (still running): erase again later. */
  executionsPending: string[];
  /** Strings replaced with `[erased]` in journals. */
  valuesErased: number;
}

/**
 * Erases a contact (GDPR): the CRM rows go in one transaction (the contact, its activities,
 * tasks and entity events), then the journals of the executions linked to it (started by its
 * events or written by `crm.*` steps) are rewritten with every string that contains its id,
 * email, name or phone replaced by `[erased]` (trigger input, step inputs, outputs and errors,
 * execution output and error). Each rewrite is one commit guarded by the execution's seq.
 * Audit-logged without personal data.
 *
 * Limits: executions that never named the contact through the CRM (e.g. a webhook that
 * carried the email) are not linked and not scrubbed; payloads stored out of line by the
 * journal are rewritten through the same commit, but old copies may linger in database
 * pages until SQLite's incremental vacuum or PostgreSQL's VACUUM reuses them.
 */
export async function eraseContact(input: {
  crm: CrmService;
  store: Store;
  audit: AuditLog;
  actor: AuditActor;
  id: string;
}): Promise<ErasureReport> {
  const contact = await input.crm.store.getRecord('contact', input.id);
  if (contact === undefined) throw recordNotFound('contact', input.id);
  const needles = piiNeedles(contact);
  const result = await input.crm.store.eraseContact(input.id);
  const report: ErasureReport = {
    contactId: input.id,
    activities: result.activities,
    tasks: result.tasks,
    events: result.events,
    deals: result.deals,
    executionsScrubbed: [],
    executionsPending: [],
    valuesErased: 0,
  };
  for (const executionId of new Set(result.executions.map((l) => l.executionId))) {
    const outcome = await scrubExecution(input.store, executionId, needles);
    if (outcome === undefined) continue;
    if (outcome === 'pending') report.executionsPending.push(executionId);
    else {
      report.executionsScrubbed.push(executionId);
      report.valuesErased += outcome;
    }
  }
  await input.audit.record(input.actor, {
    action: 'crm.contact.erase',
    target: { type: 'crm-contact', id: input.id },
    summary: { ...report } as unknown as Record<string, JsonValue>,
  });
  return report;
}

/** Rewrites one execution's journal; the number of replaced strings, or `pending`. */
async function scrubExecution(
  store: Store,
  id: string,
  needles: readonly string[],
): Promise<number | 'pending' | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const loaded = await store.loadExecution(id);
    if (loaded === undefined) return undefined;
    const scrubbed = scrubPii(loaded.execution, needles);
    let replaced = scrubbed.replaced;
    const steps = loaded.steps.map((step) => {
      const clean = scrubPii(
        { input: step.input, output: step.output, error: step.error },
        needles,
      );
      replaced += clean.replaced;
      return { step: { ...step, ...clean.value } };
    });
    if (replaced === 0) return 0;
    const change: ExecutionChange = {
      expectSeq: loaded.execution.seq,
      execution: {
        ...scrubbed.value,
        id: loaded.execution.id,
        workflowId: loaded.execution.workflowId,
      },
      steps: steps.filter(
        (_, i) => JSON.stringify(steps[i]!.step) !== JSON.stringify(loaded.steps[i]),
      ),
    };
    const [outcome] = await store.commit([change]);
    if (outcome?.status === 'ok') return replaced;
  }
  return 'pending';
}
