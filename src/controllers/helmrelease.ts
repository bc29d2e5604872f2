/**
 * The HelmRelease controller: thin. It validates what the API server cannot, hands valid objects
 * to the release driver (src/release) and writes status through the shared reconcile shape.
 */
import {
  KINDS,
  parseDuration,
  validateHelmReleaseSpec,
  withHelmReleaseDefaults,
  type HelmRelease,
  type HelmReleaseStatus,
} from '../crds/index.js';
import type { Reconciler } from '../runtime/reconcile.js';
import { objectReconciler, type Driver, type ObjectReconcilerDeps } from './common.js';

/** Default `spec.interval` when unset: re-check every 10 minutes. */
export const DEFAULT_INTERVAL_MS = 10 * 60_000;

/** `interval` with ±10 % jitter so many releases created together do not re-check in lockstep. */
export function jitteredInterval(hr: HelmRelease, random: () => number = Math.random): number {
  const interval = hr.spec?.interval ? parseDuration(hr.spec.interval, 'spec.interval') : DEFAULT_INTERVAL_MS;
  return Math.round(interval * (0.9 + 0.2 * random()));
}

/**
 * Used until a release engine is wired in: reports the release as waiting for one, and re-checks
 * after `interval`. It makes no change in the cluster.
 */
export const pendingReleaseDriver: Driver<HelmRelease, HelmReleaseStatus> = (hr) =>
  Promise.resolve({
    state: { phase: 'progressing', reason: 'Progressing', message: 'spec is valid; waiting for the release engine' },
    requeueAfterMs: jitteredInterval(hr),
  });

/** Builds the HelmRelease reconciler; `drive` does the release work (default {@link pendingReleaseDriver}). */
export function helmReleaseReconciler(
  deps: Omit<ObjectReconcilerDeps<HelmRelease, HelmReleaseStatus>, 'kind' | 'validate' | 'drive'> & {
    drive?: Driver<HelmRelease, HelmReleaseStatus>;
  },
): Reconciler {
  return objectReconciler<HelmRelease, HelmReleaseStatus>({
    ...deps,
    kind: KINDS.HelmRelease,
    validate: (hr) => validateHelmReleaseSpec(withHelmReleaseDefaults(hr.spec)),
    drive: deps.drive ?? pendingReleaseDriver,
  });
}
