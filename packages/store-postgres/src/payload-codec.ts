import { randomUUID } from 'node:crypto';
import { FlowstateError, type JsonValue } from '@flowstate/core';
import type { Queryable } from './connection.js';

/** Prefix of a payload column that points into `blobs`; no JSON text starts with `@`. */
export const BLOB_PREFIX = '@blob:';

/** A payload to be written to `blobs` with the rows that reference it. */
export interface PendingBlob {
  id: string;
  data: string;
  size: number;
}

/** Column text of the payloads of one write, and the blobs they need. */
export interface PayloadWriter {
  /** Column text for `value` (queueing a blob when it is large); null for undefined. */
  encode(value: unknown): string | null;
  /** Blobs queued by `encode`, to be inserted in the same transaction as the rows. */
  readonly blobs: PendingBlob[];
}

/**
 * Payloads are stored as JSON text, exactly as SQLite stores them: text whose JSON is larger
 * than the threshold goes to `blobs` and the column keeps `@blob:<uuid>`, so hot tables stay
 * small. Triggers (see migrations.ts) delete a blob once no column references it, and
 * queries read payload columns through the SQL function `payload_text()`, which returns the
 * blob's text in place of its reference (or the reference itself if the blob is missing).
 */
export class PayloadCodec {
  constructor(readonly thresholdBytes: number) {}

  /** Whether `text` may stay in its column (not larger than the threshold in UTF-8). */
  fitsInline(text: string): boolean {
    // A UTF-16 unit is at most 3 UTF-8 bytes: skip counting bytes when it cannot matter.
    return text.length * 3 <= this.thresholdBytes || Buffer.byteLength(text) <= this.thresholdBytes;
  }

  /** A writer collecting the blobs of one transaction's rows. */
  writer(): PayloadWriter {
    const blobs: PendingBlob[] = [];
    return {
      blobs,
      encode: (value: unknown): string | null => {
        if (value === undefined) return null;
        const json = JSON.stringify(value);
        if (this.fitsInline(json)) return json;
        const id = randomUUID();
        blobs.push({ id, data: json, size: Buffer.byteLength(json) });
        return BLOB_PREFIX + id;
      },
    };
  }

  /** Inserts the blobs a writer queued (one statement). */
  async writeBlobs(db: Queryable, blobs: readonly PendingBlob[]): Promise<void> {
    if (blobs.length === 0) return;
    await db.query(
      'INSERT INTO blobs (id, data, size) SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])',
      [blobs.map((b) => b.id), blobs.map((b) => b.data), blobs.map((b) => b.size)],
    );
  }
}

/**
 * The value of a payload column read through `payload_text()` (which puts the blob's text in
 * place of its reference within the same statement, hence the same snapshot).
 */
export function decodePayload(text: string | null): JsonValue | undefined {
  if (text === null) return undefined;
  if (text.startsWith(BLOB_PREFIX)) {
    throw new FlowstateError(
      'STORE_BLOB_MISSING',
      `Blob ${text.slice(BLOB_PREFIX.length)} referenced by the journal is missing`,
    );
  }
  return JSON.parse(text) as JsonValue;
}

/** Small JSON columns (errors kept inline): text or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Parses a small JSON column. */
export function parseOrUndefined<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}
