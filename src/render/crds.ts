/**
 * CRDs from `crds/` directories: plain YAML (never templated), collected from the top chart and every
 * enabled subchart in Helm's order (a chart's own CRDs, then its dependencies'), parsed and checked
 * like rendered objects.
 */
import { checkObject, parseDocument, splitManifests, assertUnique } from './manifest.js';
import { walk, type ChartNode } from './tree.js';
import type { RenderedObject } from './types.js';

/** One CRD file: Helm's file name (`mychart/charts/db/crds/x.yaml`) and its text. */
export interface CrdFile {
  source: string;
  text: string;
}

/** The crds/ files of the tree (`.yaml`, `.yml`, `.json`), each chart's sorted by path. */
export function crdFiles(root: ChartNode): CrdFile[] {
  return walk(root).flatMap((node) =>
    [...node.chart.crds]
      .filter((f) => /\.(ya?ml|json)$/.test(f.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((f) => ({ source: `${node.name}/${f.path}`, text: f.data.toString('utf8') })),
  );
}

/** Parses CRD files into objects (ManifestInvalid / DuplicateObject like rendered templates). */
export function parseCrds(files: readonly CrdFile[], namespace: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const file of files) {
    splitManifests(file.text).forEach((text, i) => {
      const doc = parseDocument(text, file.source, i);
      if (doc === null || doc === undefined) return;
      out.push({ source: file.source, text, object: checkObject(doc, file.source, i) });
    });
  }
  assertUnique(out, namespace);
  return out;
}
