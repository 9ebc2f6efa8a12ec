import { isJsonObject } from './json.js';
import { CURRENT_SCHEMA_VERSION } from './model.js';

/**
 * Brings a workflow document of any older `schemaVersion` up to the current one (DESIGN
 * section 2: older documents are migrated on read, never rejected). A missing
 * `schemaVersion` is treated as 1. Anything that is not an object, or a version newer than
 * this build knows, is returned unchanged for the validator to report.
 */
export function migrateWorkflow(doc: unknown): unknown {
  if (!isJsonObject(doc)) return doc;
  const version = doc.schemaVersion === undefined ? 1 : doc.schemaVersion;
  if (typeof version !== 'number' || version > CURRENT_SCHEMA_VERSION) return doc;
  // Version 1 is current: future migrations are applied here in order, v1 -> v2 -> ...
  return doc.schemaVersion === undefined ? { ...doc, schemaVersion: CURRENT_SCHEMA_VERSION } : doc;
}
