import { DateTime, Duration, IANAZone, type DateTimeUnit, type DurationLikeObject } from 'luxon';
import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue } from '@flowstate/sdk';

/** Format names understood besides Luxon token patterns such as "dd.MM.yyyy HH:mm". */
const NAMED_FORMATS = ['iso', 'isoDate', 'epochMillis', 'epochSeconds', 'sql', 'rfc2822', 'http'];

const UNITS = [
  'years',
  'quarters',
  'months',
  'weeks',
  'days',
  'hours',
  'minutes',
  'seconds',
  'milliseconds',
] as const;
type Unit = (typeof UNITS)[number];

const durationObject = z
  .object(
    Object.fromEntries(UNITS.map((u) => [u, z.number().optional()])) as Record<
      Unit,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .strict();

const value = z
  .union([z.string().min(1).max(200), z.number()])
  .describe(
    'The date: ISO text, epoch milliseconds/seconds or text in inputFormat, e.g. {{ $input.createdAt }}',
  );

const params = z
  .object({
    operation: z
      .enum(['format', 'add', 'subtract', 'startOf', 'endOf', 'diff'])
      .default('format')
      .describe(
        'format: convert; add/subtract: a duration; startOf/endOf: a unit; diff: value minus other',
      ),
    value,
    other: value.optional().describe('For diff: the date subtracted from value'),
    inputFormat: z
      .string()
      .min(1)
      .max(200)
      .default('iso')
      .describe(
        'How value is written: iso, epochMillis, epochSeconds, sql, rfc2822, http, or a Luxon pattern such as "dd.MM.yyyy HH:mm"',
      ),
    timezone: z
      .string()
      .min(1)
      .max(100)
      .default('UTC')
      .describe(
        'IANA time zone (e.g. "Europe/Berlin") for text without an offset and for the output',
      ),
    outputFormat: z
      .string()
      .min(1)
      .max(200)
      .default('iso')
      .describe('iso, isoDate, epochMillis, epochSeconds, sql, rfc2822, http, or a Luxon pattern'),
    locale: z.string().min(2).max(50).default('en').describe('Locale for month and day names'),
    duration: z
      .union([z.string().min(2).max(100), durationObject])
      .optional()
      .describe('For add/subtract: ISO 8601 ("P1DT2H") or { days: 1, hours: 2 }'),
    unit: z
      .enum(UNITS)
      .optional()
      .describe(
        'For startOf/endOf: the unit to round to; for diff: the unit of the result (default milliseconds)',
      ),
  })
  .superRefine((p, ctx) => {
    const need = (field: 'duration' | 'unit' | 'other'): void => {
      if (p[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `${p.operation} needs ${field}` });
    };
    if (p.operation === 'add' || p.operation === 'subtract') need('duration');
    if (p.operation === 'startOf' || p.operation === 'endOf') need('unit');
    if (p.operation === 'diff') need('other');
  });
type Params = z.output<typeof params>;

function dateError(message: string, code: string): NonRetriableError {
  return new NonRetriableError(`datetime.format: ${message}`, { code });
}

/** Reads a date written as `format` in `zone` (used when the text carries no offset). */
export function readDate(
  input: string | number,
  format: string,
  zone: string,
  field = 'value',
): DateTime {
  const options = { zone, setZone: false };
  let date: DateTime;
  if (format === 'epochMillis' || format === 'epochSeconds') {
    const n = typeof input === 'number' ? input : Number(input);
    if (!Number.isFinite(n))
      throw dateError(
        `${field} ${JSON.stringify(input)} is not a number of ${format}`,
        'DATE_INVALID',
      );
    date =
      format === 'epochMillis' ? DateTime.fromMillis(n, options) : DateTime.fromSeconds(n, options);
  } else if (typeof input === 'number') {
    date = DateTime.fromMillis(input, options);
  } else if (format === 'iso' || format === 'isoDate') date = DateTime.fromISO(input, options);
  else if (format === 'sql') date = DateTime.fromSQL(input, options);
  else if (format === 'rfc2822') date = DateTime.fromRFC2822(input, options);
  else if (format === 'http') date = DateTime.fromHTTP(input, options);
  else date = DateTime.fromFormat(input, format, options);
  if (!date.isValid)
    throw dateError(
      `${field} ${JSON.stringify(input)} is not a valid date in format "${format}" (${date.invalidExplanation ?? date.invalidReason})`,
      'DATE_INVALID',
    );
  return date;
}

/** Writes a date as `format` (a named format or a Luxon token pattern). */
export function writeDate(date: DateTime, format: string, locale: string): JsonValue {
  switch (format) {
    case 'iso':
      return date.toISO();
    case 'isoDate':
      return date.toISODate();
    case 'epochMillis':
      return date.toMillis();
    case 'epochSeconds':
      return Math.floor(date.toSeconds());
    case 'sql':
      return date.toSQL();
    case 'rfc2822':
      return date.toRFC2822();
    case 'http':
      return date.toHTTP();
    default:
      return date.toFormat(format, { locale });
  }
}

/** Luxon rounds to singular units (`day`) and measures in plural ones (`days`). */
function singular(unit: Unit): DateTimeUnit {
  return unit.slice(0, -1) as DateTimeUnit;
}

function toDuration(duration: NonNullable<Params['duration']>): Duration {
  const parsed =
    typeof duration === 'string'
      ? Duration.fromISO(duration)
      : Duration.fromObject(duration as DurationLikeObject);
  if (!parsed.isValid)
    throw dateError(
      `duration ${JSON.stringify(duration)} is not an ISO 8601 duration such as "P1DT2H"`,
      'DURATION_INVALID',
    );
  return parsed;
}

/**
 * Converts, shifts, rounds and compares dates in a time zone: `format` re-writes a date,
 * `add`/`subtract` move it by a duration, `startOf`/`endOf` round it to a unit, `diff` gives
 * `value - other` in a unit. Named zones are validated; Luxon patterns use its tokens.
 */
export const datetimeFormat = defineNode({
  type: 'datetime.format',
  name: 'Date & time',
  group: 'data',
  description: 'Formats, shifts, rounds and compares dates in a time zone.',
  icon: 'calendar-clock',
  params,
  sideEffects: false,
  run(ctx) {
    const p = ctx.params;
    if (!IANAZone.isValidZone(p.timezone) && p.timezone !== 'UTC')
      throw dateError(
        `timezone ${JSON.stringify(p.timezone)} is not an IANA time zone such as "Europe/Berlin"`,
        'TIMEZONE_INVALID',
      );
    const date = readDate(p.value, p.inputFormat, p.timezone).setZone(p.timezone);
    switch (p.operation) {
      case 'format':
        return writeDate(date, p.outputFormat, p.locale);
      case 'add':
        return writeDate(date.plus(toDuration(p.duration!)), p.outputFormat, p.locale);
      case 'subtract':
        return writeDate(date.minus(toDuration(p.duration!)), p.outputFormat, p.locale);
      case 'startOf':
        return writeDate(date.startOf(singular(p.unit!)), p.outputFormat, p.locale);
      case 'endOf':
        return writeDate(date.endOf(singular(p.unit!)), p.outputFormat, p.locale);
      case 'diff': {
        const other = readDate(p.other!, p.inputFormat, p.timezone, 'other');
        const unit = p.unit ?? 'milliseconds';
        return date.diff(other, unit).as(unit);
      }
    }
  },
});

export { NAMED_FORMATS as DATETIME_NAMED_FORMATS };
