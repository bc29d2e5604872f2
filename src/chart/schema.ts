/**
 * values.schema.json validation. Schemas are untrusted (ajv treats schemas as code): before compiling,
 * a schema is refused when it has a `$ref` that is not a local `#...` pointer, any `$data`, nesting deeper
 * than 50, more than 1 MiB of JSON, or a pattern that is not RE2 syntax. Patterns run in linear time with
 * RE2 semantics (./regexp.ts), as in Helm, whose JSON-schema library compiles them with Go's regexp.
 * Each chart's schema checks its own values (a subchart: its subtree, including `global`), as Helm does,
 * and every violation is reported with its path.
 */
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ErrorCode, MaglevError } from '../errors.js';
import { canonicalJson, getOwn, isTable } from './objects.js';
import { ajvRegExpEngine, compileLinear, MatchBudgetExceeded, PatternSyntaxError, withMatchBudget } from './regexp.js';
import { SCHEMA_FORMATS } from './schemaformats.js';
import type { Chart, Values } from './types.js';

/** Caps applied to a schema before it is compiled, and to the pattern matching of one validation. */
export interface SchemaLimits {
  maxBytes: number;
  maxDepth: number;
  /** Characters of all `pattern`s and `patternProperties` keys of one schema together. */
  maxPatternChars: number;
  /** Steps (pattern size × string length, summed) that checking one chart's values may take. */
  maxMatchSteps: number;
}

/**
 * Defaults: 1 MiB of JSON, nesting depth 50, 64 Ki pattern characters (compiled in well under 100 ms) and
 * 1e7 match steps: 0.2 s for the worst pattern measured (a 900-step program that defeats RE2's DFA over 11 k
 * characters); common patterns take a small fraction of that (a 100 KiB string against `^[a-z]+$`: 1e6 steps).
 */
export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = { maxBytes: 1024 * 1024, maxDepth: 50, maxPatternChars: 64 * 1024, maxMatchSteps: 10_000_000 };

/** One violation: the chart (dotted path from the top chart), the values path, and what is wrong. */
export interface SchemaViolation {
  chart: string;
  path: string;
  message: string;
}

/** Keys whose children are property names (not keywords): `$ref`/`$data` there are ordinary names. */
const NAME_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
const REF_KEYS = new Set(['$ref', '$dynamicRef', '$recursiveRef']);
/** Keywords whose values are instance data, not schemas: a `pattern` there is not compiled. */
const DATA_KEYS = new Set(['enum', 'const', 'default', 'examples']);

interface Walk {
  where: string;
  limits: SchemaLimits;
  patternChars: number;
}

function refuse(where: string, why: string): MaglevError {
  return new MaglevError(ErrorCode.SchemaInvalid, `${where}: schema refused: ${why}`, { where, terminal: true });
}

/** A JSON Pointer reference token (RFC 6901). */
function token(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function checkPattern(w: Walk, keyword: string, pattern: string, at: string): void {
  w.patternChars += pattern.length;
  if (w.patternChars > w.limits.maxPatternChars) throw refuse(w.where, `its patterns are over the cap of ${w.limits.maxPatternChars} characters in total (reached at ${at})`);
  try {
    compileLinear(pattern);
  } catch (err) {
    if (!(err instanceof PatternSyntaxError)) throw err;
    throw refuse(w.where, `"${keyword}" at ${at}: ${err.message}`);
  }
}

function walkSchema(node: unknown, depth: number, parentKey: string, pointer: string, w: Walk, inData: boolean): void {
  if (depth > w.limits.maxDepth) throw refuse(w.where, `nesting deeper than ${w.limits.maxDepth} levels at ${pointer || '/'}`);
  if (Array.isArray(node)) {
    node.forEach((item: unknown, i) => walkSchema(item, depth + 1, '', `${pointer}/${i}`, w, inData));
    return;
  }
  if (!isTable(node)) return;
  const namesOnly = NAME_MAPS.has(parentKey);
  for (const key of Object.keys(node)) {
    const value = node[key];
    const at = `${pointer}/${token(key)}`;
    if (!namesOnly && key === '$data') throw refuse(w.where, `"$data" at ${at} is not allowed`);
    if (!namesOnly && REF_KEYS.has(key) && (typeof value !== 'string' || !value.startsWith('#'))) {
      throw refuse(w.where, `"${key}" at ${at} is ${JSON.stringify(value)}; only local references ("#/...") are allowed, not files or URLs`);
    }
    if (!namesOnly && !inData && key === 'pattern' && typeof value === 'string') checkPattern(w, key, value, at);
    if (!namesOnly && !inData && key === 'patternProperties' && isTable(value)) {
      for (const p of Object.keys(value)) checkPattern(w, key, p, `${at}/${token(p)}`);
    }
    walkSchema(value, depth + 1, namesOnly ? '' : key, at, w, inData || (!namesOnly && DATA_KEYS.has(key)));
  }
}

/** Throws SchemaInvalid when a schema is hostile or over the caps; `where` names the file. */
export function checkSchemaSafety(schema: unknown, where: string, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): void {
  if (typeof schema !== 'boolean' && !isTable(schema)) throw refuse(where, 'a schema must be a JSON object');
  walkSchema(schema, 0, '', '', { where, limits, patternChars: 0 }, false);
  const size = Buffer.byteLength(canonicalJson(schema), 'utf8');
  if (size > limits.maxBytes) throw refuse(where, `${size} bytes is over the cap of ${limits.maxBytes} bytes`);
}

/** Drafts 04/06 are read as draft-07: drop `$schema`, turn boolean exclusiveMinimum/Maximum into numbers. */
function normaliseOldDraft(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseOldDraft);
  if (!isTable(node)) return node;
  const out: Values = {};
  for (const key of Object.keys(node)) Object.defineProperty(out, key, { value: normaliseOldDraft(node[key]), enumerable: true, writable: true, configurable: true });
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  return out;
}

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: unknown, where: string): ValidateFunction {
  const key = isTable(schema) ? schema : undefined;
  const cached = key === undefined ? undefined : compiled.get(key);
  if (cached !== undefined) return cached;
  const draft = isTable(schema) ? getOwn(schema, '$schema') : undefined;
  // strict stays off: strict mode tests patternProperties against property names with the built-in RegExp.
  const opts = { allErrors: true, strict: false, logger: false as const, ownProperties: true, formats: SCHEMA_FORMATS, code: { regExp: ajvRegExpEngine } };
  let fn: ValidateFunction;
  try {
    if (typeof draft === 'string' && draft.includes('2020-12')) fn = new Ajv2020(opts).compile(schema as AnySchema);
    else if (typeof draft === 'string' && draft.includes('2019-09')) fn = new Ajv2019(opts).compile(schema as AnySchema);
    else if (typeof draft === 'string' && draft.includes('draft-07')) fn = new Ajv(opts).compile(schema as AnySchema);
    else {
      const plain = normaliseOldDraft(schema);
      if (isTable(plain)) delete plain.$schema;
      fn = new Ajv(opts).compile(plain as AnySchema);
    }
  } catch (err) {
    throw new MaglevError(ErrorCode.SchemaInvalid, `${where}: schema does not compile: ${err instanceof Error ? err.message : String(err)}`, { where, terminal: true, cause: err });
  }
  if (key !== undefined) compiled.set(key, fn);
  return fn;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'propertyNames') return `property name ${JSON.stringify(p.propertyName)} is invalid`;
  if (e.propertyName !== undefined) return `property name ${JSON.stringify(e.propertyName)}: ${e.message ?? `fails "${e.keyword}"`}`;
  if (e.keyword === 'additionalProperties') return `${e.message ?? 'invalid'}: "${String(p.additionalProperty)}"`;
  if (e.keyword === 'enum') return `${e.message ?? 'invalid'}: ${JSON.stringify(p.allowedValues)}`;
  if (e.keyword === 'const') return `${e.message ?? 'invalid'}: ${JSON.stringify(p.allowedValue)}`;
  return e.message ?? `fails "${e.keyword}"`;
}

function toPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** Validates `values` against one schema and returns every violation (empty when valid). */
export function validateAgainstSchema(schema: unknown, values: Values, chartName: string, where: string, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): SchemaViolation[] {
  checkSchemaSafety(schema, where, limits);
  const fn = compile(schema, where);
  const json = JSON.parse(JSON.stringify(values)) as unknown;
  let valid: boolean;
  try {
    valid = withMatchBudget(limits.maxMatchSteps, () => fn(json));
  } catch (err) {
    if (!(err instanceof MatchBudgetExceeded)) throw err;
    throw new MaglevError(ErrorCode.ValuesInvalid, `${where}: checking the values of ${chartName}: ${err.message}; shorten the strings or the pattern`, { where, terminal: true, cause: err });
  }
  if (valid) return [];
  return (fn.errors ?? []).map((e) => ({ chart: chartName, path: toPath(e.instancePath), message: describe(e) }));
}

/** Helm's ValidateAgainstSchema over the (pruned) tree: each chart's schema checks its own subtree. */
export function validateValues(chart: Chart, values: Values, limits?: SchemaLimits, prefix = ''): SchemaViolation[] {
  const name = prefix === '' ? chart.metadata.name : `${prefix}.${chart.metadata.name}`;
  const out = chart.schema === undefined ? [] : validateAgainstSchema(chart.schema, values, name, `${name}/values.schema.json`, limits);
  for (const sub of chart.dependencies) {
    const subValues = getOwn(values, sub.metadata.name);
    out.push(...validateValues(sub, isTable(subValues) ? subValues : {}, limits, name));
  }
  return out;
}

/** Throws ValuesInvalid listing every schema violation (chart, path, message), or returns when valid. */
export function assertValuesValid(chart: Chart, values: Values, limits?: SchemaLimits): void {
  const violations = validateValues(chart, values, limits);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `${v.chart}: ${v.path}: ${v.message}`);
  throw new MaglevError(ErrorCode.ValuesInvalid, `values do not match values.schema.json (${violations.length} violation${violations.length === 1 ? '' : 's'}):\n- ${lines.join('\n- ')}`, {
    where: 'values.schema.json',
    terminal: true,
  });
}
