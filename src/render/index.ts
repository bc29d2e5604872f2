/**
 * Rendering: a prepared chart (src/chart `prepareChart`) and a release in, ordered objects, hooks, CRDs,
 * notes and a Helm-style manifest out. EJS charts render in an isolated sandbox (see ejs/sandbox.ts),
 * Go-template charts through the helm binary (helm.ts); each (sub)chart uses its own engine.
 */
import { crdFiles, parseCrds } from './crds.js';
import { renderEjs } from './ejs/index.js';
import { sharedEjsPool, type EjsPool } from './ejs/pool.js';
import { closeGoRenderers, sharedGoRenderer } from './go-renderer.js';
import { renderHelmGroup } from './helm.js';
import { manifestText, parseTemplateOutputs } from './manifest.js';
import { chartTree, helmGroup, helmRoots, walk } from './tree.js';
import { ErrorCode, MaglevError } from '../errors.js';
import type { RenderInput, RenderResult } from './types.js';

export type * from './types.js';
export { HookDeletePolicy, HookEvent, HookOutputLogPolicy } from './types.js';
export { hookExecutionOrder, InstallOrder, sortByKind, UninstallOrder, uninstallOrder } from './order.js';
export { EjsPool } from './ejs/pool.js';
export { DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION } from './capabilities.js';

/** Starts a render worker ahead of the first EJS render (call at operator start-up; optional). */
export function warmUpRenderer(pool: EjsPool = sharedEjsPool()): Promise<void> {
  return pool.warmUp();
}

/** Stops the shared render workers and the Go-template engine process so the process can exit (call on shutdown). */
export async function closeRenderer(pool: EjsPool = sharedEjsPool()): Promise<void> {
  await Promise.all([pool.close(), closeGoRenderers()]);
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * Renders a prepared chart for a release. Rejects with RenderFailed (template error, with file:line),
 * ManifestInvalid, DuplicateObject, ChartInvalid (mixed engines) or HelmUnavailable.
 */
export async function renderChart(input: RenderInput, pool: EjsPool = sharedEjsPool()): Promise<RenderResult> {
  const timeoutMs = input.options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = input.options?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const root = chartTree(input.chart, input.values);
  const ejsNodes = walk(root).filter((n) => n.engine === 'ejs');
  // A Go-template group without any template renders nothing (e.g. an umbrella chart of EJS subcharts).
  const groups = helmRoots(root).filter((node) => helmGroup(node).some((n) => n.chart.templates.length > 0));
  const helmLimits = { timeoutMs, renderer: sharedGoRenderer(input.options?.rendererBin), ...(input.lookup === undefined ? {} : { lookup: input.lookup }) };
  const [ejs, ...helm] = await Promise.all([
    renderEjs(ejsNodes, input.release, input.capabilities, { timeoutMs, maxOutput: maxOutputBytes, ...(input.lookup === undefined ? {} : { lookup: input.lookup }) }, pool),
    ...groups.map((node) => renderHelmGroup(node, input.release, input.capabilities, helmLimits)),
  ]);
  const outputs = [...ejs.outputs, ...helm.flatMap((h) => h.outputs)];
  const total = outputs.reduce((n, o) => n + Buffer.byteLength(o.text), 0);
  if (total > maxOutputBytes) {
    throw new MaglevError(ErrorCode.RenderFailed, `rendered output is ${total} bytes, over the ${maxOutputBytes} byte limit`, {
      terminal: true,
    });
  }
  const { objects, hooks } = parseTemplateOutputs(outputs, input.release.namespace);
  const notes = root.engine === 'ejs' ? ejs.notes : (helm[groups.indexOf(root)]?.notes ?? null);
  return {
    objects,
    hooks,
    crds: parseCrds(crdFiles(root), input.release.namespace),
    notes: notes ?? '',
    manifest: manifestText(objects),
  };
}
