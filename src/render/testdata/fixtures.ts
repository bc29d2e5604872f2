/**
 * Test helpers: in-memory charts and a one-line render call, so tests state only templates and values.
 */
import { fileURLToPath } from 'node:url';
import { prepareChart } from '../../chart/dependencies.js';
import { loadChartDir } from '../../chart/load.js';
import type { Chart, Values } from '../../chart/types.js';
import type { EjsPool } from '../ejs/pool.js';
import { renderChart } from '../index.js';
import type { ReleaseInfo, RenderInput, RenderOptions, RenderResult } from '../types.js';

/** A chart built from `{path: text}` (templates/, crds/, other files sorted into place). */
export function memChart(name: string, files: Record<string, string>, extra: Partial<Chart> = {}): Chart {
  const all = Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text) }));
  return {
    metadata: { apiVersion: 'v2', name, version: '1.0.0', appVersion: '2.0.0', ...extra.metadata },
    values: {},
    templates: all.filter((f) => f.path.startsWith('templates/')),
    crds: all.filter((f) => f.path.startsWith('crds/')),
    files: all.filter((f) => !f.path.startsWith('templates/')),
    dependencies: [],
    raw: all,
    ...extra,
  };
}

/** The default test release. */
export const release: ReleaseInfo = { name: 'rel', namespace: 'ns', revision: 3, isInstall: true, isUpgrade: false };

/**
 * Renders `chart` with `values` on `pool` for the test release (or `extra.release`) and Kubernetes v1.30.2,
 * with `extra.lookup` serving the templates' lookups when given.
 */
export function render(pool: EjsPool, chart: Chart, values: Values = {}, options: RenderOptions = {}, extra: Pick<RenderInput, 'lookup'> & { release?: ReleaseInfo } = {}): Promise<RenderResult> {
  return renderChart(
    {
      chart,
      values,
      release: extra.release ?? release,
      capabilities: { kubeVersion: 'v1.30.2', apiVersions: ['example.com/v1', 'example.com/v1/Widget'] },
      options,
      ...(extra.lookup === undefined ? {} : { lookup: extra.lookup }),
    },
    pool,
  );
}

/** Absolute path of a test chart under testdata/charts. */
export function chartPath(name: string): string {
  return fileURLToPath(new URL(`charts/${name}`, import.meta.url));
}

/** Loads and prepares a test chart (conditions, aliases, coalesced values) like `maglev template` does. */
export async function preparedChart(name: string, values: Values = {}): Promise<{ chart: Chart; values: Values }> {
  return prepareChart(await loadChartDir(chartPath(name)), values);
}
