/**
 * The MaglevDistro controller: thin. It validates the distro (versions, component names, the
 * dependency graph) and hands valid distros to the distro driver (src/distro).
 */
import {
  KINDS,
  validateMaglevDistroSpec,
  withMaglevDistroDefaults,
  type MaglevDistro,
  type MaglevDistroStatus,
} from '../crds/index.js';
import type { Reconciler } from '../runtime/reconcile.js';
import { objectReconciler, type Driver, type ObjectReconcilerDeps } from './common.js';

/** How often a distro without work re-checks its components. */
export const DISTRO_RECHECK_MS = 5 * 60_000;

/** Used until the distro engine is wired in: reports the distro as waiting for one; changes nothing. */
export const pendingDistroDriver: Driver<MaglevDistro, MaglevDistroStatus> = () =>
  Promise.resolve({
    state: { phase: 'progressing', reason: 'Progressing', message: 'spec is valid; waiting for the distro engine' },
    requeueAfterMs: DISTRO_RECHECK_MS,
  });

/** Builds the MaglevDistro reconciler; `drive` does the distro work (default {@link pendingDistroDriver}). */
export function maglevDistroReconciler(
  deps: Omit<ObjectReconcilerDeps<MaglevDistro, MaglevDistroStatus>, 'kind' | 'validate' | 'drive'> & {
    drive?: Driver<MaglevDistro, MaglevDistroStatus>;
  },
): Reconciler {
  return objectReconciler<MaglevDistro, MaglevDistroStatus>({
    ...deps,
    kind: KINDS.MaglevDistro,
    validate: (d) => validateMaglevDistroSpec(withMaglevDistroDefaults(d.spec), d.metadata.name),
    drive: deps.drive ?? pendingDistroDriver,
  });
}
