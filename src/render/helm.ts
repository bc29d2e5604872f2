/**
 * The Go-template engine: renders a group of standard Helm charts with the pinned helm binary
 * (`helm template`), from an archive repackaged in memory and a values file, both in a private temporary
 * directory removed afterwards. Output is split back into per-template documents with Helm's names.
 *
 * Limits of rendering through `helm template`: `.Release.Revision` is always 1; a Go subchart of an EJS
 * chart is rendered as its own top-level chart, so its `.Template.Name`/`.Chart.IsRoot` differ from Helm's
 * (its `# Source:` paths are rewritten to the full names), and `include`/`tpl` cannot cross engines.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlSafe } from '../chart/yaml.js';
import { ErrorCode } from '../errors.js';
import { kubeVersionInfo } from './capabilities.js';
import { findHelm, runHelm } from './helm-bin.js';
import { NOTES_CARRIER, NOTES_KIND, packageChart } from './helm-package.js';
import type { ChartNode } from './tree.js';
import type { ReleaseInfo, RenderCapabilities, TemplateOutput } from './types.js';

/** Limits and tool location for one helm run. */
export interface HelmLimits {
  helmBin?: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

/** Template outputs of a helm run, with names as Helm gives them in the full tree, and the top chart's notes. */
export interface HelmRenderResult {
  outputs: TemplateOutput[];
  notes: string | null;
}

function notesOf(text: string, where: string): string | null {
  const doc = parseYamlSafe(text, where, { code: ErrorCode.RenderFailed });
  const b64 = doc !== null && typeof doc === 'object' ? (doc as { notes?: unknown }).notes : undefined;
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : null;
}

/**
 * Splits `helm template` output (`---\n# Source: <path>\n<doc>\n` per document, hooks included) into
 * outputs named in the full tree (`group root/...` → `<node.name>/...`), lifting out the NOTES carrier.
 */
export function parseHelmOutput(stdout: string, node: ChartNode): HelmRenderResult {
  const prefix = `${node.chart.metadata.name}/`;
  const outputs: TemplateOutput[] = [];
  let notes: string | null = null;
  for (const piece of `\n${stdout}`.split('\n---\n')) {
    if (piece.trim() === '') continue;
    const nl = piece.indexOf('\n');
    const first = nl < 0 ? piece : piece.slice(0, nl);
    const text = nl < 0 ? '' : piece.slice(nl + 1);
    if (!first.startsWith('# Source: ')) {
      outputs.push({ source: `${node.name}/(helm output)`, text: piece });
      continue;
    }
    const path = first.slice('# Source: '.length).trim();
    if (path === prefix + NOTES_CARRIER && text.includes(`kind: ${NOTES_KIND}`)) {
      notes = notesOf(text, path);
      continue;
    }
    const source = path.startsWith(prefix) ? `${node.name}/${path.slice(prefix.length)}` : path;
    outputs.push({ source, text });
  }
  return { outputs, notes };
}

/** The `helm template` arguments for a group (flags as `--name=value`, positionals after `--`). */
export function helmArgs(archive: string, valuesFile: string, release: ReleaseInfo, caps: RenderCapabilities): string[] {
  const args = [
    'template',
    `--namespace=${release.namespace}`,
    `--kube-version=${kubeVersionInfo(caps.kubeVersion).Version}`,
    `--values=${valuesFile}`,
    ...caps.apiVersions.map((v) => `--api-versions=${v}`),
  ];
  if (release.isUpgrade) args.push('--is-upgrade');
  args.push('--', release.name, archive);
  return args;
}

/** Renders the Go-template group rooted at `node` with helm. */
export async function renderHelmGroup(
  node: ChartNode,
  release: ReleaseInfo,
  caps: RenderCapabilities,
  limits: HelmLimits,
): Promise<HelmRenderResult> {
  const bin = await findHelm(limits.helmBin);
  const home = await mkdtemp(join(tmpdir(), 'maglev-helm-'));
  try {
    await mkdir(join(home, 'plugins'), { mode: 0o700 });
    const archive = join(home, 'chart.tgz');
    const valuesFile = join(home, 'values.json');
    await writeFile(archive, await packageChart(node), { mode: 0o600 });
    await writeFile(valuesFile, JSON.stringify(node.values), { mode: 0o600 });
    const stdout = await runHelm(bin, helmArgs(archive, valuesFile, release, caps), {
      home,
      timeoutMs: limits.timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
    });
    return parseHelmOutput(stdout, node);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
