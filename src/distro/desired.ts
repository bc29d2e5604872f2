/**
 * What a distro spec asks for, per component: the child HelmRelease spec it becomes (chart, the distro's
 * shared values under the component's own, valuesFrom, the `release` options), a digest of that spec with
 * HelmRelease defaults filled in (so a child the API server defaulted compares equal), its level in the
 * dependency graph, whether spec.selector selects it, and whether it needs approval to change.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../chart/objects.js';
import { mergeMaps } from '../chart/valuesfrom.js';
import { parseDuration } from '../crds/duration.js';
import { withHelmReleaseDefaults, type DistroComponent, type HelmReleaseSpec, type MaglevDistro } from '../crds/index.js';
import { levels } from './graph.js';
import { componentLabels, matchesSelector } from './selector.js';

/** One enabled component as the distro wants it. */
export interface DesiredComponent {
  name: string;
  level: number;
  dependsOn: string[];
  /** upgradePolicy Manual: upgrading, downgrading or removing it needs the plan approved. */
  manual: boolean;
  /** Chosen by spec.selector (always true without one). */
  selected: boolean;
  /** spec.chart.version as written (an exact version or a range); '' when the source has none. */
  version: string;
  /** The spec of its child HelmRelease. */
  spec: HelmReleaseSpec;
  /** {@link specDigest} of `spec`. */
  digest: string;
  /** The child's spec.timeout: how long a step of this component may take before it has failed. */
  timeoutMs: number;
}

/** The components of a distro, split by whether they are enabled. */
export interface DesiredDistro {
  components: DesiredComponent[];
  disabled: string[];
}

/** The name of the child HelmRelease of `component` in `distro`. */
export function childName(distro: string, component: string): string {
  return `${distro}-${component}`;
}

/** `sha256:<hex>` of a HelmRelease spec with its defaults filled in: equal for specs the API server stores alike. */
export function specDigest(spec: HelmReleaseSpec | undefined): string {
  const full = withHelmReleaseDefaults(spec ?? ({} as HelmReleaseSpec));
  return `sha256:${createHash('sha256').update(canonicalJson(full)).digest('hex')}`;
}

/** The child HelmRelease spec of `c`: see the module comment. Components in another namespace create it. */
export function childSpec(distro: MaglevDistro, c: DistroComponent): HelmReleaseSpec {
  const ns = distro.metadata.namespace ?? '';
  const target = c.namespace ?? ns;
  const values = mergeMaps(distro.spec.values ?? {}, c.values ?? {});
  const spec: HelmReleaseSpec = { ...(c.release ?? {}), chart: c.chart ?? {}, targetNamespace: target };
  if (Object.keys(values).length > 0) spec.values = values;
  if (c.valuesFrom !== undefined && c.valuesFrom.length > 0) spec.valuesFrom = c.valuesFrom;
  if (target !== ns && spec.install?.createNamespace === undefined) spec.install = { ...(spec.install ?? {}), createNamespace: true };
  return spec;
}

/** Every component of the distro's spec as {@link DesiredComponent}s (enabled) or names (disabled). */
export function desiredComponents(distro: MaglevDistro): DesiredDistro {
  const all = distro.spec.components ?? [];
  const enabled = all.filter((c) => c.enabled !== false);
  const level = levels(enabled);
  const components = enabled.map((c): DesiredComponent => {
    const spec = childSpec(distro, c);
    return {
      name: c.name,
      level: level.get(c.name) ?? 0,
      dependsOn: [...(c.dependsOn ?? [])].sort(),
      manual: c.upgradePolicy === 'Manual',
      selected: matchesSelector(distro.spec.selector, componentLabels(c)),
      version: c.chart?.version ?? '',
      spec,
      digest: specDigest(spec),
      timeoutMs: parseDuration(withHelmReleaseDefaults(spec).timeout ?? '5m', `spec.components[${c.name}].release.timeout`),
    };
  });
  components.sort((a, b) => a.level - b.level || a.name.localeCompare(b.name));
  return { components, disabled: all.filter((c) => c.enabled === false).map((c) => c.name).sort() };
}
