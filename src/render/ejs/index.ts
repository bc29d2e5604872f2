/**
 * The EJS engine's entry: turns the EJS charts of a tree into one sandbox job (scope data only, as plain
 * JSON-able values), runs it on the worker pool, and maps failures to RenderFailed naming file and line.
 */
import type { ChartMetadata } from '../../chart/types.js';
import { ErrorCode, MaglevError } from '../../errors.js';
import { apiVersionSet, kubeVersionInfo } from '../capabilities.js';
import type { ChartNode } from '../tree.js';
import type { ReleaseInfo, RenderCapabilities, TemplateOutput } from '../types.js';
import { sharedEjsPool, type EjsPool } from './pool.js';
import { describeFailure, type EjsChartJob, type EjsJob } from './protocol.js';

/** Limits for one EJS render. */
export interface EjsLimits {
  timeoutMs: number;
  maxOutput: number;
}

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

/** Renders the given EJS charts in one sandbox job; RenderFailed (terminal) on any template error. */
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
  const result = await pool.render(job);
  if (!result.ok) {
    const where = result.error.file === '' ? undefined : `${result.error.file}${result.error.line > 0 ? `:${result.error.line}` : ''}`;
    throw new MaglevError(ErrorCode.RenderFailed, describeFailure(result.error), { terminal: true, where });
  }
  const top = nodes.findIndex((n) => n.parent === undefined);
  return {
    outputs: result.charts.flatMap((c) => c.outputs),
    notes: top < 0 ? null : (result.charts[top]?.notes ?? null),
  };
}
