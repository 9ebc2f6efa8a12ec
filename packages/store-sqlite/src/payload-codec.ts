import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { FlowstateError, type JsonValue } from '@flowstate/core';

/** Prefix of a payload column that points into `blobs`; no JSON text starts with `@`. */
export const BLOB_PREFIX = '@blob:';

/**
 * Turns JSON payloads into column text and back. Payloads larger than the threshold are
 * stored in `blobs` and the column keeps `@blob:<id>`, so hot tables stay small; triggers
 * (see migrations.ts) delete a blob once no column references it.
 */
export class PayloadCodec {
  readonly #insert: Statement<[string, string, number]>;
  readonly #select: Statement<[string], { data: string }>;
  readonly #thresholdBytes: number;

  constructor(db: Database, thresholdBytes: number) {
    this.#thresholdBytes = thresholdBytes;
    this.#insert = db.prepare('INSERT INTO blobs (id, data, size) VALUES (?, ?, ?)');
    this.#select = db.prepare('SELECT data FROM blobs WHERE id = ?');
  }

  /** Column text for `value` (writing a blob when it is large); null for undefined. */
  encode(value: unknown): string | null {
    if (value === undefined) return null;
    return this.encodeText(JSON.stringify(value));
  }

  /** Column text for JSON text already serialized (a blob reference when it is large). */
  encodeText(json: string): string {
    // A UTF-16 unit is at most 3 UTF-8 bytes: skip counting bytes when it cannot matter.
    if (json.length * 3 <= this.#thresholdBytes) return json;
    const bytes = Buffer.byteLength(json);
    if (bytes <= this.#thresholdBytes) return json;
    const id = randomUUID();
    this.#insert.run(id, json, bytes);
    return BLOB_PREFIX + id;
  }

  /** The value a column holds, reading its blob if it references one. */
  decode(text: string | null): JsonValue | undefined {
    if (text === null) return undefined;
    if (!text.startsWith(BLOB_PREFIX)) return JSON.parse(text) as JsonValue;
    const id = text.slice(BLOB_PREFIX.length);
    const row = this.#select.get(id);
    if (row === undefined) {
      throw new FlowstateError(
        'STORE_BLOB_MISSING',
        `Blob ${id} referenced by the journal is missing`,
      );
    }
    return JSON.parse(row.data) as JsonValue;
  }
}

/** Small JSON columns (errors, responses kept inline): text or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Parses a small JSON column. */
export function parseOrUndefined<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}
