/**
 * The distro planner, pure: from what the spec asks for ({@link DesiredDistro}), the last deployed distro
 * revision (the baseline) and the children that exist, the steps of the change in the order they will run,
 * and the plan's id. Steps compare the spec with the baseline, not with the live children, so the plan and
 * its id stay the same while the change runs, across reconciles and replicas; status churn cannot move it.
 * Without a baseline (a first install) every enabled component is an install.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { canonicalJson } from '../chart/objects.js';
import type { HelmReleaseSpec, PlanAction } from '../crds/index.js';
import type { ObservedChild } from './children.js';
import type { DesiredDistro } from './desired.js';
import { levels } from './graph.js';

/** One component of a deployed distro revision, as its durable record keeps it. */
export interface BaselineComponent {
  name: string;
  chartVersion: string;
  releaseRevision?: number;
  valuesDigest?: string;
  digest: string;
  dependsOn: string[];
  /** upgradePolicy Manual at the time: removing it needs approval. */
  manual?: boolean;
  spec: HelmReleaseSpec;
}

/** The last deployed distro revision: what a rollback restores and what steps start from. */
export interface Baseline {
  revision: number;
  version: string;
  components: BaselineComponent[];
}

/** One step of a plan, as status.plan.steps shows it, plus the digest of the spec it moves to. */
export interface PlannedStep {
  component: string;
  action: PlanAction;
  from: string;
  to: string;
  level: number;
  /** The child spec digest after the step ('' for uninstall). */
  digest: string;
  /** The component is outside spec.selector: the step is shown with action none and not carried out. */
  notSelected?: PlanAction;
}

/** A computed plan. */
export interface Plan {
  id: string;
  steps: PlannedStep[];
  /** The distro version before and after. */
  fromVersion: string;
  toVersion: string;
}

/** Everything {@link planDistro} reads. */
export interface PlanInput {
  desired: DesiredDistro;
  version: string;
  baseline?: Baseline;
  children: ReadonlyMap<string, ObservedChild>;
}

/** Upgrade, or downgrade when both versions are exact and the target is lower. */
function changeAction(from: string, to: string): PlanAction {
  return semver.valid(from) !== null && semver.valid(to) !== null && semver.lt(to, from) ? 'downgrade' : 'upgrade';
}

/** The plan: see the module comment. Steps are ordered by level, then name; uninstalls keep their old level. */
export function planDistro(input: PlanInput): Plan {
  const { desired, baseline, children } = input;
  const before = new Map((baseline?.components ?? []).map((c) => [c.name, c] as const));
  const steps: PlannedStep[] = desired.components.map((d) => {
    const b = before.get(d.name);
    let action: PlanAction;
    if (baseline === undefined || b === undefined) action = 'install';
    else action = b.digest === d.digest ? 'none' : changeAction(b.chartVersion, d.version);
    const step: PlannedStep = { component: d.name, action, from: b?.chartVersion ?? '', to: d.version, level: d.level, digest: d.digest };
    if (!d.selected && action !== 'none') {
      step.notSelected = action;
      step.action = 'none';
    }
    return step;
  });
  const wanted = new Set(desired.components.map((d) => d.name));
  // Removals: baseline components no longer wanted, and children of components the baseline does not know.
  const gone = [...before.values()].filter((b) => !wanted.has(b.name)).map((b) => ({ name: b.name, dependsOn: b.dependsOn, from: b.chartVersion }));
  for (const child of children.values()) {
    if (!wanted.has(child.component) && !before.has(child.component)) gone.push({ name: child.component, dependsOn: child.dependsOn, from: child.chartVersion ?? '' });
  }
  const oldLevels = levels([...(baseline?.components ?? []), ...gone]);
  for (const g of gone) steps.push({ component: g.name, action: 'uninstall', from: g.from, to: '', level: oldLevels.get(g.name) ?? 0, digest: '' });
  steps.sort((a, b) => a.level - b.level || a.component.localeCompare(b.component));
  const fromVersion = baseline?.version ?? '';
  const canonical = steps.map((s) => [s.component, s.action, s.from, s.to, s.level, s.action === 'none' ? '' : s.digest]);
  const id = `sha256:${createHash('sha256').update(canonicalJson({ version: [fromVersion, input.version], steps: canonical })).digest('hex')}`;
  return { id, steps, fromVersion, toVersion: input.version };
}

/** True when the plan changes something: a step that is not none, or a new distro version. */
export function changes(plan: Plan): boolean {
  return plan.fromVersion !== plan.toVersion || plan.steps.some((s) => s.action !== 'none');
}

/** The Manual components the plan upgrades, downgrades or removes (a first install needs no approval). */
export function needingApproval(plan: Plan, manual: ReadonlySet<string>): string[] {
  return plan.steps.filter((s) => manual.has(s.component) && s.action !== 'none' && s.action !== 'install').map((s) => s.component);
}
