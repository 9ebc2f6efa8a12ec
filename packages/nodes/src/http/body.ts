import { randomBytes } from 'node:crypto';
import { NonRetriableError, type JsonValue } from '@flowstate/core';

/** How `http.request` encodes `body`. */
export const BODY_TYPES = ['auto', 'json', 'form', 'multipart', 'text', 'none'] as const;
export type BodyType = (typeof BODY_TYPES)[number];

/** An encoded body and the content type it needs. */
export interface EncodedBody {
  body: string | Buffer | null;
  contentType: string | undefined;
}

function invalid(message: string): NonRetriableError {
  return new NonRetriableError(`body: ${message}`, { code: 'INVALID_HTTP_BODY' });
}

function fieldsOf(body: JsonValue | undefined, type: string): [string, JsonValue][] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body))
    throw invalid(`must be an object of fields when bodyType is ${type}`);
  return Object.entries(body);
}

const scalarText = (value: JsonValue, where: string): string => {
  if (value === null) return '';
  if (typeof value === 'object')
    throw invalid(`field "${where}" must be a string, number or boolean`);
  return String(value);
};

/** A multipart file part: `{ base64, filename?, contentType? }`. */
function isFilePart(
  value: JsonValue,
): value is { base64: string; filename?: string; contentType?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value['base64'] === 'string'
  );
}

/** Quotes a multipart header parameter (RFC 7578: escape quotes, no line breaks). */
const quoted = (text: string): string => `"${text.replace(/[\r\n]/g, ' ').replace(/"/g, '%22')}"`;

function multipart(body: JsonValue | undefined): EncodedBody {
  const boundary = `----flowstate${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, raw] of fieldsOf(body, 'multipart')) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}`;
      let content: Buffer;
      if (isFilePart(value)) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.base64.replace(/\s/g, '')))
          throw invalid(`file field "${name}" is not valid base64`);
        head += `; filename=${quoted(value.filename ?? name)}\r\nContent-Type: ${
          value.contentType ?? 'application/octet-stream'
        }`;
        content = Buffer.from(value.base64, 'base64');
      } else {
        content = Buffer.from(scalarText(value, name), 'utf8');
      }
      chunks.push(Buffer.from(`${head}\r\n\r\n`, 'utf8'), content, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Encodes `body` per `type`: `json` as JSON; `form` as `application/x-www-form-urlencoded`
 * (arrays repeat the field); `multipart` as `multipart/form-data` where a field
 * `{ base64, filename, contentType }` is a file; `text` as the string; `none` sends nothing;
 * `auto` sends a string as text and anything else as JSON.
 */
export function encodeBody(type: BodyType, body: JsonValue | undefined): EncodedBody {
  const absent = body === undefined || body === null;
  switch (type) {
    case 'none':
      return { body: null, contentType: undefined };
    case 'auto':
      if (absent) return { body: null, contentType: undefined };
      return typeof body === 'string'
        ? { body, contentType: 'text/plain; charset=utf-8' }
        : { body: JSON.stringify(body), contentType: 'application/json' };
    case 'json':
      return absent
        ? { body: null, contentType: undefined }
        : { body: JSON.stringify(body), contentType: 'application/json' };
    case 'text':
      if (absent) return { body: null, contentType: undefined };
      if (typeof body !== 'string') throw invalid('must be a string when bodyType is text');
      return { body, contentType: 'text/plain; charset=utf-8' };
    case 'form': {
      const form = new URLSearchParams();
      for (const [name, raw] of fieldsOf(body, 'form'))
        for (const value of Array.isArray(raw) ? raw : [raw])
          form.append(name, scalarText(value, name));
      return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
    }
    case 'multipart':
      return multipart(body);
    default: {
      const never: never = type;
      throw invalid(`unknown bodyType ${String(never)}`);
    }
  }
}
