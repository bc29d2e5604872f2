/**
 * Repackages a group of Go-template charts from memory into a .tgz for the helm binary, as helm should
 * render them: only the enabled Go subcharts (EJS ones are rendered by us), aliases applied, no declared
 * dependencies left to re-resolve, empty values.yaml and no schema (our coalesced, validated values are
 * passed in full), and optionally the top chart's NOTES wrapped so that `helm template` prints them.
 */
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { ChartFile } from '../chart/types.js';
import type { ChartNode } from './tree.js';

/** Template path (inside the packaged top chart) of the manifest carrying the NOTES. */
export const NOTES_CARRIER = 'templates/zz-maglev-notes-carrier.yaml';
/** Kind of the carrier object; it never leaves the renderer. */
export const NOTES_KIND = 'MaglevRenderNotes';

const DROPPED = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json', 'Chart.lock', 'requirements.yaml', 'requirements.lock']);

/** Chart.yaml for the packaged chart: the (aliased) metadata without dependencies, as JSON (valid YAML). */
function chartYaml(node: ChartNode): Buffer {
  const { dependencies: _deps, ...md } = node.chart.metadata;
  return Buffer.from(`${JSON.stringify({ ...md, name: node.chart.metadata.name }, null, 2)}\n`);
}

/** Whether the top chart's NOTES.txt can be wrapped in a `define` (it may not define templates itself). */
export function canCarryNotes(text: string): boolean {
  return !/\{\{-?\s*(define|block)\b/.test(text);
}

function notesFiles(notes: string): ChartFile[] {
  const define = `{{- define "maglev.internal.notes" }}${notes}{{ end }}`;
  const carrier = [
    `apiVersion: maglev.internal/v1`,
    `kind: ${NOTES_KIND}`,
    `metadata:`,
    `  name: notes`,
    `notes: {{ include "maglev.internal.notes" . | b64enc | quote }}`,
    '',
  ].join('\n');
  return [
    { path: 'templates/_zz-maglev-notes.tpl', data: Buffer.from(define) },
    { path: NOTES_CARRIER, data: Buffer.from(carrier) },
  ];
}

/** The files of `node` and its Go subcharts, paths relative to the package root directory. */
function packageFiles(node: ChartNode, prefix: string, withNotes: boolean): ChartFile[] {
  const out: ChartFile[] = [
    { path: `${prefix}Chart.yaml`, data: chartYaml(node) },
    { path: `${prefix}values.yaml`, data: Buffer.from('{}\n') },
  ];
  for (const f of node.chart.raw) {
    if (DROPPED.has(f.path) || f.path.startsWith('charts/')) continue;
    if (withNotes && f.path === 'templates/NOTES.txt') {
      out.push(...notesFiles(f.data.toString('utf8')).map((n) => ({ path: prefix + n.path, data: n.data })));
      continue;
    }
    out.push({ path: prefix + f.path, data: f.data });
  }
  for (const child of node.children) {
    if (child.engine === 'helm') out.push(...packageFiles(child, `${prefix}charts/${child.chart.metadata.name}/`, false));
  }
  return out;
}

/** Whether the package of `node` will carry its NOTES (top chart with a NOTES.txt helm can wrap). */
export function carriesNotes(node: ChartNode): boolean {
  if (node.parent !== undefined) return false;
  const notes = node.chart.raw.find((f) => f.path === 'templates/NOTES.txt');
  return notes !== undefined && canCarryNotes(notes.data.toString('utf8'));
}

/** A gzipped tar of the group rooted at `node`, built in memory (fixed modes and times: reproducible). */
export async function packageChart(node: ChartNode): Promise<Buffer> {
  const pack = tar.pack();
  const dir = node.chart.metadata.name;
  const files = packageFiles(node, '', carriesNotes(node));
  const done = buffer(pack.pipe(createGzip()));
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name: `${dir}/${f.path}`, mode: 0o644, mtime: new Date(0), type: 'file' }, f.data, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }
  pack.finalize();
  return done;
}
