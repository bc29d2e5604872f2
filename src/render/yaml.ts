/**
 * Fast, safe YAML reading for rendered manifests with go-yaml v2 scalar rules (what Helm and the
 * Kubernetes API machinery apply): YAML 1.1 booleans, Go integer syntax, no timestamps, `<<` merges,
 * duplicate keys last-wins. One implicit type dispatches on the first character, so the common plain
 * strings (names, images, labels) cost one regular-expression test; the tree is copied under a node
 * budget (alias bombs) and a depth cap into objects whose keys are own properties.
 */
import yaml from 'js-yaml';
import { ErrorCode, MaglevError } from '../errors.js';

const NOT = Symbol('not a scalar of this kind');
const CANDIDATE = /^[-+.0-9~nNyYtTfFoO]/;
const BOOLS = new Map<string, boolean>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) BOOLS.set(s, true);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) BOOLS.set(s, false);
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const SPECIAL = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s): [string, number] => [s, NaN]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s): [string, number] => [s, Infinity]),
  ...['-.inf', '-.Inf', '-.INF'].map((s): [string, number] => [s, -Infinity]),
]);
const GO_INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

function goInt(plain: string): number | typeof NOT {
  const m = GO_INT.exec(plain);
  if (m === null) return NOT;
  const [, sign = '', body = ''] = m;
  if (body.length < 16 && /^(0|[1-9][0-9]*)$/.test(body)) return sign === '-' ? -Number(body) : Number(body);
  const digits = /^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body.slice(0, 2).toLowerCase() + body.slice(2);
  const v = sign === '-' ? -BigInt(digits) : BigInt(digits);
  const max = sign === '' ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  return v < -(2n ** 63n) || v > max ? NOT : Number(v);
}

/** The value go-yaml v2 gives a plain scalar: null, a boolean, a number, or NOT when it stays a string. */
export function goScalar(s: string): unknown {
  if (s === '' || NULLS.has(s)) return null;
  if (!CANDIDATE.test(s)) return NOT;
  const b = BOOLS.get(s);
  if (b !== undefined) return b;
  const special = SPECIAL.get(s);
  if (special !== undefined) return special;
  const c = s.charAt(0);
  if (c === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) ? Number(s) : NOT;
  if (!/^[-+0-9]$/.test(c)) return NOT;
  const plain = s.includes('_') ? s.replace(/_/g, '') : s;
  const i = goInt(plain);
  if (i !== NOT) return i;
  return GO_FLOAT.test(plain) ? Number(plain) : NOT;
}

const scalarType = new yaml.Type('tag:yaml.org,2002:go-scalar', {
  kind: 'scalar',
  resolve: (d: unknown) => d === null || (typeof d === 'string' && goScalar(d) !== NOT),
  construct: (d: unknown) => (d === null ? null : goScalar(d as string)),
});
const mergeType = new yaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (d: unknown) => d === '<<' || d === null });
function explicit(tag: string, ok: (v: unknown) => boolean): yaml.Type {
  return new yaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (d: unknown) => ok(typeof d === 'string' ? goScalar(d) : d),
    construct: (d: unknown) => (typeof d === 'string' ? goScalar(d) : d),
  });
}

/** go-yaml v2 scalars on top of js-yaml's failsafe schema (strings, sequences, mappings). */
export const MANIFEST_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [scalarType, mergeType],
  explicit: [
    explicit('null', (v) => v === null),
    explicit('bool', (v) => typeof v === 'boolean'),
    explicit('int', (v) => typeof v === 'number' && Number.isInteger(v)),
    explicit('float', (v) => typeof v === 'number'),
  ],
});

/** Limits for {@link parseManifestYaml}. */
export interface ManifestYamlLimits {
  maxNodes?: number;
  maxDepth?: number;
}

/** Parses one YAML document (null when empty) into a fresh alias-free tree; ManifestInvalid names `where`. */
export function parseManifestYaml(text: string, where: string, limits: ManifestYamlLimits = {}): unknown {
  const invalid = (msg: string, cause?: unknown): MaglevError =>
    new MaglevError(ErrorCode.ManifestInvalid, `${where}: ${msg}`, { terminal: true, where, cause });
  const maxNodes = limits.maxNodes ?? 1_000_000;
  const maxDepth = limits.maxDepth ?? 200;
  const options: yaml.LoadOptions & { maxDepth: number } = { schema: MANIFEST_SCHEMA, json: true, filename: where, maxDepth: maxDepth + 1 };
  let doc: unknown;
  try {
    doc = yaml.load(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options);
  } catch (err) {
    const line = err instanceof yaml.YAMLException ? (err.mark as { line?: number } | undefined)?.line : undefined;
    const reason = err instanceof yaml.YAMLException ? `${err.reason}${line === undefined ? '' : ` (line ${line + 1})`}` : String(err);
    throw invalid(`invalid YAML: ${reason}`, err);
  }
  let nodes = 0;
  const copy = (v: unknown, depth: number): unknown => {
    if (++nodes > maxNodes) throw invalid(`YAML expands to more than ${maxNodes} nodes (alias bomb?)`);
    if (v === null || typeof v !== 'object') return v === undefined ? null : v;
    if (depth >= maxDepth) throw invalid(`YAML nesting deeper than ${maxDepth} levels`);
    if (Array.isArray(v)) return v.map((x: unknown) => copy(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const value = copy((v as Record<string, unknown>)[k], depth + 1);
      if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      else out[k] = value;
    }
    return out;
  };
  return copy(doc, 0);
}
