/**
 * The Helm-compatible release core, for the HelmRelease controller: Helm 3 release records and their
 * Secret storage, kstatus readiness, the pure planner (observed state → next action), Helm's hook rules,
 * and one module per action (install, upgrade, rollback, uninstall, unlock) over injectable interfaces.
 */
export * from './record.js';
export { encodeRelease, decodeRelease, recordJson, MAX_DECODED_BYTES } from './codec.js';
export { chartRecord, hookRecords, newRecord, type NewRecordInput } from './build.js';
export * from './secrets.js';
export { ReleaseStorage, MAX_RECORD_BYTES, type StoredRelease, type ReleaseStorageOptions } from './storage.js';
export { KubeSecretStore, type KubeSecretStoreOptions } from './kube-secrets.js';
export { objectStatus, isCurrent, ReadyStatus, type ObjectStatus } from './readiness.js';
export { plan, type Plan, type PlanAction, type PlanInput, type RecordSummary } from './planner.js';
export { rollbackTarget } from './planner-remediation.js';
export { summarizeRecord } from './summary.js';
export { recordAttempt, type AttemptInput, type AttemptStatus } from './attempts.js';
export { hookRunOrder, runHooks, hookObject, type HookExecutor, type HookRunOptions, type HookRunResult } from './hooks.js';
export { KubeHookExecutor, kubeApplier, type KubeHookExecutorOptions } from './kube-hooks.js';
export { deletionJudge, hookCompletion, hookJudge, ObjectWaiter, readinessJudge, type HookCompletion, type Waits, type WaitScope } from './wait.js';
export * from './actions/context.js';
export { install, type InstallInput, type InstallOptions } from './actions/install.js';
export { upgrade, type UpgradeInput, type UpgradeOptions } from './actions/upgrade.js';
export { rollback, type RollbackInput, type RollbackOptions } from './actions/rollback.js';
export { uninstall, type UninstallInput, type UninstallOptions } from './actions/uninstall.js';
export { unlock, type UnlockInput } from './actions/unlock.js';
export { Ownership, RESOURCE_POLICY } from './actions/objects.js';
export type { CrdPolicy } from './actions/crds.js';
export * from './reconcile/index.js';
