/**
 * Repackages a group of Go-template charts from memory into a .tgz for Helm's engine (go-renderer.ts), as
 * Helm should render them: only the enabled Go subcharts (EJS ones are rendered by us), aliases applied, no
 * declared dependencies left to re-resolve, empty values.yaml and no schema (our coalesced, validated values
 * are passed in full).
 */
import { writeArchive } from '../chart/archive.js';
import type { ChartFile } from '../chart/types.js';
import type { ChartNode } from './tree.js';

const DROPPED = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json', 'Chart.lock', 'requirements.yaml', 'requirements.lock']);

/** Chart.yaml for the packaged chart: the (aliased) metadata without dependencies, as JSON (valid YAML). */
function chartYaml(node: ChartNode): Buffer {
  const { dependencies: _deps, ...md } = node.chart.metadata;
  return Buffer.from(`${JSON.stringify({ ...md, name: node.chart.metadata.name }, null, 2)}\n`);
}

/** The files of `node` and its Go subcharts, paths relative to the package root directory. */
function packageFiles(node: ChartNode, prefix: string): ChartFile[] {
  const out: ChartFile[] = [
    { path: `${prefix}Chart.yaml`, data: chartYaml(node) },
    { path: `${prefix}values.yaml`, data: Buffer.from('{}\n') },
  ];
  for (const f of node.chart.raw) {
    if (DROPPED.has(f.path) || f.path.startsWith('charts/')) continue;
    out.push({ path: prefix + f.path, data: f.data });
  }
  for (const child of node.children) {
    if (child.engine === 'helm') out.push(...packageFiles(child, `${prefix}charts/${child.chart.metadata.name}/`));
  }
  return out;
}

/** A gzipped tar of the group rooted at `node`, built in memory (reproducible: chart/archive.ts). */
export async function packageChart(node: ChartNode): Promise<Buffer> {
  const dir = node.chart.metadata.name;
  return writeArchive(packageFiles(node, '').map((f) => ({ path: `${dir}/${f.path}`, data: f.data })));
}
