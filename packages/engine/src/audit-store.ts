import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from '@flowstate/core';

/** Who made a change. */
export interface AuditActor {
  /** `user` (session), `api-key`, `system` (the server itself: workflow files) or `cli`. */
  type: 'user' | 'api-key' | 'system' | 'cli';
  /** User id, API key id, or a fixed name for system and CLI. */
  id: string;
  /** For people: the email, so the log reads without joins (and survives user renames). */
  label?: string;
}

/** What a caller records; the store adds `seq`, `prevHash` and `hash`. */
export interface AuditEntryInput {
  at: number;
  actor: AuditActor;
  /** `<thing>.<verb>`, e.g. `workflow.update`, `credential.delete`, `user.role`. */
  action: string;
  target: { type: string; id: string };
  /** Before/after summary of the change. Never secrets. */
  summary: JsonValue;
}

/** A stored entry of the hash-chained audit log. */
export interface AuditEntry extends AuditEntryInput {
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  /** `hash` of the previous entry; {@link AUDIT_GENESIS_HASH} for the first. */
  prevHash: string;
  /** sha256 (hex) of `prevHash` followed by the entry's canonical JSON (see {@link auditHash}). */
  hash: string;
}

/** The `prevHash` of the first entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of an entry: sha256 over the previous entry's hash and the canonical JSON of the
 * entry's own fields (`seq`, `at`, `actor`, `action`, `target`, `summary`). Stores call it
 * inside the transaction that appends the entry, so the chain has no forks.
 */
export function auditHash(prevHash: string, entry: AuditEntryInput & { seq: number }): string {
  const content = canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    summary: entry.summary,
  });
  return createHash('sha256').update(prevHash).update(content).digest('hex');
}

/** The first entry that breaks the chain, and why. */
export interface AuditBreak {
  seq: number;
  reason: string;
}

/**
 * Checks a run of entries in `seq` order, continuing from `previous` (the last good entry of
 * an earlier run, or undefined at the start). Returns the first break, or undefined.
 */
export function findAuditBreak(
  entries: readonly AuditEntry[],
  previous: Pick<AuditEntry, 'seq' | 'hash'> | undefined,
): AuditBreak | undefined {
  let prev = previous;
  for (const entry of entries) {
    const expectedSeq = (prev?.seq ?? 0) + 1;
    if (entry.seq !== expectedSeq) {
      return {
        seq: expectedSeq,
        reason: `entry ${expectedSeq} is missing (the next entry found is ${entry.seq})`,
      };
    }
    const expectedPrev = prev?.hash ?? AUDIT_GENESIS_HASH;
    if (entry.prevHash !== expectedPrev) {
      return {
        seq: entry.seq,
        reason: `entry ${entry.seq} does not follow entry ${entry.seq - 1}: its prev_hash is not that entry's hash`,
      };
    }
    if (auditHash(entry.prevHash, entry) !== entry.hash) {
      return {
        seq: entry.seq,
        reason: `entry ${entry.seq} (${entry.action} ${entry.target.type} ${entry.target.id}) was altered: its hash does not match its content`,
      };
    }
    prev = entry;
  }
  return undefined;
}

/** Filters and page of `listAudit`. */
export interface AuditQuery {
  limit: number;
  /** Entries with `seq` below this (newest first pages). */
  beforeSeq?: number;
  action?: string;
  targetType?: string;
  targetId?: string;
}

/** Append-only, hash-chained log of changes to workflows, credentials, users and settings. */
export interface AuditStore {
  /** Appends an entry after the current last one, atomically (seq, prevHash, hash). */
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Entries with `seq > afterSeq` in ascending order, for verification. */
  readAuditChain(input: { afterSeq: number; limit: number }): Promise<AuditEntry[]>;
}

/** A summary from a plain record: `undefined` fields dropped, dates as ISO strings. */
export function auditSummary(value: Record<string, unknown>): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
