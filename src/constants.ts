/**
 * The names the operator writes into the cluster, defined once: its field manager, the finalizer of a
 * HelmRelease, and the annotations users set to trigger work. Record labels (src/release/secrets.ts) and
 * the Events' reporting controller (src/runtime/events.ts) stay with the formats they belong to.
 */

/** Field manager of every write the operator makes (server-side apply, patches). */
export const FIELD_MANAGER = 'maglev-operator';

/** Finalizer a HelmRelease carries until its release is uninstalled. */
export const HELMRELEASE_FINALIZER = 'maglev.io/helmrelease';

/** Finalizer a MaglevDistro carries until every child HelmRelease is gone (removed in reverse order). */
export const DISTRO_FINALIZER = 'maglev.io/distro';

/** Annotations a user sets on a HelmRelease or MaglevDistro; the value is any new token. */
export const TriggerAnnotation = {
  /** Reconcile now. */
  ReconcileRequestedAt: 'maglev.io/reconcile-requested-at',
  /** One install or upgrade even when in sync or out of retries. */
  ForceAt: 'maglev.io/force-at',
  /** Reset the failure counters. */
  ResetAt: 'maglev.io/reset-at',
} as const;

/** Label or annotation that opts one object out of drift detection (value `disabled`). */
export const DRIFT_DETECTION_KEY = 'maglev.io/drift-detection';

/** Annotation (value `true`) that lets a distro upgrade to a bundle whose `upgradeFrom` excludes the deployed version. */
export const FORCE_UPGRADE_PATH_ANNOTATION = 'maglev.io/force-upgrade-path';
