/**
 * The EJS engine's entry: turns the EJS charts of a tree into one sandbox job (scope data only, as plain
 * JSON-able values), runs it on the worker pool, and maps failures to RenderFailed naming file and line.
 */
import type { ChartMetadata } from '../../chart/types.js';
import { ErrorCode, errorMessage, MaglevError } from '../../errors.js';
import { apiVersionSet, kubeVersionInfo } from '../capabilities.js';
import type { ChartNode } from '../tree.js';
import { describeLookup, LOOKUP_LIMITS, type LookupFn, type LookupLimits, type ReleaseInfo, type RenderCapabilities, type TemplateOutput } from '../types.js';
import { sharedEjsPool, type EjsPool } from './pool.js';
import { describeFailure, lookupKey, type EjsChartJob, type EjsJob, type EjsJobResult } from './protocol.js';

/** Limits for one EJS render, and the function that answers its `lookup` calls (none: empty maps). */
export interface EjsLimits {
  timeoutMs: number;
  maxOutput: number;
  lookup?: LookupFn;
  lookupLimits?: LookupLimits;
}

/**
 * Renders a job may take to answer lookups that depend on earlier lookups' answers (a name read from one
 * object used to look up another): one pass per level of such dependence, plus the last.
 */
export const MAX_LOOKUP_PASSES = 8;

/** Output of the EJS charts: template outputs of all of them, and the top chart's notes if it is EJS. */
export interface EjsRenderResult {
  outputs: TemplateOutput[];
  notes: string | null;
}

/** `Chart` as templates see it: Chart.yaml fields with Helm's Go field names. */
export function chartScope(md: ChartMetadata): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    Name: md.name,
    Version: md.version,
    AppVersion: md.appVersion,
    Description: md.description,
    Type: md.type,
    Annotations: md.annotations,
    APIVersion: md.apiVersion,
    KubeVersion: md.kubeVersion,
    Keywords: md.keywords,
    Home: md.home,
    Sources: md.sources,
    Icon: md.icon,
    Deprecated: md.deprecated,
    Maintainers: md.maintainers,
    Dependencies: md.dependencies,
  };
  for (const k of Object.keys(scope)) if (scope[k] === undefined) delete scope[k];
  return scope;
}

/** The job data for one EJS chart (`notes` only for the top chart, as Helm renders only its NOTES). */
export function chartJob(node: ChartNode): EjsChartJob {
  const files: Record<string, string> = {};
  for (const f of [...node.chart.files, ...node.chart.crds]) files[f.path] = f.data.toString('base64');
  const templates = node.chart.templates
    .filter((f) => f.path.endsWith('.ejs'))
    .map((f) => ({ path: f.path, text: f.data.toString('utf8') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    name: node.name,
    rel: node.rel,
    chart: chartScope(node.chart.metadata),
    values: node.values,
    files,
    templates,
    notes: node.parent === undefined,
  };
}

/**
 * Renders the given EJS charts in one sandbox job; RenderFailed (terminal) on any template error. `lookup`
 * is served as `helm upgrade` serves it (see {@link renderWithLookups}).
 */
export async function renderEjs(
  nodes: readonly ChartNode[],
  release: ReleaseInfo,
  capabilities: RenderCapabilities,
  limits: EjsLimits,
  pool: EjsPool = sharedEjsPool(),
): Promise<EjsRenderResult> {
  if (nodes.length === 0) return { outputs: [], notes: null };
  const job: EjsJob = {
    release: {
      Name: release.name,
      Namespace: release.namespace,
      Revision: release.revision,
      IsInstall: release.isInstall,
      IsUpgrade: release.isUpgrade,
      Service: 'maglev-operator',
    },
    capabilities: { kubeVersion: kubeVersionInfo(capabilities.kubeVersion), apiVersions: apiVersionSet(capabilities) },
    maxOutput: limits.maxOutput,
    timeoutMs: limits.timeoutMs,
    // Warm contexts are shared within a namespace (one tenant), never across namespaces.
    contextKey: release.namespace,
    charts: nodes.map(chartJob),
  };
  const result = await renderWithLookups(job, limits, pool);
  const top = nodes.findIndex((n) => n.parent === undefined);
  return {
    outputs: result.charts.flatMap((c) => c.outputs),
    notes: top < 0 ? null : (result.charts[top]?.notes ?? null),
  };
}

/**
 * Runs the job, serving `lookup`. Template code is synchronous and holds no host function, so it cannot
 * wait for the API server: a call whose answer the job does not carry returns an empty map and is listed in
 * the result. The host then fetches every listed call (as the release's identity, within the per-render
 * bounds) and renders again with the answers, until a pass asks for nothing new; only that pass's output is
 * used. Renders are deterministic (the same inputs and answers give the same output and the same calls), so
 * the result is what one pass with a synchronous lookup would give, as in Helm.
 */
async function renderWithLookups(job: EjsJob, limits: EjsLimits, pool: EjsPool): Promise<Extract<EjsJobResult, { ok: true }>> {
  const bounds = limits.lookupLimits ?? LOOKUP_LIMITS;
  const answers: Record<string, unknown> = {};
  if (limits.lookup !== undefined) job.lookups = answers;
  let calls = 0;
  let bytes = 0;
  for (let pass = 1; ; pass++) {
    const result = await pool.render(job);
    if (!result.ok) {
      const where = result.error.file === '' ? undefined : `${result.error.file}${result.error.line > 0 ? `:${result.error.line}` : ''}`;
      throw new MaglevError(ErrorCode.RenderFailed, describeFailure(result.error), { terminal: true, where });
    }
    const missing = result.missing ?? [];
    if (limits.lookup === undefined || missing.length === 0) return result;
    if (pass >= MAX_LOOKUP_PASSES) {
      throw new MaglevError(ErrorCode.RenderFailed, `lookup calls depend on the answers of earlier ones more than ${MAX_LOOKUP_PASSES - 1} levels deep`, { terminal: true });
    }
    for (const req of missing) {
      calls += 1;
      if (calls > bounds.maxLookups) throw new MaglevError(ErrorCode.RenderFailed, `more than ${bounds.maxLookups} lookup calls in one render`, { terminal: true });
      let obj: unknown;
      try {
        obj = await limits.lookup(req);
      } catch (err) {
        throw new MaglevError(ErrorCode.RenderFailed, `${describeLookup(req)}: ${errorMessage(err)}`, { cause: err, terminal: true });
      }
      const text = obj === undefined ? 'null' : JSON.stringify(obj);
      bytes += Buffer.byteLength(text);
      if (bytes > bounds.maxLookupBytes) throw new MaglevError(ErrorCode.RenderFailed, `lookup answers of one render exceed ${bounds.maxLookupBytes} bytes`, { terminal: true });
      answers[lookupKey(req)] = obj ?? null;
    }
  }
}
