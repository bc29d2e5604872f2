/**
 * The `format` checks Helm's JSON-schema validators apply to strings, as simple, linear-time checks
 * (no ajv-formats dependency). Formats not listed here are accepted without checking.
 */
import { isIP } from 'node:net';
import type { Format } from 'ajv';
import { compileLinear, PatternSyntaxError } from './regexp.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([zZ]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const HOSTNAME_LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= (days[mo - 1] ?? 0);
}

function validDateTime(s: string): boolean {
  const i = s.search(/[tT ]/);
  return i > 0 && validDate(s.slice(0, i)) && TIME.test(s.slice(i + 1));
}

function validHostname(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => HOSTNAME_LABEL.test(l));
}

function validUri(s: string): boolean {
  if (!SCHEME.test(s) || /\s/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

// RE2 syntax, as Helm's validators compile it (Go's regexp); ajv's meta-schema check of every `pattern` uses it too.
function validRegex(s: string): boolean {
  try {
    compileLinear(s);
    return true;
  } catch (err) {
    if (err instanceof PatternSyntaxError) return false;
    throw err;
  }
}

/** Format name → check, for ajv's `formats` option. */
export const SCHEMA_FORMATS: Record<string, Format> = {
  date: validDate,
  time: (s: string) => TIME.test(s),
  'date-time': validDateTime,
  email: (s: string) => s.length <= 320 && EMAIL.test(s),
  hostname: validHostname,
  ipv4: (s: string) => isIP(s) === 4,
  ipv6: (s: string) => isIP(s) === 6,
  uri: validUri,
  'uri-reference': (s: string) => !/\s/.test(s),
  uuid: (s: string) => UUID.test(s),
  regex: validRegex,
};
