/**
 * Kubernetes plumbing for the operator; knows nothing of Helm. Test doubles live in ./testing/index.ts
 * and are not exported here.
 */
export { AccessReviews, groupsOf, SUBJECT_ACCESS_REVIEWS_PATH, type AccessAnswer, type AccessQuestion, type AccessReviewer, type AccessReviewsOptions } from './access.js';
export { ApiStatusError, isConflict, isGone, isNotFound, statusOf } from './api-error.js';
export {
  applyQuery,
  ContentType,
  resourcePath,
  ResourceClient,
  targetOf,
  type ApplyOptions,
  type CallOptions,
  type TargetRef,
} from './apply.js';
export { Backoff, backoffDelay, type BackoffOptions } from './backoff.js';
export { InformerCache, informerCache, WatchSilentError, type InformerCacheOptions, type KubeInformerOptions } from './cache.js';
export { buildUrl, KubeApiClient, resourceOfPath, type ApiClient, type ApiRequest, type HttpMethod, type KubeApiClientOptions } from './client.js';
export { microTime, realClock, sleep, type CancelTimer, type Clock } from './clock.js';
export {
  ConditionStatus,
  ConditionType,
  getCondition,
  isTrue,
  MAX_CONDITION_MESSAGE,
  removeCondition,
  setCondition,
  summarize,
  type Condition,
  type ConditionInput,
  type ReconcileState,
} from './conditions.js';
export { Controller, type ControllerMetrics, type ControllerOptions, type EventMapper } from './controller.js';
export { groupVersionPath, parseResourceList, RestMapper, splitApiVersion, type ResourceMapping, type RestMapperOptions } from './discovery.js';
export { WriteFence } from './fence.js';
export { CacheIndex } from './indexer.js';
export { Manager, type LeaderCallbacks, type ManagedCache, type ManagerOptions } from './manager.js';
export { intentChanged, intentSignature, type Predicate } from './predicates.js';
export { during, trackActivity, type Activity } from './activity.js';
export { ObjectWaits, type GroupCache, type ObjectWaitsOptions, type Verdict, type WaitSpec } from './waits.js';
export { EventRecorder, MAX_NOTE_BYTES, REPORTING_CONTROLLER, truncateUtf8, type EventInput, type EventRecorderOptions } from './events.js';
export type { WatchFn } from './guarded-watch.js';
export { isExpired, LeaderElector, type LeaderElectorOptions } from './leader.js';
export { KubeLeaseStore, type Lease, type LeaseSpec, type LeaseStore } from './lease.js';
export { LIST_PAGE_SIZE, listAll, stripManagedFields } from './list.js';
export { describeRef, isRecord, refOf, type KubeList, type KubeObject, type ObjectMeta, type ObjectRef } from './object.js';
export {
  classifyOutcome,
  keyOf,
  parseKey,
  ReconcileOutcome,
  requestFor,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from './reconcile.js';
export { mergePatchOf, patchStatus, type PatchStatusOptions, type PatchStatusResult, type StatusClient, type StatusOf } from './status.js';
export type { CacheEventHandler, CacheEventType, CacheReader, CacheSource } from './store.js';
export { DEFAULT_QUEUE_BACKOFF, WorkQueue, type QueueMetrics, type WorkQueueOptions } from './workqueue.js';
