/**
 * Go duration strings (`30s`, `1m30s`, `1.5h`), as used by interval and timeout fields. The CRD pattern
 * checks the shape; this parses the value for the controllers and reports errors with the field path.
 */
import { ErrorCode, MaglevError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu, also accepted by Go
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** The longest duration Go can represent (about 292 years), in milliseconds. */
export const MAX_DURATION_MS = 9_223_372_036_854.775;

const SEGMENT = /([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/y;

const ACCEPTED = 'a Go duration such as 30s, 5m or 1h30m (units ns, us, ms, s, m, h)';

/** The outcome of parsing a duration: milliseconds, or what is wrong with the string. */
export type DurationResult = { ms: number; error?: undefined } | { ms?: undefined; error: string };

/** Parses a non-negative Go duration without throwing; the error completes "<value> ...". */
export function tryParseDuration(value: string): DurationResult {
  if (value === '0') return { ms: 0 };
  if (value.startsWith('-') || value.startsWith('+')) return { error: 'must not carry a sign' };
  if (value.length === 0) return { error: 'is empty' };
  let total = 0;
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < value.length) {
    const at = SEGMENT.lastIndex;
    const m = SEGMENT.exec(value);
    const [whole = '', fraction = ''] = m === null ? [] : [m[1], m[2]];
    if (m === null || (whole === '' && fraction === '')) return { error: `has no number and unit at offset ${at}` };
    const unit = UNIT_MS[m[3] ?? ''] ?? 0;
    total += Number(`${whole === '' ? '0' : whole}.${fraction === '' ? '0' : fraction}`) * unit;
  }
  if (total > MAX_DURATION_MS) return { error: 'is longer than the longest Go duration (about 292 years)' };
  return { ms: total };
}

/**
 * Parses a Go duration into milliseconds (fractions kept for sub-millisecond units). Throws a terminal
 * MaglevError (InvalidSpec) naming `field` when the string is not a non-negative Go duration.
 */
export function parseDuration(value: string, field = 'duration'): number {
  const result = tryParseDuration(value);
  if (result.error !== undefined) {
    throw new MaglevError(ErrorCode.InvalidSpec, `${field}: ${describeDurationError(value, result.error)}`, {
      terminal: true,
      where: field,
    });
  }
  return result.ms;
}

/** A full message for a duration that failed to parse with `error`: what was given and what is accepted. */
export function describeDurationError(value: string, error: string): string {
  return `${JSON.stringify(value)} ${error}; expected ${ACCEPTED}`;
}
