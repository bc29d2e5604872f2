/**
 * `maglev distro pack|inspect|push|diff`: build a distro bundle from a directory (reproducible: the same input
 * gives the same bytes, whose digest it prints); show and check a bundle file or URL (manifest, dependency
 * levels, chart and version per component; every problem listed, exit 1 for a bad bundle); push one to an OCI
 * registry; and show the plan applying one to a running distro would give (src/distro/diff.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LOAD_LIMITS } from '../chart/archive.js';
import { KubeConfig } from '../runtime/kube-lib.js';
import { FIELD_MANAGER } from '../constants.js';
import { API_VERSION, KINDS, type HelmRelease, type MaglevDistro } from '../crds/index.js';
import { chartPath, inspectBundle, packBundle, type BundleReport } from '../distro/bundle.js';
import { BUNDLE_MEDIA, parseOciBundleUrl, readLoadedBundle } from '../distro/bundle-store.js';
import { describeDiff, diffBundle } from '../distro/diff.js';
import { DistroHistory, type DistroRecord } from '../distro/history.js';
import { pushArtifact } from '../distro/push.js';
import { KubeSecretStore } from '../release/index.js';
import { KubeApiClient, ResourceClient, RestMapper, type KubeObject } from '../runtime/index.js';
import { errorMessage } from '../errors.js';
import type { TemplateIO } from './template.js';

const usage = `Usage:
  maglev distro pack DIR -o FILE                  package DIR (distro.yaml and the charts it names) into a bundle
  maglev distro inspect FILE|URL                  show a bundle's manifest, dependency levels and charts, and check it
  maglev distro push FILE oci://HOST/PATH:TAG     push a bundle to an OCI registry (credentials: MAGLEV_REGISTRY_USERNAME/PASSWORD)
  maglev distro diff FILE -n NAMESPACE NAME       what applying the bundle to the running distro NAME would do (changes nothing)
Options: -o, --output FILE; -n, --namespace NS; --kubeconfig FILE (diff; default: $KUBECONFIG or ~/.kube/config)
`;

/** The live distro, its children and its records, read with the kubeconfig's credentials. */
async function readDistro(ns: string, name: string, kubeconfig: string | undefined): Promise<{ distro: MaglevDistro; children: HelmRelease[]; records: DistroRecord[] } | undefined> {
  const kc = new KubeConfig();
  if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const api = new KubeApiClient(kc);
  try {
    const objects = new ResourceClient(api, new RestMapper(api), FIELD_MANAGER);
    const distro = await objects.get<MaglevDistro & KubeObject>({ apiVersion: API_VERSION, kind: KINDS.MaglevDistro, namespace: ns, name });
    if (distro === undefined) return undefined;
    const list = await objects.list({ apiVersion: API_VERSION, kind: KINDS.HelmRelease, namespace: ns });
    const records = await new DistroHistory(new KubeSecretStore(api)).list(distro);
    return { distro, children: list.items as unknown as HelmRelease[], records };
  } finally {
    api.close();
  }
}

/** Reads a bundle from a file or an http(s) URL, at most the chart-tree cap of bytes. */
async function readSource(source: string): Promise<Buffer> {
  if (!/^https?:\/\//.test(source)) return readFile(source);
  const res = await fetch(source, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`GET ${source}: ${res.status} ${res.statusText}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > DEFAULT_LOAD_LIMITS.maxTotalBytes) throw new Error(`GET ${source}: larger than ${DEFAULT_LOAD_LIMITS.maxTotalBytes} bytes`);
  return body;
}

/** The human description of a bundle report. */
export function describeBundle(report: BundleReport, source: string): string {
  const lines = [`bundle ${source}`, `digest ${report.digest}`];
  const m = report.manifest;
  if (m !== undefined) {
    lines.push(`distro ${m.name} ${m.version}${m.description === undefined ? '' : ` (${m.description})`}`);
    if (m.upgradeFrom !== undefined) lines.push(`upgrade from ${m.upgradeFrom}`);
    lines.push('', 'COMPONENT\tLEVEL\tCLASS\tPOLICY\tNAMESPACE\tCHART');
    const level = new Map(report.levels.flatMap((names, l) => names.map((n) => [n, l] as const)));
    for (const c of m.components) {
      const path = chartPath(c);
      const info = path === undefined ? undefined : report.charts.get(path);
      const chart = typeof c.chart === 'string' ? (info === undefined ? path : `${info.name}@${info.version} (${path})`) : `${c.chart.name}@${c.chart.version ?? '*'} (${c.chart.repository ?? ''})`;
      const l = c.enabled === false ? 'disabled' : String(level.get(c.name) ?? '?');
      lines.push([c.name, l, c.class ?? '-', c.upgradePolicy ?? 'Automatic', c.namespace ?? '-', chart].join('\t'));
    }
    if (report.levels.length > 0) {
      lines.push('', 'levels (installs and upgrades go level 0 first; removals and downgrades the other way):');
      report.levels.forEach((names, l) => lines.push(`  ${l}: ${names.join(', ')}`));
    }
  }
  if (report.problems.length > 0) lines.push('', `${report.problems.length} problem(s):`, ...report.problems.map((p) => `  ${p}`));
  return `${lines.join('\n')}\n`;
}

/** Runs `maglev distro ...`; returns the exit code. */
export async function run(argv: string[], io: TemplateIO = process): Promise<number> {
  const [verb, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { output: { type: 'string', short: 'o' }, namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    io.stderr.write(`maglev distro: ${errorMessage(err)}\n\n${usage}`);
    return 2;
  }
  const [target] = parsed.positionals;
  if (verb === undefined || verb === 'help' || parsed.values.help === true) {
    io.stdout.write(usage);
    return verb === undefined ? 2 : 0;
  }
  const arity = verb === 'push' || verb === 'diff' ? 2 : 1;
  const needs: Record<string, string> = { pack: 'needs DIR and -o FILE', push: 'needs FILE and oci://HOST/PATH:TAG', diff: 'needs FILE, -n NAMESPACE and NAME' };
  if (target === undefined || parsed.positionals.length !== arity || (verb === 'pack' && parsed.values.output === undefined) || (verb === 'diff' && parsed.values.namespace === undefined)) {
    io.stderr.write(`maglev distro ${verb}: ${needs[verb] ?? 'needs one FILE or URL'}\n\n${usage}`);
    return 2;
  }
  try {
    if (verb === 'push') {
      const ref = parseOciBundleUrl(parsed.positionals[1] ?? '');
      const bundle = await readLoadedBundle(await readFile(target), target);
      const env = process.env;
      const pushed = await pushArtifact(
        { host: ref.host, repository: ref.repository, tag: ref.reference, ...(env.MAGLEV_REGISTRY_USERNAME === undefined ? {} : { username: env.MAGLEV_REGISTRY_USERNAME, password: env.MAGLEV_REGISTRY_PASSWORD ?? '' }) },
        {
          config: Buffer.from(JSON.stringify({ name: bundle.manifest.name, version: bundle.manifest.version })),
          configMediaType: BUNDLE_MEDIA.config,
          layer: await readFile(target),
          layerMediaType: BUNDLE_MEDIA.layer,
          annotations: { 'org.opencontainers.image.title': basename(target), 'org.opencontainers.image.version': bundle.manifest.version },
        },
      );
      io.stdout.write(`pushed ${bundle.manifest.name} ${bundle.manifest.version} to oci://${ref.host}/${ref.repository}:${ref.reference}\nbundle ${pushed.layerDigest}\nmanifest ${pushed.manifestDigest}\n`);
      return 0;
    }
    if (verb === 'diff') {
      const name = parsed.positionals[1] ?? '';
      const ns = parsed.values.namespace ?? '';
      const bundle = await readLoadedBundle(await readFile(target), target);
      const cluster = await readDistro(ns, name, parsed.values.kubeconfig);
      if (cluster === undefined) {
        io.stderr.write(`maglev distro diff: MaglevDistro ${ns}/${name} not found\n`);
        return 1;
      }
      io.stdout.write(describeDiff(diffBundle(cluster.distro, bundle, cluster.children, cluster.records, undefined), `${ns}/${name}`));
      return 0;
    }
    if (verb === 'pack') {
      const out = parsed.values.output ?? '';
      const { bundle, report } = await packBundle(target);
      await writeFile(out, bundle);
      const m = report.manifest;
      io.stdout.write(`packed ${out}: ${m?.name ?? ''} ${m?.version ?? ''}, ${m?.components.length ?? 0} components, ${bundle.length} bytes\n${report.digest}\n`);
      return 0;
    }
    if (verb === 'inspect') {
      const report = await inspectBundle(await readSource(target), target);
      io.stdout.write(describeBundle(report, target));
      return report.problems.length === 0 ? 0 : 1;
    }
  } catch (err) {
    io.stderr.write(`maglev distro ${verb}: ${errorMessage(err)}\n`);
    return 1;
  }
  io.stderr.write(`maglev distro: unknown command "${verb}"\n\n${usage}`);
  return 2;
}
