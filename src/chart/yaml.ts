/**
 * Safe YAML parsing with Helm's scalar rules. Helm reads YAML through sigs.k8s.io/yaml (go-yaml v2), so plain
 * scalars follow YAML 1.1: `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is octal, `1_000` is 1000,
 * timestamps stay strings, duplicate keys are allowed (last wins). On top of js-yaml the result is walked with
 * a node budget (alias bombs count every visit of a shared node) and a depth cap, and copied into fresh
 * objects whose keys are own properties (no prototype pollution, no shared aliases).
 */
import yaml from 'js-yaml';
import { ErrorCode, MaglevError } from '../errors.js';
import { setOwn } from './objects.js';
import type { Values } from './types.js';

/** Limits for {@link parseYamlSafe}; defaults: 1,000,000 node visits, depth 100, code ValuesInvalid. */
export interface YamlLimits {
  maxNodes?: number;
  maxDepth?: number;
  code?: ErrorCode;
}

const BOOL_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
const PREFIX: Record<number, string> = { 2: '0b', 8: '0o', 10: '', 16: '0x' };

/** Go's strconv.ParseInt(s, 0, 64) then ParseUint, after go-yaml v2 strips underscores; undefined if neither. */
function parseGoInt(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  const neg = s.startsWith('-');
  let body = s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s;
  let base = 10;
  if (body.length >= 2 && body.startsWith('0')) {
    const p = body.charAt(1).toLowerCase();
    base = p === 'x' ? 16 : p === 'b' ? 2 : 8;
    body = p === 'x' || p === 'b' || p === 'o' ? body.slice(2) : body.slice(1);
  }
  const digits = DIGITS[base];
  if (digits === undefined || !digits.test(body)) return undefined;
  const magnitude = BigInt(`${PREFIX[base] ?? ''}${body}`);
  const value = neg ? -magnitude : magnitude;
  if (value > UINT64_MAX || (neg && magnitude > INT64_MAX + 1n)) return undefined;
  return Number(value);
}

function parseGoFloat(text: string): number | undefined {
  if (['.nan', '.NaN', '.NAN'].includes(text)) return NaN;
  const inf = /^([-+]?)\.(inf|Inf|INF)$/.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  const s = text.replace(/_/g, '');
  return GO_FLOAT.test(s) ? Number(s) : undefined;
}

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && (BOOL_TRUE.has(d) || BOOL_FALSE.has(d)),
  construct: (d: string) => BOOL_TRUE.has(d),
});
const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && parseGoInt(d) !== undefined,
  construct: (d: string) => parseGoInt(d),
});
const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && parseGoFloat(d) !== undefined,
  construct: (d: string) => parseGoFloat(d),
});
const binaryType = new yaml.Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(d),
  construct: (d: string) => Buffer.from(d.replace(/\s/g, ''), 'base64').toString('utf8'),
});

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (d: unknown) => d === null || d === '' || d === '~' || d === 'null' || d === 'Null' || d === 'NULL',
  construct: () => null,
});
const mergeType = new yaml.Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (d: unknown) => d === '<<' || d === null,
});

/** js-yaml schema with go-yaml v2 (YAML 1.1) scalar resolution, `<<` merge keys, and no timestamp/set types. */
export const HELM_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, mergeType],
  explicit: [binaryType],
});

interface Walk {
  nodes: number;
  maxNodes: number;
  maxDepth: number;
  where: string;
  code: ErrorCode;
}

function safeCopy(v: unknown, depth: number, w: Walk): unknown {
  w.nodes += 1;
  if (w.nodes > w.maxNodes) {
    throw new MaglevError(w.code, `${w.where}: YAML expands to more than ${w.maxNodes} nodes (alias bomb?); reduce aliases or size`, { where: w.where, terminal: true });
  }
  if (depth > w.maxDepth) {
    throw new MaglevError(w.code, `${w.where}: YAML nesting deeper than ${w.maxDepth} levels`, { where: w.where, terminal: true });
  }
  if (Array.isArray(v)) return v.map((x: unknown) => safeCopy(x, depth + 1, w));
  if (v !== null && typeof v === 'object') {
    const out: Values = {};
    for (const k of Object.keys(v)) setOwn(out, k, safeCopy((v as Values)[k], depth + 1, w));
    return out;
  }
  if (v === undefined) return null;
  return v;
}

function toText(input: string | Buffer): string {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function loadOptions(where: string, maxDepth: number): yaml.LoadOptions & { maxDepth: number } {
  return { filename: where, schema: HELM_YAML_SCHEMA, json: true, maxDepth: maxDepth + 1 };
}

function rethrow(err: unknown, where: string, code: ErrorCode): never {
  if (err instanceof yaml.YAMLException) {
    const mark = (err as yaml.YAMLException & { mark?: { line?: number } }).mark;
    const at = mark?.line === undefined ? where : `${where}:${mark.line + 1}`;
    throw new MaglevError(code, `${at}: invalid YAML: ${err.reason}`, { where: at, cause: err, terminal: true });
  }
  throw err;
}

function walker(where: string, limits: YamlLimits): Walk {
  return {
    nodes: 0,
    maxNodes: limits.maxNodes ?? 1_000_000,
    maxDepth: limits.maxDepth ?? 100,
    where,
    code: limits.code ?? ErrorCode.ValuesInvalid,
  };
}

/**
 * Parses one YAML document (the first, as go-yaml does) into an alias-free, pollution-safe tree.
 * Empty input gives null. Errors carry `where:line` and the given code (default ValuesInvalid).
 */
export function parseYamlSafe(input: string | Buffer, where: string, limits: YamlLimits = {}): unknown {
  const docs = parseYamlAllSafe(input, where, limits);
  return docs.length === 0 ? null : docs[0];
}

/** Parses every document of a YAML stream; the node budget is shared by all documents. */
export function parseYamlAllSafe(input: string | Buffer, where: string, limits: YamlLimits = {}): unknown[] {
  const w = walker(where, limits);
  let docs: unknown[];
  try {
    docs = yaml.loadAll(toText(input), null, loadOptions(where, w.maxDepth));
  } catch (err) {
    rethrow(err, where, w.code);
  }
  return docs.map((d) => safeCopy(d, 0, w));
}

/** Parses a values file: a mapping, or empty (→ `{}`); anything else is an error naming the file. */
export function parseValuesYaml(input: string | Buffer, where: string, limits: YamlLimits = {}): Values {
  const doc = parseYamlSafe(input, where, limits);
  if (doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    const code = limits.code ?? ErrorCode.ValuesInvalid;
    throw new MaglevError(code, `${where}: values must be a YAML mapping, got ${Array.isArray(doc) ? 'a list' : typeof doc}`, { where, terminal: true });
  }
  return doc as Values;
}
