/**
 * The release driver (HelmRelease → Helm release): inputs, plan-and-act pass, status, finalizer, and the
 * cluster wiring of per-release action contexts and capabilities.
 */
export { releaseDriver, impersonationOf, unreadyDependencies } from './driver.js';
export { ensureFinalizer, removeFinalizer, finalizeRelease } from './finalizer.js';
export { ClusterCapabilities, kubeVersionOf, groupVersions, type ClusterCapabilitiesOptions } from './capabilities.js';
export { kubeActionContexts, type KubeActionContextOptions } from './kube.js';
export { resolveDesired, readValuesSources, readCredentials, type DesiredRelease } from './inputs.js';
export { releaseStatus, recordAction, inventoryOf, type ReleaseStatusFields } from './snapshot.js';
export { ReleaseCondition, Reason, outcomeReason } from './conditions.js';
export { jittered, DEFAULT_INTERVAL_MS } from './finish.js';
export { MAX_STEPS } from './act.js';
export type * from './types.js';
