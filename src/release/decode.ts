/**
 * Reading a parsed release JSON into a {@link ReleaseRecord}: every field Helm 3 or Helm 4 may write is
 * checked for its JSON type and defaulted when absent (Helm omits empty fields), so the rest of the
 * operator never meets a half-formed record. The first field with a wrong type is named in the error.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import {
  ReleaseStatus,
  type HookExecution,
  type HookPhase,
  type RecordChart,
  type RecordDependency,
  type RecordFile,
  type RecordHook,
  type RecordLock,
  type RecordMetadata,
  type ReleaseRecord,
  type ReleaseStatusValue,
} from './record.js';

type Json = Record<string, unknown>;

const STATUSES: ReadonlySet<string> = new Set(Object.values(ReleaseStatus));
const PHASES: ReadonlySet<string> = new Set(['', 'Unknown', 'Running', 'Succeeded', 'Failed']);

class Reader {
  constructor(private readonly where: string) {}

  fail(path: string, expected: string): never {
    throw new MaglevError(ErrorCode.ReleaseInvalid, `${this.where}: ${path} must be ${expected}`, { terminal: true, where: this.where });
  }

  obj(v: unknown, path: string): Json {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'an object');
    return v as Json;
  }

  optObj(v: unknown, path: string): Json | null {
    return v === undefined || v === null ? null : this.obj(v, path);
  }

  str(v: unknown, path: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') this.fail(path, 'a string');
    return v;
  }

  optStr(v: unknown, path: string): string | undefined {
    return v === undefined || v === null ? undefined : this.str(v, path);
  }

  int(v: unknown, path: string): number {
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(path, 'an integer');
    return v;
  }

  strs(v: unknown, path: string): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, 'a list of strings');
    return v.map((x, i) => this.str(x, `${path}[${i}]`));
  }

  list(v: unknown, path: string): unknown[] | null {
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) this.fail(path, 'a list');
    return v as unknown[];
  }
}

/** The record in parsed JSON `json`; throws MaglevError ReleaseInvalid naming `where` and the bad field. */
export function readRecord(json: unknown, where: string): ReleaseRecord {
  const r = new Reader(where);
  const top = r.obj(json, 'release');
  const info = r.optObj(top.info, 'info') ?? {};
  const status = r.str(info.status, 'info.status');
  const name = r.str(top.name, 'name');
  if (name === '') r.fail('name', 'a non-empty string');
  const version = r.int(top.version, 'version');
  if (version < 1) r.fail('version', 'a positive integer');
  return {
    name,
    info: {
      first_deployed: r.str(info.first_deployed, 'info.first_deployed'),
      last_deployed: r.str(info.last_deployed, 'info.last_deployed'),
      deleted: r.str(info.deleted, 'info.deleted'),
      description: r.str(info.description, 'info.description'),
      status: (STATUSES.has(status) ? status : ReleaseStatus.Unknown) as ReleaseStatusValue,
      notes: r.str(info.notes, 'info.notes'),
    },
    chart: readChart(r, top.chart),
    config: r.optObj(top.config, 'config') ?? {},
    manifest: r.str(top.manifest, 'manifest'),
    hooks: (r.list(top.hooks, 'hooks') ?? []).map((h, i) => readHook(r, h, `hooks[${i}]`)),
    version,
    namespace: r.str(top.namespace, 'namespace'),
  };
}

function readChart(r: Reader, v: unknown): RecordChart | null {
  const c = r.optObj(v, 'chart');
  if (c === null) return null;
  const files = (x: unknown, path: string): RecordFile[] | null =>
    r.list(x, path)?.map((f, i) => {
      const o = r.obj(f, `${path}[${i}]`);
      return { name: r.str(o.name, `${path}[${i}].name`), data: r.str(o.data, `${path}[${i}].data`) };
    }) ?? null;
  const metadata = r.optObj(c.metadata, 'chart.metadata');
  const lock = r.optObj(c.lock, 'chart.lock');
  return {
    metadata: metadata === null ? null : readMetadata(r, metadata),
    lock: lock === null ? null : readLock(r, lock),
    templates: files(c.templates, 'chart.templates'),
    values: r.optObj(c.values, 'chart.values'),
    schema: c.schema === undefined || c.schema === null ? null : r.str(c.schema, 'chart.schema'),
    files: files(c.files, 'chart.files'),
  };
}

function readMetadata(r: Reader, m: Json): RecordMetadata {
  // Metadata is kept as written (Helm's own field names) after checking the fields the operator reads.
  const path = 'chart.metadata';
  r.str(m.name, `${path}.name`);
  r.str(m.version, `${path}.version`);
  r.str(m.appVersion, `${path}.appVersion`);
  const deps = r.list(m.dependencies, `${path}.dependencies`);
  const out = { ...m } as RecordMetadata;
  if (deps !== null) out.dependencies = deps.map((d, i) => readDependency(r, d, `${path}.dependencies[${i}]`));
  return out;
}

function readDependency(r: Reader, v: unknown, path: string): RecordDependency {
  const d = r.obj(v, path);
  return { ...(d as Partial<RecordDependency>), name: r.str(d.name, `${path}.name`), repository: r.str(d.repository, `${path}.repository`) };
}

function readLock(r: Reader, l: Json): RecordLock {
  const deps = r.list(l.dependencies, 'chart.lock.dependencies');
  return {
    generated: r.str(l.generated, 'chart.lock.generated'),
    digest: r.str(l.digest, 'chart.lock.digest'),
    dependencies: deps === null ? null : deps.map((d, i) => readDependency(r, d, `chart.lock.dependencies[${i}]`)),
  };
}

function readHook(r: Reader, v: unknown, path: string): RecordHook {
  const h = r.obj(v, path);
  const run = r.optObj(h.last_run, `${path}.last_run`) ?? {};
  const phase = r.str(run.phase, `${path}.last_run.phase`);
  const lastRun: HookExecution = {
    started_at: r.str(run.started_at, `${path}.last_run.started_at`),
    completed_at: r.str(run.completed_at, `${path}.last_run.completed_at`),
    phase: (PHASES.has(phase) ? phase : 'Unknown') as HookPhase,
  };
  return {
    name: r.str(h.name, `${path}.name`),
    kind: r.str(h.kind, `${path}.kind`),
    path: r.str(h.path, `${path}.path`),
    manifest: r.str(h.manifest, `${path}.manifest`),
    events: r.strs(h.events, `${path}.events`),
    last_run: lastRun,
    weight: r.int(h.weight, `${path}.weight`),
    delete_policies: r.strs(h.delete_policies, `${path}.delete_policies`),
    output_log_policies: r.strs(h.output_log_policies, `${path}.output_log_policies`),
  };
}
