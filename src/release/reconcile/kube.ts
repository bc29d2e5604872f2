/**
 * The cluster side of a release's action context: records in Secrets of the target namespace (stamped with
 * the HelmRelease UID and this replica), server-side apply, hooks and watch-backed waits over the shared API
 * client and REST mapper. When the release impersonates a ServiceAccount, every one of these calls (record
 * reads and writes, applies, hook creates, deletes, readiness reads) carries `Impersonate-User`.
 */
import type { ResourceClient } from '../../runtime/apply.js';
import type { ApiClient } from '../../runtime/client.js';
import type { Clock } from '../../runtime/clock.js';
import type { ObjectWaits } from '../../runtime/waits.js';
import type { RestMapper } from '../../runtime/discovery.js';
import { errorMessage } from '../../errors.js';
import type { ActionContext } from '../actions/context.js';
import { KubeHookExecutor, kubeApplier } from '../kube-hooks.js';
import { KubeSecretStore } from '../kube-secrets.js';
import { ReleaseStorage } from '../storage.js';
import { ObjectWaiter } from '../wait.js';
import type { ActionContextFactory, ReleaseScope } from './types.js';

/** What {@link kubeActionContexts} builds on. */
export interface KubeActionContextOptions {
  api: ApiClient;
  resources: ResourceClient;
  mapper: RestMapper;
  clock: Clock;
  /** Replica identity stamped on records. */
  identity: string;
  /** The shared watch-backed waits (readiness, deletion, hooks). */
  waits: ObjectWaits;
}

/** The factory of per-release action contexts over a real cluster; see the module comment. */
export function kubeActionContexts(opts: KubeActionContextOptions): ActionContextFactory {
  return (scope: ReleaseScope): ActionContext => {
    const who = scope.impersonate === undefined ? {} : { impersonate: scope.impersonate };
    const call = { ...who, signal: scope.signal };
    const storage = new ReleaseStorage(new KubeSecretStore(opts.api, who), {
      namespace: scope.release.namespace,
      maxHistory: scope.maxHistory,
      stamp: { ownerUid: scope.ownerUid, writer: opts.identity, ...(scope.ownerName === undefined ? {} : { ownerName: scope.ownerName }) },
      clock: opts.clock,
      onSkip: (secret, err) => scope.log.warn({ secret, err: errorMessage(err) }, 'skipping a release record that does not decode'),
      listOnce: true,
    });
    const { wake } = scope;
    const park = wake === undefined ? {} : { park: { key: scope.ownerUid, wake, now: () => opts.clock.now() } };
    const waiter = new ObjectWaiter({ waits: opts.waits, signal: scope.signal, ...who, ...park });
    return {
      storage,
      applier: kubeApplier(opts.resources, opts.mapper, opts.waits),
      hooks: new KubeHookExecutor({ client: opts.api, mapper: opts.mapper, resources: opts.resources, waiter, log: scope.log, ...who }),
      waiter,
      clock: opts.clock,
      log: scope.log,
      call,
      applied: new Map(),
    };
  };
}
