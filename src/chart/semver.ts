/**
 * Helm's version rules, the one place versions meet constraints (chart version ranges, dependency versions,
 * kubeVersion): Helm (Masterminds semver v3) accepts "loose" versions such as `1.2` or `v1.2.3`, and its
 * constraint rules differ from node-semver's (wildcard comparators, `>11` meaning `>=12`, prereleases allowed
 * per `||` alternative). Constraints are evaluated here with those rules; node-semver only orders versions.
 */
import semver from 'semver';
import { ErrorCode, MaglevError } from '../errors.js';
import { compileLinear } from './regexp.js';

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

// The constraint grammar of Masterminds semver v3 (what Helm links): a version that may use x, X or * for
// any part, operators (the empty one is "=" or, with a wildcard, "~"), comparators joined by spaces or
// commas, `a - b` ranges and `||` alternatives.
const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const ONE = new RegExp(String.raw`^\s*(${OPS})\s*(${CV})\s*$`);
const HYPHEN = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');
const FIND = new RegExp(String.raw`(${OPS})\s*(${CV})`, 'g');
// VALID runs on RE2, as in Masterminds (Go's regexp): with backtracking, the whitespace its repeated group can
// split several ways made "1   1   1 ... !" take seconds from 40 characters on (spec.chart.version is tenant input).
// The other three stay RegExp: on any string within MAX_CONSTRAINT_LENGTH they take under a millisecond.
const VALID = compileLinear(String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`);
/** Masterminds' caps on a constraint string. */
const MAX_CONSTRAINT_LENGTH = 512;
const MAX_CONSTRAINT_GROUPS = 32;

/** One comparator: its operator, its version (wildcards as 0) and which parts were wildcards. */
interface Comparator {
  op: string;
  con: string;
  /** Some part was a wildcard (or missing): `1.2` is `1.2.x`. */
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (part: string | undefined): boolean => part === 'x' || part === 'X' || part === '*';

function parseComparator(text: string, range: string, field: string): Comparator {
  const m = ONE.exec(text);
  if (m === null) throw invalidRange(range, field);
  const [, op = '', , major = '', minorPart = '', patchPart = '', pre = ''] = m;
  const minor = minorPart.replace(/^\./, '');
  const patch = patchPart.replace(/^\./, '');
  let ver = m[2] ?? '';
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(major) || major === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minor) || minorPart === '') {
    ver = `${major}.0.0${pre}`;
    dirty = minorDirty = true;
  } else if (isX(patch) || patchPart === '') {
    ver = `${major}${minorPart}.0${pre}`;
    dirty = patchDirty = true;
  }
  const con = parseChartVersion(ver);
  if (con === undefined) throw invalidRange(range, field);
  return { op, con, dirty, minorDirty, patchDirty };
}

/** Orders two prerelease strings ('' is a release, above any prerelease). */
function comparePrerelease(a: string, b: string): number {
  return semver.compare(`0.0.0${a === '' ? '' : `-${a}`}`, `0.0.0${b === '' ? '' : `-${b}`}`);
}

/** Whether `v` (normalised) meets `c`, once the group has decided prereleases are allowed. */
function meets(v: string, c: Comparator): boolean {
  const cmp = semver.compare(v, c.con);
  const [vM, vm, vp] = [semver.major(v), semver.minor(v), semver.patch(v)];
  const [cM, cm, cp] = [semver.major(c.con), semver.minor(c.con), semver.patch(c.con)];
  const tilde = (): boolean => {
    if (cmp < 0) return false;
    if (cM === 0 && cm === 0 && cp === 0 && !c.minorDirty && !c.patchDirty) return true;
    return vM === cM && (vm === cm || c.minorDirty);
  };
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde() : cmp === 0;
    case '~':
    case '~>':
      return tilde();
    case '!=': {
      if (c.dirty) {
        if (cM !== vM) return true;
        if (c.minorDirty) return false;
        if (cm !== vm) return true;
        if (c.patchDirty) return comparePrerelease(semver.prerelease(v)?.join('.') ?? '', semver.prerelease(c.con)?.join('.') ?? '') !== 0;
        if (cp !== vp) return true;
      }
      return cmp !== 0;
    }
    case '>':
      if (!c.dirty || (!c.minorDirty && !c.patchDirty)) return cmp > 0;
      if (vM !== cM) return vM > cM;
      return c.patchDirty && vm > cm;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      return !(vM > cM || (vM === cM && vm > cm && !c.minorDirty));
    case '^':
      if (cmp < 0) return false;
      if (cM > 0 || c.minorDirty) return vM === cM;
      if (vM > 0) return false;
      if (cm > 0 || c.patchDirty) return vm === cm;
      if (vm > 0) return false;
      return vp === cp;
    default:
      return false;
  }
}

function invalidRange(text: string, field: string, cause?: unknown): MaglevError {
  return new MaglevError(
    ErrorCode.InvalidSpec,
    `${field}: "${text}" is not a valid SemVer range (accepted: an exact version, "*", or comparators such as ">=1.2.0 <2.0.0", "^1.2", "~1.2.3", "1.x", ">= 1.21-0", joined by spaces or "," and alternatives by "||")`,
    { where: field, terminal: true, cause },
  );
}

/**
 * Compiles a Helm version range with Helm's own rules (Masterminds semver v3 constraints, as the pinned helm
 * links): wildcards, `~`, `^`, hyphen ranges, `,` or space for AND, `||` for OR, `v` prefixes, and prereleases:
 * a prerelease version satisfies an alternative only when some comparator of that alternative names a
 * prerelease (so `>= 1.21-0` accepts `v1.35.4-eks-abc` and `>= 1.21` does not). Empty means `*` (as for
 * spec.chart.version). Invalid ranges throw InvalidSpec naming `field`.
 */
export function compileRange(text: string | undefined, field = 'spec.chart.version'): VersionRange {
  const raw = (text ?? '').trim();
  const written = raw === '' ? '*' : raw;
  if (written.length > MAX_CONSTRAINT_LENGTH) throw invalidRange(written.slice(0, 40) + '...', field);
  let rewritten = written;
  for (const m of written.matchAll(HYPHEN)) rewritten = rewritten.replace(m[0], `>= ${m[1] ?? ''}, <= ${m[11] ?? ''} `);
  const alternatives = rewritten.split('||');
  if (alternatives.length > MAX_CONSTRAINT_GROUPS) throw invalidRange(written, field);
  const groups = alternatives.map((alt) => {
    if (!VALID.test(alt)) throw invalidRange(written, field);
    const parts = [...alt.matchAll(FIND)].map((m) => m[0]);
    const comparators = (parts.length === 0 ? [alt] : parts).map((p) => parseComparator(p, written, field));
    return { comparators, prerelease: comparators.some((c) => semver.prerelease(c.con) !== null) };
  });
  return {
    text: written,
    includesPrerelease: groups.some((g) => g.prerelease),
    test(version: string): boolean {
      const v = parseChartVersion(version);
      if (v === undefined) return false;
      const pre = semver.prerelease(v) !== null;
      return groups.some((g) => (g.prerelease || !pre) && g.comparators.every((c) => meets(v, c)));
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
