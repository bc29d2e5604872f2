/**
 * The Go-template engine: renders a group of standard Helm charts with Helm's own engine (the maglev-render
 * process, go-renderer.ts), from an archive repackaged in memory (helm-package.ts) and the coalesced values,
 * as `helm install`/`helm upgrade` render: the real `.Release.Revision`, `IsInstall`/`IsUpgrade` of the action,
 * `.Capabilities` from the cluster, and `lookup` answered by the caller (as the release's identity); without a
 * lookup function, `lookup` returns an empty map as in `helm template`. Output is returned per template with
 * Helm's names mapped into the full chart tree; the top chart's NOTES.txt is lifted out as the notes.
 *
 * A Go subchart of an EJS chart is rendered as its own top-level chart, so its `.Template.Name` and
 * `.Chart.IsRoot` differ from Helm's (its paths are rewritten to the full names), and `include`/`tpl` cannot
 * cross engines.
 */
import { kubeVersionInfo } from './capabilities.js';
import { sharedGoRenderer, type GoRenderer } from './go-renderer.js';
import { packageChart } from './helm-package.js';
import type { ChartNode } from './tree.js';
import type { LookupFn, ReleaseInfo, RenderCapabilities, TemplateOutput } from './types.js';

/** Limits, lookup and engine process for one group render. */
export interface HelmLimits {
  timeoutMs: number;
  lookup?: LookupFn;
  renderer?: GoRenderer;
}

/** Template outputs of a render, with names as Helm gives them in the full tree, and the top chart's notes. */
export interface HelmRenderResult {
  outputs: TemplateOutput[];
  notes: string | null;
}

/**
 * Maps the engine's files (`<chart>/templates/x.yaml`, `<chart>/charts/sub/templates/y.yaml`) to outputs named
 * in the full tree (`<node.name>/...`). NOTES.txt files are not manifests: the group root's becomes the notes
 * (only a top-level root has notes, as in Helm), subcharts' are dropped.
 */
export function outputsOf(files: Readonly<Record<string, string>>, node: ChartNode): HelmRenderResult {
  const prefix = `${node.chart.metadata.name}/`;
  const outputs: TemplateOutput[] = [];
  let notes: string | null = null;
  for (const path of Object.keys(files).sort()) {
    const text = files[path] ?? '';
    if (path.endsWith('/NOTES.txt')) {
      if (path === `${prefix}templates/NOTES.txt` && node.parent === undefined) notes = text;
      continue;
    }
    const source = path.startsWith(prefix) ? `${node.name}/${path.slice(prefix.length)}` : path;
    outputs.push({ source, text });
  }
  return { outputs, notes };
}

/** Renders the Go-template group rooted at `node` with Helm's engine. */
export async function renderHelmGroup(node: ChartNode, release: ReleaseInfo, caps: RenderCapabilities, limits: HelmLimits): Promise<HelmRenderResult> {
  const renderer = limits.renderer ?? sharedGoRenderer();
  const files = await renderer.render({
    archive: await packageChart(node),
    values: node.values,
    release,
    kubeVersion: kubeVersionInfo(caps.kubeVersion).Version,
    apiVersions: caps.apiVersions,
    timeoutMs: limits.timeoutMs,
    ...(limits.lookup === undefined ? {} : { lookup: limits.lookup }),
  });
  return outputsOf(files, node);
}
