/**
 * Building the in-memory Chart from files, the way Helm's loader sorts them: Chart.yaml, values.yaml,
 * values.schema.json, templates/, crds/, charts/ (subcharts as .tgz archives or directories; names starting
 * with `_` or `.` are skipped; `.prov` files stay plain files), everything else a plain file.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { newBudget, readArchive, type LoadBudget, type LoadLimits } from './archive.js';
import { readChartDirFiles } from './loaddir.js';
import { parseChartMetadata, parseDependencies } from './metadata.js';
import type { Chart, ChartFile, ChartMetadata } from './types.js';
import { parseValuesYaml, parseYamlSafe } from './yaml.js';

/** Options for the chart loaders. */
export interface LoadOptions {
  /** Caps shared by the whole chart tree; defaults in DEFAULT_LOAD_LIMITS. */
  limits?: Partial<LoadLimits>;
  /** Name used in error messages (default "chart archive" / the directory path). */
  where?: string;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MANIFEST_EXT = /\.(ya?ml|json)$/;

function invalid(where: string, message: string, code: ErrorCode = ErrorCode.ChartInvalid, cause?: unknown): MaglevError {
  return new MaglevError(code, `${where}: ${message}`, { where, terminal: true, cause });
}

function stripBom(data: Buffer): Buffer {
  return data.subarray(0, 3).equals(BOM) ? data.subarray(3) : data;
}

function parseSchema(data: Buffer, where: string): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (err) {
    throw invalid(where, `values.schema.json is not valid JSON (${err instanceof Error ? err.message : String(err)})`, ErrorCode.SchemaInvalid, err);
  }
}

function applyRequirements(md: ChartMetadata, data: Buffer | undefined, where: string): void {
  if (data === undefined) return;
  if (md.apiVersion !== 'v1' && md.dependencies !== undefined) return;
  const doc = parseYamlSafe(data, `${where}/requirements.yaml`, { code: ErrorCode.ChartInvalid });
  const deps = parseDependencies((doc as { dependencies?: unknown } | null)?.dependencies, `${where}/requirements.yaml`);
  if (deps !== undefined) md.dependencies = deps;
}

/** Builds a Chart (and its subcharts, recursively) from files relative to the chart root. */
export async function buildChart(input: ChartFile[], where: string, budget: LoadBudget): Promise<Chart> {
  const files = input.map((f) => ({ path: f.path, data: stripBom(f.data) }));
  const byName = new Map(files.map((f) => [f.path, f.data]));
  const chartYaml = byName.get('Chart.yaml');
  if (chartYaml === undefined) throw invalid(where, 'Chart.yaml is missing; a chart needs Chart.yaml at its root');
  const metadata = parseChartMetadata(chartYaml, `${where}/Chart.yaml`);
  applyRequirements(metadata, byName.get('requirements.yaml'), where);
  const valuesData = byName.get('values.yaml');
  const chart: Chart = {
    metadata,
    values: valuesData === undefined ? {} : parseValuesYaml(valuesData, `${where}/values.yaml`, { code: ErrorCode.ChartInvalid }),
    templates: [],
    crds: [],
    files: [],
    dependencies: [],
    raw: files.filter((f) => !f.path.startsWith('charts/') || f.path.endsWith('.prov')),
  };
  const schemaData = byName.get('values.schema.json');
  if (schemaData !== undefined) chart.schema = parseSchema(schemaData, `${where}/values.schema.json`);
  const special = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json', 'Chart.lock', 'requirements.lock', 'requirements.yaml']);
  const subcharts = new Map<string, ChartFile[]>();
  for (const f of files) {
    if (special.has(f.path)) {
      if (metadata.apiVersion === 'v1' && f.path.startsWith('requirements.')) chart.files.push(f);
    } else if (f.path.startsWith('templates/')) chart.templates.push(f);
    else if (f.path.startsWith('charts/') && !f.path.endsWith('.prov')) {
      const rest = f.path.slice('charts/'.length);
      const name = rest.split('/')[0] ?? rest;
      subcharts.set(name, [...(subcharts.get(name) ?? []), { path: rest, data: f.data }]);
    } else {
      chart.files.push(f);
      if (f.path.startsWith('crds/') && MANIFEST_EXT.test(f.path)) chart.crds.push(f);
    }
  }
  for (const [name, group] of [...subcharts].sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    chart.dependencies.push(await loadSubchart(name, group, `${where}/charts/${name}`, budget));
  }
  return chart;
}

async function loadSubchart(name: string, group: ChartFile[], where: string, budget: LoadBudget): Promise<Chart> {
  if (name.endsWith('.tgz')) {
    const [file] = group;
    if (group.length !== 1 || file === undefined || file.path !== name) throw invalid(where, `expected the archive file charts/${name}, found a directory`);
    const { dir, files } = await readArchive(file.data, where, budget);
    return buildChart(files, `${where}:${dir}`, budget);
  }
  const inner = group.filter((f) => f.path.includes('/')).map((f) => ({ path: f.path.slice(name.length + 1), data: f.data }));
  return buildChart(inner, where, budget);
}

/** Loads a chart from a .tgz archive held in memory; caps are enforced while decompressing. */
export async function loadChartArchive(buf: Buffer, opts: LoadOptions = {}): Promise<Chart> {
  const budget = newBudget(opts.limits);
  const where = opts.where ?? 'chart archive';
  const { dir, files } = await readArchive(buf, where, budget);
  return buildChart(files, `${where}:${dir}`, budget);
}

/** Loads a chart from a local directory (honours .helmignore; symlinks must stay inside the directory). */
export async function loadChartDir(path: string, opts: LoadOptions = {}): Promise<Chart> {
  const budget = newBudget(opts.limits);
  const where = opts.where ?? path;
  const files = await readChartDirFiles(path, where, budget);
  return buildChart(files, where, budget);
}
