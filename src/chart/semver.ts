/**
 * Helm's version rules on top of node-semver. Helm (Masterminds semver) accepts "loose" versions such as
 * `1.2` or `v1.2.3`; ranges may use `,` for AND, `=>`/`=<`, and `!=`. A prerelease version satisfies a
 * range only when the range itself names a prerelease (so `*` never picks `2.0.0-rc.1`).
 */
import semver from 'semver';
import { ErrorCode, MaglevError } from '../errors.js';

const LOOSE_VERSION = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

/**
 * Normalises a version the way Helm accepts it (`1.2` → `1.2.0`, `v1.2.3` → `1.2.3`) or returns undefined
 * when Helm would reject it (non-SemVer, numeric prerelease identifier with a leading zero).
 */
export function parseChartVersion(version: string): string | undefined {
  const m = LOOSE_VERSION.exec(version);
  if (!m) return undefined;
  const num = (s: string | undefined): string => (s === undefined ? '0' : BigInt(s.replace('.', '')).toString());
  const pre = m[5];
  if (pre !== undefined && pre.split('.').some((id) => /^0[0-9]+$/.test(id))) return undefined;
  const text = `${num(m[1])}.${num(m[2])}.${num(m[3])}${pre === undefined ? '' : `-${pre}`}${m[8] === undefined ? '' : `+${m[8]}`}`;
  return semver.valid(text) ?? undefined;
}

/** A compiled Helm version range. */
export interface VersionRange {
  /** The range as written. */
  readonly text: string;
  /** True when some `||` alternative names a prerelease, so prerelease versions may match it. */
  readonly includesPrerelease: boolean;
  /** True when `version` (any Helm-accepted form) satisfies the range. */
  test(version: string): boolean;
}

interface Group {
  range: semver.Range;
  excluded: string[];
  prerelease: boolean;
}

/** True when a comparator group names a prerelease (Masterminds decides this per `||` alternative). */
function namesPrerelease(group: string): boolean {
  return /[0-9xX*]-[0-9A-Za-z]/.test(group.replace(/\s+-\s+/g, ' '));
}

function compileGroup(text: string, field: string): Group {
  const includePrerelease = namesPrerelease(text);
  const excluded: string[] = [];
  let rest = text.replace(/,/g, ' ').replace(/!=\s*(\S+)/g, (_m, v: string) => {
    const norm = parseChartVersion(v);
    if (norm === undefined) throw invalidRange(text, field);
    excluded.push(norm);
    return ' ';
  });
  rest = rest.replace(/=>/g, '>=').replace(/=</g, '<=').trim();
  try {
    return { range: new semver.Range(rest === '' ? '*' : rest, { loose: true, includePrerelease }), excluded, prerelease: includePrerelease };
  } catch (err) {
    throw invalidRange(text, field, err);
  }
}

function invalidRange(text: string, field: string, cause?: unknown): MaglevError {
  return new MaglevError(
    ErrorCode.InvalidSpec,
    `${field}: "${text}" is not a valid SemVer range (accepted: an exact version, "*", or comparators such as ">=1.2.0 <2.0.0", "^1.2", "~1.2.3", "1.x", joined by spaces or "," and alternatives by "||")`,
    { where: field, terminal: true, cause },
  );
}

/**
 * Compiles a Helm version range; empty means `*` (as for spec.chart.version). Invalid ranges throw
 * InvalidSpec naming `field`.
 */
export function compileRange(text: string | undefined, field = 'spec.chart.version'): VersionRange {
  const raw = (text ?? '').trim();
  const groups = (raw === '' ? '*' : raw).split('||').map((g) => compileGroup(g.trim(), field));
  return {
    text: raw === '' ? '*' : raw,
    includesPrerelease: groups.some((g) => g.prerelease),
    test(version: string): boolean {
      const v = parseChartVersion(version);
      if (v === undefined) return false;
      const pre = semver.prerelease(v) !== null;
      return groups.some((g) => (g.prerelease || !pre) && !g.excluded.some((x) => semver.eq(x, v)) && g.range.test(v));
    },
  };
}

/** Helm's pick: an exact string match first, else the highest version satisfying the range. */
export function pickVersion(candidates: readonly string[], range: VersionRange): string | undefined {
  if (range.text !== '*' && candidates.includes(range.text)) return range.text;
  let best: { raw: string; norm: string } | undefined;
  for (const raw of candidates) {
    const norm = parseChartVersion(raw);
    if (norm === undefined || !range.test(raw)) continue;
    if (best === undefined || semver.gt(norm, best.norm)) best = { raw, norm };
  }
  return best?.raw;
}

/** Sorts versions highest first (Helm-accepted forms; invalid ones last), for "nearest versions" messages. */
export function sortVersionsDesc(versions: readonly string[]): string[] {
  const key = (v: string): string => parseChartVersion(v) ?? '0.0.0-invalid';
  return [...versions].sort((a, b) => semver.rcompare(key(a), key(b)));
}

/**
 * Helm's IsCompatibleRange for Chart.yaml dependencies: false when the range is empty or invalid, or the
 * version does not satisfy it.
 */
export function isCompatibleRange(range: string | undefined, version: string): boolean {
  if (range === undefined || range.trim() === '') return false;
  try {
    return compileRange(range, 'dependencies.version').test(version);
  } catch {
    return false;
  }
}
