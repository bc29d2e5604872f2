/**
 * Helm 3 values coalescing (pkg/chartutil/coalesce.go semantics, 3.17.1 and later):
 * - user values win; tables deep-merge; scalars and lists replace;
 * - a user `null` deletes the chart default (coalesce mode) or is kept (merge mode, used before a later
 *   coalesce, e.g. for import-values); tables given for a subchart are always merged so that their nulls
 *   reach the subchart's own defaults;
 * - each subchart's subtree (`<name>:`) is coalesced with the subchart's values.yaml, and the parent's
 *   `global` is copied into it first (parent wins, tables merge).
 * A table/non-table conflict keeps the higher-priority side and records a warning, like Helm.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, MaglevError } from '../errors.js';
import { canonicalJson, deepCopy, getOwn, hasOwn, isTable, setOwn, shallowCopy } from './objects.js';
import type { Chart, Values } from './types.js';

/** Receives Helm-style coalescing warnings (e.g. "cannot overwrite table with non table"). */
export type WarnFn = (message: string) => void;

const GLOBAL = 'global';

function concatPrefix(a: string, b: string): string {
  return a === '' ? b : `${a}.${b}`;
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Merges `src` into `dst` (dst authoritative) and returns dst. With `merge` false a null in dst deletes the
 * key; with `merge` true nulls are kept. Helm's coalesceTablesFullKey.
 */
export function coalesceTables(dst: Values, src: Values, merge = false, warn: WarnFn = () => undefined, prefix = ''): Values {
  for (const key of Object.keys(src)) {
    const val = src[key];
    const full = concatPrefix(prefix, key);
    if (!hasOwn(dst, key)) {
      setOwn(dst, key, val);
      continue;
    }
    const dv = dst[key];
    if (!merge && dv === null) {
      Reflect.deleteProperty(dst, key);
    } else if (isTable(val)) {
      if (isTable(dv)) coalesceTables(dv, val, merge, warn, full);
      else warn(`warning: cannot overwrite table with non table for ${full} (${show(val)})`);
    } else if (isTable(dv) && val !== null) {
      warn(`warning: destination for ${full} is a table. Ignoring non-table value (${show(val)})`);
    }
  }
  return dst;
}

function isSubchartKey(chart: Chart, key: string): boolean {
  return chart.dependencies.some((d) => d.metadata.name === key);
}

/** The chart's own defaults under the user values `v` (Helm's coalesceValues). */
function coalesceOwn(chart: Chart, v: Values, prefix: string, merge: boolean, warn: WarnFn): void {
  const subPrefix = concatPrefix(prefix, chart.metadata.name);
  const defaults = deepCopy(chart.values);
  for (const key of Object.keys(defaults)) {
    const val = defaults[key];
    if (!hasOwn(v, key)) {
      setOwn(v, key, val);
      continue;
    }
    const value = v[key];
    if (value === null && !merge) {
      Reflect.deleteProperty(v, key);
    } else if (isTable(value)) {
      if (isTable(val)) coalesceTables(value, val, merge || isSubchartKey(chart, key), warn, concatPrefix(subPrefix, key));
      else if (val !== null) warn(`warning: skipped value for ${subPrefix}.${key}: Not a table.`);
    }
  }
}

/** Copies the parent's `global` (in `src`) into a subchart subtree (`dest`): parent wins, tables merge. */
function coalesceGlobals(dest: Values, src: Values, prefix: string, warn: WarnFn): void {
  const dg = hasOwn(dest, GLOBAL) ? dest[GLOBAL] : {};
  const sg = hasOwn(src, GLOBAL) ? src[GLOBAL] : {};
  if (!isTable(dg)) return warn(`warning: skipping globals because destination ${GLOBAL} is not a table.`);
  if (!isTable(sg)) return warn(`warning: skipping globals because source ${GLOBAL} is not a table.`);
  for (const key of Object.keys(sg)) {
    const val = sg[key];
    const existing = getOwn(dg, key);
    if (isTable(val)) {
      const vv = shallowCopy(val);
      if (!hasOwn(dg, key)) setOwn(dg, key, vv);
      else if (!isTable(existing)) warn(`Conflict: cannot merge map onto non-map for "${key}". Skipping.`);
      else {
        coalesceTables(vv, existing, true, warn, concatPrefix(prefix, key));
        setOwn(dg, key, vv);
      }
    } else if (isTable(existing)) {
      warn(`key ${key} is table. Skipping`);
    } else {
      setOwn(dg, key, val);
    }
  }
  setOwn(dest, GLOBAL, dg);
}

function coalesceDeps(chart: Chart, dest: Values, prefix: string, merge: boolean, warn: WarnFn): Values {
  for (const sub of chart.dependencies) {
    const name = sub.metadata.name;
    if (!hasOwn(dest, name)) setOwn(dest, name, {});
    const dv = dest[name];
    if (!isTable(dv)) {
      const at = concatPrefix(prefix, name);
      throw new MaglevError(ErrorCode.ValuesInvalid, `values.${at}: type mismatch: the values of subchart "${name}" must be a map, got ${show(dv)}`, { where: `values.${at}`, terminal: true });
    }
    const subPrefix = concatPrefix(prefix, chart.metadata.name);
    coalesceGlobals(dv, dest, subPrefix, warn);
    setOwn(dest, name, coalesce(sub, dv, subPrefix, merge, warn));
  }
  return dest;
}

function coalesce(chart: Chart, dest: Values, prefix: string, merge: boolean, warn: WarnFn): Values {
  coalesceOwn(chart, dest, prefix, merge, warn);
  return coalesceDeps(chart, dest, prefix, merge, warn);
}

/** Options for {@link coalesceValues}. */
export interface CoalesceOptions {
  /** Keep nulls instead of deleting keys (Helm's MergeValues). Default false (CoalesceValues). */
  merge?: boolean;
  /** Receives Helm's coalescing warnings. */
  warn?: WarnFn;
}

/**
 * Helm's CoalesceValues / MergeValues: the chart's defaults and every subchart's (recursively) under a deep
 * copy of `values`. Neither input is modified. Throws ValuesInvalid when a subchart key holds a non-map.
 */
export function coalesceValues(chart: Chart, values: Values | undefined, opts: CoalesceOptions = {}): Values {
  return coalesce(chart, deepCopy(values ?? {}), '', opts.merge ?? false, opts.warn ?? (() => undefined));
}

/** `sha256:<hex>` of the canonical JSON (keys sorted) of a values tree; stable across key order. */
export function valuesDigest(values: Values): string {
  return `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex')}`;
}
