/**
 * `maglev distro diff`: what applying a bundle to a running distro would do, computed the way the operator
 * computes it (compose.ts, desired.ts, plan.ts) from the live distro, its children and its records, without
 * changing anything. The distro keeps its inline components and overrides; its version and bundle become
 * the bundle's. A check that would stall the distro (version, upgrade path, graph) is reported, not thrown.
 */
import { errorMessage } from '../errors.js';
import type { HelmRelease, MaglevDistro } from '../crds/index.js';
import type { LoadedBundle } from './bundle-store.js';
import { isChildOf, observeChild, type ObservedChild } from './children.js';
import { composeChecked } from './compose.js';
import { desiredComponents } from './desired.js';
import type { DistroRecord } from './history.js';
import { planDistro, type Plan } from './plan.js';

/** The result: the plan, or why the operator would stall instead; and which components need approval. */
export interface BundleDiff {
  from: string;
  to: string;
  plan?: Plan;
  /** Components whose steps change them and that are upgradePolicy Manual. */
  manual: Set<string>;
  /** Why the operator would stall (reason: message), when it would. */
  stalled?: string;
}

/** See the module comment; `source` names the bundle in the distro's new spec (kept as given). */
export function diffBundle(live: MaglevDistro, bundle: LoadedBundle, children: readonly HelmRelease[], records: readonly DistroRecord[], source: MaglevDistro['spec']['bundle']): BundleDiff {
  const baseline = records.find((r) => r.status === 'deployed');
  const target: MaglevDistro = { ...live, spec: { ...live.spec, version: bundle.manifest.version, ...(source === undefined ? {} : { bundle: source }) } };
  const out: BundleDiff = { from: baseline?.version ?? '', to: bundle.manifest.version, manual: new Set() };
  let spec;
  try {
    spec = composeChecked(target, bundle, baseline?.version);
  } catch (err) {
    out.stalled = `${(err as { code?: string }).code ?? 'Error'}: ${errorMessage(err)}`;
    return out;
  }
  const desired = desiredComponents({ ...target, spec });
  const observed = new Map<string, ObservedChild>();
  for (const hr of children) {
    if (!isChildOf(hr, live)) continue;
    const c = observeChild(hr);
    if (c !== undefined) observed.set(c.component, c);
  }
  const plan = planDistro({
    desired,
    version: spec.version,
    children: observed,
    ...(baseline === undefined ? {} : { baseline: { revision: baseline.revision, version: baseline.version, components: baseline.components } }),
  });
  out.plan = plan;
  const manual = new Set(desired.components.filter((d) => d.manual).map((d) => d.name));
  for (const b of baseline?.components ?? []) if (b.manual === true && !desired.components.some((d) => d.name === b.name)) manual.add(b.name);
  for (const s of plan.steps) if (s.action !== 'none' && manual.has(s.component)) out.manual.add(s.component);
  return out;
}

/** The diff as the CLI prints it. */
export function describeDiff(d: BundleDiff, name: string): string {
  const lines = [`distro ${name}: ${d.from === '' ? '(nothing deployed)' : d.from} -> ${d.to}`];
  if (d.stalled !== undefined) return `${lines[0]}\nthe operator would stall: ${d.stalled}\n`;
  const plan = d.plan;
  if (plan === undefined) return `${lines[0]}\n`;
  lines.push(`plan ${plan.id}`, '', 'LEVEL\tCOMPONENT\tACTION\tFROM\tTO\tAPPROVAL');
  for (const s of plan.steps) lines.push([String(s.level), s.component, s.notSelected === undefined ? s.action : `none (${s.notSelected}: outside spec.selector)`, s.from === '' ? '-' : s.from, s.to === '' ? '-' : s.to, d.manual.has(s.component) ? 'Manual' : '-'].join('\t'));
  const changes = plan.steps.filter((s) => s.action !== 'none').length;
  lines.push('', changes === 0 ? 'no change: the distro already runs this bundle' : `${changes} change(s)`);
  if (d.manual.size > 0) lines.push(`needs approval (Manual): ${[...d.manual].sort().join(', ')}; approve with spec.approvedPlan = the plan id the operator shows in status.plan.id`);
  return `${lines.join('\n')}\n`;
}
