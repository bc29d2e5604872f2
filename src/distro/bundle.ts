/**
 * Distro bundles (../shared/spec/distro-bundle.md): one gzip-compressed tar holding `distro.yaml` (the
 * DistroManifest) and the chart archives its components name. Read in memory with the chart-archive caps and
 * checks (regular files only, no path escapes, size caps while streaming); checked as a whole, so a bad bundle
 * is reported with EVERY problem (manifest fields, graph, missing or invalid charts) before anything uses it.
 * Packing is reproducible: the same directory gives the same bytes and sha256 digest.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import yaml from 'js-yaml';
import semver from 'semver';
import { newBudget, readArchive, writeArchive, type LoadLimits } from '../chart/archive.js';
import { loadChartArchive, loadChartDir } from '../chart/load.js';
import { readChartDirFiles } from '../chart/loaddir.js';
import { parseYamlSafe } from '../chart/yaml.js';
import type { ChartSource, ComponentReleaseOptions } from '../crds/generated/types.js';
import { validateComponents, type ComponentSpec } from '../crds/validate.js';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { isRecord } from '../runtime/object.js';
import { byLevel, levels } from './graph.js';

/** The manifest's path in a bundle. */
export const BUNDLE_MANIFEST = 'distro.yaml';
const MANIFEST_API_VERSION = 'maglev.io/v1alpha1';
const MANIFEST_KIND = 'DistroManifest';
const CLASSES = ['core', 'stateful', 'stateless'];
const POLICIES = ['Automatic', 'Manual'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One component of a bundle: like a MaglevDistro component, with `chart` a path inside the bundle or a chart source. */
export interface BundleComponent {
  name: string;
  chart: string | ChartSource;
  namespace?: string;
  class?: string;
  upgradePolicy?: string;
  dependsOn?: string[];
  values?: Record<string, unknown>;
  labels?: Record<string, string>;
  enabled?: boolean;
  release?: ComponentReleaseOptions;
}

/** `distro.yaml`. */
export interface DistroManifest {
  apiVersion: string;
  kind: string;
  name: string;
  version: string;
  description?: string;
  /** Distro versions that may upgrade to this one directly (a semver range). */
  upgradeFrom?: string;
  /** Defaults below MaglevDistro.spec.values. */
  values?: Record<string, unknown>;
  components: BundleComponent[];
}

/** A chart archive of the bundle, as its Chart.yaml names it. */
export interface BundleChart {
  path: string;
  name: string;
  version: string;
  bytes: number;
}

/** What reading a bundle found: its digest, files, manifest and charts when readable, and every problem. */
export interface BundleReport {
  /** `sha256:<hex>` of the bundle bytes. */
  digest: string;
  files: Map<string, Buffer>;
  manifest?: DistroManifest;
  /** Chart archives named by components, by path. */
  charts: Map<string, BundleChart>;
  /** Component names by dependency level, lowest first (enabled components; empty when the graph is invalid). */
  levels: string[][];
  /** Each problem as `where: what`; empty for a valid bundle. */
  problems: string[];
}

/** `sha256:<hex>` of `buf`. */
export function bundleDigest(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** Problems of the manifest's own fields (not the graph or the charts), as `field: message`. */
function manifestProblems(v: Record<string, unknown>): string[] {
  const out: string[] = [];
  const str = (key: string, required: boolean): void => {
    const x = v[key];
    if (x === undefined ? required : typeof x !== 'string' || x === '') out.push(`${key}: ${x === undefined ? 'is required' : 'must be a non-empty string'}`);
  };
  if (v.apiVersion !== MANIFEST_API_VERSION) out.push(`apiVersion: must be ${MANIFEST_API_VERSION}, not ${JSON.stringify(v.apiVersion)}`);
  if (v.kind !== MANIFEST_KIND) out.push(`kind: must be ${MANIFEST_KIND}, not ${JSON.stringify(v.kind)}`);
  str('name', true);
  str('description', false);
  if (typeof v.name === 'string' && v.name !== '' && !DNS_LABEL.test(v.name)) out.push(`name: ${JSON.stringify(v.name)} is not a DNS label (lowercase letters, digits, '-')`);
  if (typeof v.version !== 'string' || semver.valid(v.version) === null) out.push(`version: ${JSON.stringify(v.version)} is not a semantic version; expected e.g. 1.4.0`);
  if (v.upgradeFrom !== undefined && (typeof v.upgradeFrom !== 'string' || semver.validRange(v.upgradeFrom) === null)) {
    out.push(`upgradeFrom: ${JSON.stringify(v.upgradeFrom)} is not a semver range; expected e.g. ">=1.2.0 <1.4.0"`);
  }
  if (v.values !== undefined && !isRecord(v.values)) out.push('values: must be a map');
  if (!Array.isArray(v.components) || v.components.length === 0) {
    out.push('components: must list at least one component');
    return out;
  }
  (v.components as unknown[]).forEach((c, i) => out.push(...componentProblems(c, `components[${i}]`)));
  return out;
}

function componentProblems(c: unknown, at: string): string[] {
  if (!isRecord(c)) return [`${at}: must be a map`];
  const out: string[] = [];
  if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) out.push(`${at}.name: ${JSON.stringify(c.name)} is not a DNS label (lowercase letters, digits, '-')`);
  const chart = c.chart;
  if (typeof chart === 'string') {
    if (chart === '') out.push(`${at}.chart: must not be empty`);
  } else if (isRecord(chart)) {
    if (typeof chart.repository !== 'string' || typeof chart.name !== 'string') out.push(`${at}.chart: a chart source needs repository and name (or a path inside the bundle)`);
  } else {
    out.push(`${at}.chart: is required: a path inside the bundle (charts/x-1.0.0.tgz) or { repository, name, version }`);
  }
  if (c.namespace !== undefined && (typeof c.namespace !== 'string' || !DNS_LABEL.test(c.namespace))) out.push(`${at}.namespace: ${JSON.stringify(c.namespace)} is not a namespace name`);
  if (c.class !== undefined && !CLASSES.includes(c.class as string)) out.push(`${at}.class: ${JSON.stringify(c.class)} is not one of ${CLASSES.join(', ')}`);
  if (c.upgradePolicy !== undefined && !POLICIES.includes(c.upgradePolicy as string)) out.push(`${at}.upgradePolicy: ${JSON.stringify(c.upgradePolicy)} is not one of ${POLICIES.join(', ')}`);
  if (c.dependsOn !== undefined && (!Array.isArray(c.dependsOn) || !c.dependsOn.every((d) => typeof d === 'string'))) out.push(`${at}.dependsOn: must be a list of component names`);
  if (c.values !== undefined && !isRecord(c.values)) out.push(`${at}.values: must be a map`);
  if (c.labels !== undefined && (!isRecord(c.labels) || !Object.values(c.labels).every((l) => typeof l === 'string'))) out.push(`${at}.labels: must be a map of strings`);
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') out.push(`${at}.enabled: must be true or false`);
  if (c.release !== undefined && !isRecord(c.release)) out.push(`${at}.release: must be a map`);
  return out;
}

/** The manifest parsed and checked; problems prefixed with `distro.yaml: `. */
function parseManifest(text: Buffer): { manifest?: DistroManifest; problems: string[] } {
  let v: unknown;
  try {
    v = parseYamlSafe(text, BUNDLE_MANIFEST);
  } catch (err) {
    return { problems: [`${BUNDLE_MANIFEST}: ${errorMessage(err)}`] };
  }
  if (!isRecord(v)) return { problems: [`${BUNDLE_MANIFEST}: must be a map (a DistroManifest)`] };
  const problems = manifestProblems(v).map((p) => `${BUNDLE_MANIFEST}: ${p}`);
  return problems.length === 0 ? { manifest: v as unknown as DistroManifest, problems } : { problems };
}

/** Bundle path of a component's chart (normalised POSIX path), or undefined for a chart source. */
export function chartPath(c: BundleComponent): string | undefined {
  return typeof c.chart === 'string' ? posix.normalize(c.chart.replace(/^\.\//, '')) : undefined;
}

/**
 * Reads and checks a bundle; never throws for a bad bundle (see {@link BundleReport.problems}). `where` names
 * the bundle in messages (its file, URL or ConfigMap).
 */
export async function inspectBundle(buf: Buffer, where: string, limits: Partial<LoadLimits> = {}): Promise<BundleReport> {
  const report: BundleReport = { digest: bundleDigest(buf), files: new Map(), charts: new Map(), levels: [], problems: [] };
  try {
    const { files } = await readArchive(buf, where, newBudget(limits), 'flat');
    for (const f of files) report.files.set(f.path, f.data);
  } catch (err) {
    report.problems.push(errorMessage(err));
    return report;
  }
  const text = report.files.get(BUNDLE_MANIFEST);
  if (text === undefined) {
    report.problems.push(`${BUNDLE_MANIFEST} is missing: a bundle holds its manifest at the archive root`);
    return report;
  }
  const { manifest, problems } = parseManifest(text);
  report.problems.push(...problems);
  if (manifest === undefined) return report;
  report.manifest = manifest;
  for (const [i, c] of manifest.components.entries()) {
    const path = chartPath(c);
    if (path === undefined || report.charts.has(path)) continue;
    const data = report.files.get(path);
    if (data === undefined) {
      report.problems.push(`${BUNDLE_MANIFEST}: components[${i}].chart: ${path} is not in the bundle`);
      continue;
    }
    try {
      const chart = await loadChartArchive(data, { where: `${where}: ${path}`, limits });
      report.charts.set(path, { path, name: chart.metadata.name, version: chart.metadata.version, bytes: data.length });
    } catch (err) {
      report.problems.push(`components[${i}] (${c.name}): ${errorMessage(err)}`);
    }
  }
  // The graph and component fields, with the checks a MaglevDistro's components get.
  const specs: ComponentSpec[] = manifest.components.map((c) => ({ ...c, chart: typeof c.chart === 'string' ? undefined : c.chart }));
  const graph = validateComponents(specs, undefined, 'components');
  report.problems.push(...graph.map((p) => `${BUNDLE_MANIFEST}: ${p.field}: ${p.message}`));
  if (graph.length === 0) report.levels = byLevel(levels(manifest.components.filter((c) => c.enabled !== false)));
  return report;
}

/** Reads a bundle for use: its report, or BundleInvalid (terminal) listing every problem. */
export async function loadBundle(buf: Buffer, where: string, limits: Partial<LoadLimits> = {}): Promise<BundleReport & { manifest: DistroManifest }> {
  const report = await inspectBundle(buf, where, limits);
  if (report.problems.length > 0 || report.manifest === undefined) {
    throw new MaglevError(ErrorCode.BundleInvalid, `${where}: ${report.problems.length} problem(s):\n${report.problems.join('\n')}`, { terminal: true, where });
  }
  return report as BundleReport & { manifest: DistroManifest };
}

/**
 * Packs directory `dir` (distro.yaml, and the charts its components name by path: chart directories are
 * packaged as `charts/<name>-<version>.tgz`, archives are taken as they are) into a bundle; reproducible.
 * Throws BundleInvalid listing every problem of the result.
 */
export async function packBundle(dir: string): Promise<{ bundle: Buffer; report: BundleReport }> {
  const manifestPath = join(dir, BUNDLE_MANIFEST);
  let text: Buffer;
  try {
    text = await readFile(manifestPath);
  } catch (err) {
    throw new MaglevError(ErrorCode.BundleInvalid, `${manifestPath}: cannot read the manifest (${errorMessage(err)})`, { terminal: true, cause: err });
  }
  const { manifest, problems } = parseManifest(text);
  if (manifest === undefined) throw new MaglevError(ErrorCode.BundleInvalid, `${manifestPath}: ${problems.length} problem(s):\n${problems.join('\n')}`, { terminal: true });
  const files = new Map<string, Buffer>();
  const components: BundleComponent[] = [];
  for (const c of manifest.components) {
    const rel = chartPath(c);
    if (rel === undefined || rel.startsWith('../') || posix.isAbsolute(rel)) {
      components.push(c);
      continue;
    }
    const abs = join(dir, rel);
    const info = await stat(abs).catch(() => undefined);
    if (info?.isDirectory() === true) {
      const chart = await loadChartDir(abs, { where: abs });
      const top = chart.metadata.name;
      const chartFiles = await readChartDirFiles(abs, abs, newBudget());
      const path = `charts/${top}-${chart.metadata.version}.tgz`;
      files.set(path, await writeArchive(chartFiles.map((f) => ({ path: `${top}/${f.path}`, data: f.data }))));
      components.push({ ...c, chart: path });
    } else {
      if (info?.isFile() === true) files.set(rel, await readFile(abs));
      components.push({ ...c, chart: rel });
    }
  }
  const out = { ...manifest, components };
  files.set(BUNDLE_MANIFEST, Buffer.from(yaml.dump(out, { noRefs: true, lineWidth: -1 })));
  const bundle = await writeArchive([...files].map(([path, data]) => ({ path, data })));
  const report = await inspectBundle(bundle, dir);
  if (report.problems.length > 0) {
    throw new MaglevError(ErrorCode.BundleInvalid, `${dir}: the bundle would have ${report.problems.length} problem(s):\n${report.problems.join('\n')}`, { terminal: true });
  }
  return { bundle, report };
}
