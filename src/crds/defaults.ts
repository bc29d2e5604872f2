/**
 * Schema defaults applied in code the way the API server applies them (structural defaulting), so the
 * controllers read the same values from the schema source instead of repeating them, and objects built
 * in tests or read from older API servers look like served objects.
 */
import { isRecord } from '../runtime/object.js';
import type { HelmReleaseSpec, MaglevDistroSpec } from './generated/types.js';
import { helmReleaseSpec } from './helmrelease.js';
import { maglevDistroSpec } from './maglevdistro.js';
import type { Schema } from './schema.js';

/**
 * A copy of `value` with the defaults of `schema` filled in: a missing property with a default gets a
 * copy of it, then defaulting recurses into properties, list items and map values. `value` is not changed.
 */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items === undefined ? structuredClone(value) : value.map((v: unknown) => applyDefaults(items, v));
  }
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const prop = schema.properties?.[key] ?? schema.additionalProperties;
    out[key] = prop === undefined ? structuredClone(v) : applyDefaults(prop, v);
  }
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = applyDefaults(prop, structuredClone(prop.default));
  }
  return out;
}

/** A HelmRelease spec with every schema default filled in (version "*", interval 10m, timeout 5m, ...). */
export function withHelmReleaseDefaults(spec: HelmReleaseSpec): HelmReleaseSpec {
  return applyDefaults(helmReleaseSpec, spec) as HelmReleaseSpec;
}

/** A MaglevDistro spec with every schema default filled in (upgrade.onFailure rollback, maxParallel 4, ...). */
export function withMaglevDistroDefaults(spec: MaglevDistroSpec): MaglevDistroSpec {
  return applyDefaults(maglevDistroSpec, spec) as MaglevDistroSpec;
}
