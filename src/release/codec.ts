/**
 * The storage encoding of a release record, as Helm's Secret and ConfigMap drivers write it
 * (pkg/storage/driver/util.go): JSON, gzip at best compression, standard base64. The JSON follows Go's
 * encoding/json: struct fields in declaration order, `omitempty` fields dropped when empty, map keys
 * sorted, and `<`, `>`, `&`, U+2028, U+2029 escaped. Decoding accepts data without the gzip header
 * (records from before Helm compressed them) and checks the shape, naming the first bad field.
 */
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { readRecord } from './decode.js';
import type { RecordChart, RecordDependency, RecordHook, RecordMetadata, ReleaseRecord } from './record.js';

/** Largest decompressed record read (guards against a gzip bomb in a tampered Secret). */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b, 0x08] as const;

/** The record as Go's encoding/json would print Helm's Release struct. */
export function recordJson(record: ReleaseRecord): string {
  return goEscape(JSON.stringify(orderRecord(record)));
}

/** base64(gzip(JSON)), the value Helm keeps under the Secret's `release` key (before Kubernetes' own base64). */
export function encodeRelease(record: ReleaseRecord): string {
  const gz = gzipSync(Buffer.from(recordJson(record), 'utf8'), { level: zlibConstants.Z_BEST_COMPRESSION });
  return gz.toString('base64');
}

/**
 * The record in a stored `release` value. Throws MaglevError ReleaseInvalid (terminal) when the value is
 * not base64, not gzip or JSON, or not a release; `where` names the Secret when given.
 */
export function decodeRelease(data: string, where = 'release'): ReleaseRecord {
  const invalid = (what: string, cause?: unknown): MaglevError =>
    new MaglevError(ErrorCode.ReleaseInvalid, `${where}: ${what}`, { terminal: true, where, cause });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw invalid('data is not standard base64');
  let bytes = Buffer.from(data, 'base64');
  if (GZIP_MAGIC.every((b, i) => bytes[i] === b)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_DECODED_BYTES });
    } catch (err) {
      throw invalid(`data is not valid gzip (${errorMessage(err)})`, err);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw invalid(`data is not JSON (${errorMessage(err)})`, err);
  }
  return readRecord(json, where);
}

/** Go's HTML-safe escaping, applied to JSON text (these characters only occur inside strings). */
function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Drops keys whose value is empty in Go's `omitempty` sense ("" , 0, false, [], {}, undefined). */
function omitEmpty(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (keys.includes(k) && isEmpty(v)) continue;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** A deep copy with object keys sorted (Go sorts map keys when encoding). */
function sortedMap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedMap);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      Object.defineProperty(out, k, { value: sortedMap((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function orderRecord(r: ReleaseRecord): Record<string, unknown> {
  const info = omitEmpty(
    {
      first_deployed: r.info.first_deployed,
      last_deployed: r.info.last_deployed,
      deleted: r.info.deleted,
      description: r.info.description,
      status: r.info.status,
      notes: r.info.notes,
    },
    ['description', 'status', 'notes'],
  );
  return omitEmpty(
    {
      name: r.name,
      info,
      chart: r.chart === null ? undefined : orderChart(r.chart),
      config: sortedMap(r.config),
      manifest: r.manifest,
      hooks: r.hooks.map(orderHook),
      version: r.version,
      namespace: r.namespace,
    },
    ['name', 'config', 'manifest', 'hooks', 'version', 'namespace'],
  );
}

function orderChart(c: RecordChart): Record<string, unknown> {
  return {
    metadata: c.metadata === null ? null : orderMetadata(c.metadata),
    lock: c.lock === null ? null : { generated: c.lock.generated, digest: c.lock.digest, dependencies: c.lock.dependencies?.map(orderDependency) ?? null },
    templates: c.templates?.map((f) => ({ name: f.name, data: f.data })) ?? null,
    values: c.values === null ? null : sortedMap(c.values),
    schema: c.schema,
    files: c.files?.map((f) => ({ name: f.name, data: f.data })) ?? null,
  };
}

function orderMetadata(m: RecordMetadata): Record<string, unknown> {
  const ordered = {
    name: m.name,
    home: m.home,
    sources: m.sources,
    version: m.version,
    description: m.description,
    keywords: m.keywords,
    maintainers: m.maintainers?.map((x) => omitEmpty({ name: x.name, email: x.email, url: x.url }, ['name', 'email', 'url'])),
    icon: m.icon,
    apiVersion: m.apiVersion,
    condition: m.condition,
    tags: m.tags,
    appVersion: m.appVersion,
    deprecated: m.deprecated,
    annotations: m.annotations === undefined ? undefined : sortedMap(m.annotations),
    kubeVersion: m.kubeVersion,
    dependencies: m.dependencies?.map(orderDependency),
    type: m.type,
  };
  return omitEmpty(ordered, Object.keys(ordered));
}

function orderDependency(d: RecordDependency): Record<string, unknown> {
  return omitEmpty(
    {
      name: d.name,
      version: d.version,
      repository: d.repository,
      condition: d.condition,
      tags: d.tags,
      enabled: d.enabled,
      'import-values': d['import-values'],
      alias: d.alias,
    },
    ['version', 'condition', 'tags', 'enabled', 'import-values', 'alias'],
  );
}

function orderHook(h: RecordHook): Record<string, unknown> {
  return omitEmpty(
    {
      name: h.name,
      kind: h.kind,
      path: h.path,
      manifest: h.manifest,
      events: h.events,
      last_run: { started_at: h.last_run.started_at, completed_at: h.last_run.completed_at, phase: h.last_run.phase },
      weight: h.weight,
      delete_policies: h.delete_policies,
      output_log_policies: h.output_log_policies,
    },
    ['name', 'kind', 'path', 'manifest', 'events', 'weight', 'delete_policies', 'output_log_policies'],
  );
}
