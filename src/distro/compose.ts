/**
 * The spec a distro with a bundle runs: the bundle's components under the distro's own, as the spec says:
 * a component of `spec.components` with the name of a bundle component overrides it (values deep-merge,
 * every other field it sets replaces the bundle's), other inline components are added; the bundle's
 * `values` go under `spec.values`. A bundle component whose chart is a path inside the bundle gets
 * `chart.distroRef` with the chart's version and the archive's digest (`verify.digest`), so a new chart in
 * a new bundle is a new child spec, and the child installs exactly the archive this bundle holds.
 */
import { mergeMaps } from '../chart/valuesfrom.js';
import { withMaglevDistroDefaults, type ChartSource, type DistroComponent, type MaglevDistro, type MaglevDistroSpec } from '../crds/index.js';
import { problemsError, validateComponents, type Problem } from '../crds/validate.js';
import { chartPath, type BundleComponent } from './bundle.js';
import { checkBundleVersion, checkUpgradePath, type LoadedBundle } from './bundle-store.js';

function bundleChart(distro: string, c: BundleComponent, bundle: LoadedBundle): ChartSource {
  if (typeof c.chart !== 'string') return c.chart;
  const chart = bundle.charts.get(chartPath(c) ?? '');
  // loadBundle checked every path; a miss here is a bug, reported by the child's fetch.
  if (chart === undefined) return { distroRef: { name: distro, component: c.name } };
  return { distroRef: { name: distro, component: c.name }, version: chart.version, verify: { digest: chart.digest } };
}

function fromBundle(distro: string, c: BundleComponent, bundle: LoadedBundle): DistroComponent {
  const out: DistroComponent = { name: c.name, chart: bundleChart(distro, c, bundle) };
  if (c.namespace !== undefined) out.namespace = c.namespace;
  if (c.values !== undefined) out.values = c.values;
  if (c.dependsOn !== undefined) out.dependsOn = c.dependsOn;
  if (c.class !== undefined) out.class = c.class as NonNullable<DistroComponent['class']>;
  if (c.labels !== undefined) out.labels = c.labels;
  if (c.upgradePolicy !== undefined) out.upgradePolicy = c.upgradePolicy as NonNullable<DistroComponent['upgradePolicy']>;
  if (c.enabled !== undefined) out.enabled = c.enabled;
  if (c.release !== undefined) out.release = c.release;
  return out;
}

/** `base` with `over`'s fields: values deep-merged (over's win), every other field over's when it sets it. */
export function overrideComponent(base: DistroComponent, over: DistroComponent): DistroComponent {
  const out: DistroComponent = { ...base };
  for (const [k, v] of Object.entries(over) as [keyof DistroComponent, unknown][]) {
    if (v === undefined || k === 'values') continue;
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  if (over.values !== undefined) out.values = mergeMaps(base.values ?? {}, over.values);
  return out;
}

/** The distro's spec with its bundle composed in (see the module comment); bundle order first. */
export function composeWithBundle(distro: MaglevDistro, bundle: LoadedBundle): MaglevDistroSpec {
  const name = distro.metadata.name ?? '';
  const inline = new Map((distro.spec.components ?? []).map((c) => [c.name, c] as const));
  const components: DistroComponent[] = bundle.manifest.components.map((c) => {
    const base = fromBundle(name, c, bundle);
    const over = inline.get(c.name);
    return over === undefined ? base : overrideComponent(base, over);
  });
  const inBundle = new Set(bundle.manifest.components.map((c) => c.name));
  for (const c of distro.spec.components ?? []) if (!inBundle.has(c.name)) components.push(c);
  const values = mergeMaps(bundle.manifest.values ?? {}, distro.spec.values ?? {});
  const spec: MaglevDistroSpec = { ...distro.spec, components };
  if (Object.keys(values).length > 0) spec.values = values;
  return spec;
}

/**
 * {@link composeWithBundle} after the checks that stall a distro before anything is applied: the bundle's
 * version is spec.version (VersionMismatch), its upgradeFrom holds `deployed` (UpgradePathBlocked), and the
 * composed components are valid (InvalidSpec naming the components: graph, names, charts). With defaults.
 */
export function composeChecked(distro: MaglevDistro, bundle: LoadedBundle, deployed: string | undefined): MaglevDistroSpec {
  checkBundleVersion(distro, bundle);
  checkUpgradePath(distro, bundle, deployed);
  const composed = withMaglevDistroDefaults(composeWithBundle(distro, bundle));
  const components = composed.components ?? [];
  const named = (field: string): string => field.replace(/^components\[(\d+)\]/, (_, i: string) => `component ${components[Number(i)]?.name ?? i}`);
  const problems: Problem[] = validateComponents(components, distro.metadata.name, 'components').map((p) => ({ field: named(p.field), message: p.message }));
  for (const c of components) {
    if (c.chart === undefined) problems.push({ field: `component ${c.name}`, message: `has no chart: it is not a component of the bundle ${bundle.manifest.name} ${bundle.manifest.version}, so spec.components must give its chart` });
  }
  const err = problemsError(problems);
  if (err !== undefined) throw err;
  return composed;
}
