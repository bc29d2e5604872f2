/**
 * Safe helpers for values trees built from untrusted YAML/JSON. Every read uses own properties only and
 * every write defines an own data property, so a key such as `__proto__` is just a key: it can neither read
 * `Object.prototype` as if it were a table nor replace an object's prototype.
 */
import type { Values } from './types.js';

/** True when `v` is a values table (a plain mapping, not an array, null, Buffer or other object kind). */
export function isTable(v: unknown): v is Values {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Own-property membership test (never consults the prototype chain). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The own property `key` of `obj`, or undefined when absent (never an inherited value). */
export function getOwn(obj: Values, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** Defines `key` as an own enumerable data property; safe for `__proto__`. */
export function setOwn(obj: Values, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Deep copy of a values tree (tables and lists copied, scalars shared); the result is alias-free. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => deepCopy(x)) as T;
  if (isTable(v)) {
    const out: Values = {};
    for (const k of Object.keys(v)) setOwn(out, k, deepCopy(v[k]));
    return out as T;
  }
  return v;
}

/** Shallow copy of one table (Helm's `copyMap`): nested tables stay shared with the source. */
export function shallowCopy(v: Values): Values {
  const out: Values = {};
  for (const k of Object.keys(v)) setOwn(out, k, v[k]);
  return out;
}

/** JSON with object keys sorted at every level: a stable text for digests and comparisons. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isTable(v)) {
    const out: Values = {};
    for (const k of Object.keys(v).sort()) setOwn(out, k, sortKeys(v[k]));
    return out;
  }
  return v;
}

/** Deepest nesting of tables/lists in `v` (a scalar is 0), stopping early once past `limit`. */
export function nestingDepth(v: unknown, limit: number, depth = 0): number {
  if (depth > limit) return depth;
  let max = depth;
  const children = Array.isArray(v) ? v : isTable(v) ? Object.values(v) : [];
  for (const c of children) max = Math.max(max, nestingDepth(c, limit, depth + 1));
  return max;
}
