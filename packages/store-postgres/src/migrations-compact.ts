import type { Migration } from './migrations.js';

/**
 * Version 7: compact executions. An execution that finished in its first commit keeps its
 * step journal in one column of its row (`steps_json`, see the engine's compact-journal.ts)
 * instead of one `steps` row per step, with its steps counted by status (`steps_summary`).
 * It is expanded into step rows before the execution changes again (a retry, a re-run).
 * Neither column ever holds a blob reference: a journal that would need one is written as
 * step rows.
 */
export const COMPACT_MIGRATION: Migration = {
  version: 7,
  name: 'compact executions',
  sql: `
ALTER TABLE executions ADD COLUMN steps_json text, ADD COLUMN steps_summary text;
`,
};
