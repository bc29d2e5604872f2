/**
 * The HelmRelease controller: thin. It validates what the API server cannot, hands valid objects (and
 * objects being deleted, for their finalizer) to the release driver (src/release `releaseDriver`) and
 * writes status through the shared reconcile shape.
 */
import { KINDS, validateHelmReleaseSpec, withHelmReleaseDefaults, type HelmRelease, type HelmReleaseStatus } from '../crds/index.js';
import { releaseIntent } from '../release/reconcile/driver.js';
import type { Reconciler } from '../runtime/reconcile.js';
import { objectReconciler, type Driver, type ObjectReconcilerDeps } from './common.js';

/** Builds the HelmRelease reconciler; `drive` does the release work. */
export function helmReleaseReconciler(
  deps: Omit<ObjectReconcilerDeps<HelmRelease, HelmReleaseStatus>, 'kind' | 'validate' | 'drive'> & {
    drive: Driver<HelmRelease, HelmReleaseStatus>;
  },
): Reconciler {
  return objectReconciler<HelmRelease, HelmReleaseStatus>({
    ...deps,
    kind: KINDS.HelmRelease,
    intentOf: releaseIntent,
    validate: (hr) => validateHelmReleaseSpec(withHelmReleaseDefaults(hr.spec)),
  });
}
