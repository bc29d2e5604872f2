/**
 * The MaglevDistro controller: thin. It validates the distro (versions, component names, the dependency
 * graph: a cycle or a dependency on an unknown or disabled component stalls it with nothing applied) and
 * hands valid distros, and distros being deleted, to the distro driver (src/distro/driver.ts).
 */
import {
  KINDS,
  validateMaglevDistroSpec,
  withMaglevDistroDefaults,
  type ComponentStatus,
  type MaglevDistro,
  type MaglevDistroStatus,
} from '../crds/index.js';
import type { DistroObserver } from '../distro/driver.js';
import type { Plan } from '../distro/plan.js';
import type { Metrics } from '../metrics.js';
import type { Reconciler } from '../runtime/reconcile.js';
import { objectReconciler, type Driver, type ObjectReconcilerDeps } from './common.js';

/** Builds the MaglevDistro reconciler; `drive` does the distro work. */
export function maglevDistroReconciler(
  deps: Omit<ObjectReconcilerDeps<MaglevDistro, MaglevDistroStatus>, 'kind' | 'validate' | 'drive'> & {
    drive: Driver<MaglevDistro, MaglevDistroStatus>;
  },
): Reconciler {
  return objectReconciler<MaglevDistro, MaglevDistroStatus>({
    ...deps,
    kind: KINDS.MaglevDistro,
    validate: (d) => validateMaglevDistroSpec(withMaglevDistroDefaults(d.spec), d.metadata.name),
  });
}

const PHASES = ['Pending', 'Blocked', 'Installing', 'Upgrading', 'RollingBack', 'Ready', 'Failed', 'AwaitingApproval', 'Disabled'] as const;
const ACTIONS = ['install', 'upgrade', 'downgrade', 'uninstall', 'none'] as const;

/** Reports distro components by phase, plan steps by action, and change durations to the metrics. */
export function distroMetrics(metrics: Pick<Metrics, 'distroComponents' | 'distroPlanSteps' | 'distroUpgradeDuration'>): DistroObserver {
  const labels = (d: MaglevDistro): { namespace: string; distro: string } => ({ namespace: d.metadata.namespace ?? '', distro: d.metadata.name ?? '' });
  return {
    status(distro: MaglevDistro, components: readonly ComponentStatus[], plan: Plan | undefined) {
      for (const phase of PHASES) metrics.distroComponents.set({ ...labels(distro), phase }, components.filter((c) => c.phase === phase).length);
      for (const action of ACTIONS) metrics.distroPlanSteps.set({ ...labels(distro), action }, plan?.steps.filter((s) => s.action === action).length ?? 0);
    },
    finished(result: string, seconds: number) {
      metrics.distroUpgradeDuration.observe({ result }, seconds);
    },
    forget(distro: MaglevDistro) {
      for (const phase of PHASES) metrics.distroComponents.remove({ ...labels(distro), phase });
      for (const action of ACTIONS) metrics.distroPlanSteps.remove({ ...labels(distro), action });
    },
  };
}
