/**
 * Chart.yaml parsing and validation with Helm's rules (chart.Metadata.Validate): required apiVersion (absent
 * means v1), name, version; name is one path segment; version is SemVer as Helm reads it; type is
 * application or library; dependency aliases match ^[a-zA-Z0-9_-]+$ and names/aliases are unique.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { isTable } from './objects.js';
import { parseChartVersion } from './semver.js';
import type { ChartDependency, ChartMetadata, Values } from './types.js';
import { parseYamlSafe } from './yaml.js';

/** Helm's rule for dependency aliases. */
export const ALIAS_PATTERN = /^[a-zA-Z0-9_-]+$/;

function invalid(where: string, message: string): MaglevError {
  return new MaglevError(ErrorCode.ChartInvalid, `${where}: ${message}`, { where, terminal: true });
}

/** Helm's sanitizeString: whitespace becomes a space, other non-printable characters are dropped. */
function sanitize(s: string): string {
  return s.replace(/\s/g, ' ').replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/gu, '');
}

class Reader {
  constructor(
    private readonly obj: Values,
    private readonly where: string,
    private readonly prefix: string,
  ) {}

  str(key: string): string | undefined {
    const v = Object.prototype.hasOwnProperty.call(this.obj, key) ? this.obj[key] : undefined;
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalid(this.where, `${this.prefix}${key} must be a string, got ${typeof v} ${JSON.stringify(v)} (quote it in YAML)`);
    return v;
  }

  strList(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(this.where, `${this.prefix}${key} must be a list of strings`);
    return (v as string[]).map(sanitize);
  }

  strMap(key: string): Record<string, string> | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isTable(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(this.where, `${this.prefix}${key} must be a map of strings (quote numbers and booleans)`);
    return v as Record<string, string>;
  }

  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw invalid(this.where, `${this.prefix}${key} must be true or false`);
    return v;
  }
}

function parseImportValues(v: unknown, where: string, field: string): ChartDependency['import-values'] {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(where, `${field} must be a list`);
  return v.map((item: unknown, i) => {
    if (typeof item === 'string') return item;
    if (isTable(item) && typeof item.child === 'string' && typeof item.parent === 'string') return { child: item.child, parent: item.parent };
    throw invalid(where, `${field}[${i}] must be a string or a map with string "child" and "parent"`);
  });
}

function parseDependency(v: unknown, where: string, i: number): ChartDependency {
  const field = `dependencies[${i}]`;
  if (!isTable(v)) throw invalid(where, `${field}: dependencies must not contain empty or null entries`);
  const r = new Reader(v, where, `${field}.`);
  const name = r.str('name');
  if (name === undefined || name === '') throw invalid(where, `${field}.name is required`);
  const dep: ChartDependency = { name: sanitize(name) };
  const optional = { version: r.str('version'), repository: r.str('repository'), condition: r.str('condition'), alias: r.str('alias') };
  for (const [k, val] of Object.entries(optional)) if (val !== undefined) (dep as unknown as Values)[k] = sanitize(val);
  if (dep.alias !== undefined && dep.alias !== '' && !ALIAS_PATTERN.test(dep.alias)) {
    throw invalid(where, `dependency "${dep.name}" has disallowed characters in the alias "${dep.alias}" (accepted: ^[a-zA-Z0-9_-]+$)`);
  }
  const tags = r.strList('tags');
  if (tags !== undefined) dep.tags = tags;
  const iv = parseImportValues(v['import-values'], where, `${field}.import-values`);
  if (iv !== undefined) dep['import-values'] = iv;
  return dep;
}

/** Validates a dependencies list (from Chart.yaml or a v1 requirements.yaml): entries, aliases, uniqueness. */
export function parseDependencies(v: unknown, where: string): ChartDependency[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(where, 'dependencies must be a list');
  const deps = v.map((d: unknown, i) => parseDependency(d, where, i));
  const seen = new Set<string>();
  for (const d of deps) {
    const key = d.alias !== undefined && d.alias !== '' ? d.alias : d.name;
    if (seen.has(key)) throw invalid(where, `more than one dependency with name or alias "${key}"`);
    seen.add(key);
  }
  return deps;
}

/** Validates a chart name: one path segment, not `.` or `..`, no separators or control characters. */
export function validateChartName(name: string, where: string): void {
  if (name === '.' || name === '..' || /[/\\]/.test(name) || /[\p{Cc}]/u.test(name)) {
    throw invalid(where, `chart name "${name}" is invalid; it must be a single path segment (not "." or "..", no "/" or "\\")`);
  }
}

/** Parses and validates Chart.yaml bytes; `where` names the file (e.g. `podinfo/Chart.yaml`). */
export function parseChartMetadata(data: Buffer | string, where: string): ChartMetadata {
  const doc = parseYamlSafe(data, where, { code: ErrorCode.ChartInvalid });
  if (!isTable(doc)) throw invalid(where, 'Chart.yaml must be a YAML mapping');
  const r = new Reader(doc, where, '');
  const apiVersion = r.str('apiVersion') ?? 'v1';
  if (apiVersion !== 'v1' && apiVersion !== 'v2') throw invalid(where, `apiVersion "${apiVersion}" is not supported (accepted: v2, or v1 for old charts)`);
  const name = r.str('name');
  if (name === undefined || name === '') throw invalid(where, 'name is required');
  validateChartName(name, where);
  const version = r.str('version');
  if (version === undefined || version === '') throw invalid(where, 'version is required');
  if (parseChartVersion(version) === undefined) throw invalid(where, `version "${version}" is not valid SemVer (e.g. 1.2.3)`);
  const type = r.str('type');
  if (type !== undefined && type !== '' && type !== 'application' && type !== 'library') throw invalid(where, `type "${type}" must be application or library`);
  const md: ChartMetadata = { apiVersion, name, version };
  if (type === 'application' || type === 'library') md.type = type;
  for (const key of ['appVersion', 'description', 'kubeVersion', 'home', 'icon'] as const) {
    const val = r.str(key);
    if (val !== undefined) md[key] = sanitize(val);
  }
  const keywords = r.strList('keywords');
  if (keywords !== undefined) md.keywords = keywords;
  const sources = r.strList('sources');
  if (sources !== undefined) md.sources = sources;
  const deprecated = r.bool('deprecated');
  if (deprecated !== undefined) md.deprecated = deprecated;
  const annotations = r.strMap('annotations');
  if (annotations !== undefined) md.annotations = annotations;
  const maintainers = parseMaintainers(doc.maintainers, where);
  if (maintainers !== undefined) md.maintainers = maintainers;
  const deps = parseDependencies(doc.dependencies, where);
  if (deps !== undefined) md.dependencies = deps;
  return md;
}

function parseMaintainers(v: unknown, where: string): ChartMetadata['maintainers'] {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(where, 'maintainers must be a list');
  return v.map((m: unknown, i) => {
    if (!isTable(m)) throw invalid(where, `maintainers[${i}]: maintainers must not contain empty or null entries`);
    const r = new Reader(m, where, `maintainers[${i}].`);
    const out: { name: string; email?: string; url?: string } = { name: sanitize(r.str('name') ?? '') };
    const email = r.str('email');
    if (email !== undefined) out.email = sanitize(email);
    const url = r.str('url');
    if (url !== undefined) out.url = sanitize(url);
    return out;
  });
}
