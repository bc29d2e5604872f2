/**
 * The cluster side of release actions over src/runtime: a {@link HookExecutor} that creates hook objects
 * with a POST (Helm creates hooks, it never applies them), deletes and waits until they are gone, and waits
 * for completion by Helm's hook rule (wait.ts `hookJudge`; kinds other than Job and Pod are done once
 * created), all waits through the release's {@link ObjectWaiter}, plus {@link kubeApplier}, the
 * {@link ReleaseApplier} over `ResourceClient` and `RestMapper`.
 */
import type { Logger } from 'pino';
import { resourcePath, type ResourceClient, type TargetRef } from '../runtime/apply.js';
import type { ApiClient } from '../runtime/client.js';
import type { RestMapper } from '../runtime/discovery.js';
import type { ObjectWaits } from '../runtime/waits.js';
import type { KubeObject } from '../runtime/object.js';
import type { ReleaseApplier } from './actions/context.js';
import type { HookExecutor } from './hooks.js';
import type { ObjectWaiter } from './wait.js';

/** Options for {@link KubeHookExecutor}. */
export interface KubeHookExecutorOptions {
  client: ApiClient;
  mapper: RestMapper;
  resources: ResourceClient;
  /** The release's waiter (same identity and cancellation as the release). */
  waiter: Pick<ObjectWaiter, 'waitDeleted' | 'waitHook'>;
  /** Sent as Impersonate-User on every request. */
  impersonate?: string;
  /** Receives the logs of hooks whose output-log policy matches. */
  log?: Logger;
}

/** Hook objects on a real cluster; see the module comment. */
export class KubeHookExecutor implements HookExecutor {
  constructor(private readonly options: KubeHookExecutorOptions) {}

  /** See {@link HookExecutor.deleteAndWait}. */
  async deleteAndWait(ref: TargetRef, timeoutMs: number): Promise<void> {
    if (!(await this.options.resources.delete(ref, this.call()))) return;
    await this.options.waiter.waitDeleted([ref], timeoutMs);
  }

  /** See {@link HookExecutor.create}. */
  async create(obj: KubeObject): Promise<void> {
    const mapping = await this.options.mapper.map(obj.apiVersion ?? '', obj.kind ?? '');
    const path = resourcePath(mapping, mapping.namespaced ? (obj.metadata?.namespace ?? '') : '');
    await this.options.client.request({ method: 'POST', path, body: obj, ...this.call() });
  }

  /** See {@link HookExecutor.waitComplete}. */
  async waitComplete(ref: TargetRef, timeoutMs: number, park?: { deadline: number }): Promise<void> {
    if (ref.kind !== 'Job' && ref.kind !== 'Pod') return;
    await this.options.waiter.waitHook(ref, timeoutMs, park);
  }

  /** See {@link HookExecutor.exists}. */
  async exists(ref: TargetRef): Promise<boolean> {
    return (await this.options.resources.get(ref, this.call())) !== undefined;
  }

  /** See {@link HookExecutor.outputLogs}: a Pod's log (a Job's: its pods', by the job-name label) to the logger. */
  async outputLogs(ref: TargetRef): Promise<void> {
    const { log } = this.options;
    if (log === undefined) return;
    const base = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`;
    let pods = [ref.name];
    if (ref.kind === 'Job') {
      const list = (await this.options.client.request({ method: 'GET', path: base, query: { labelSelector: `job-name=${ref.name}` }, ...this.call() })) as { items?: KubeObject[] };
      pods = (list.items ?? []).map((p) => p.metadata?.name ?? '').filter((n) => n !== '');
    }
    for (const pod of pods) {
      const text = await this.options.client.request({ method: 'GET', path: `${base}/${encodeURIComponent(pod)}/log`, ...this.call() });
      log.info({ hook: `${ref.kind}/${ref.name}`, pod, output: typeof text === 'string' ? text : JSON.stringify(text) }, 'hook output');
    }
  }

  private call(): { impersonate?: string } {
    return this.options.impersonate === undefined ? {} : { impersonate: this.options.impersonate };
  }
}

/** The {@link ReleaseApplier} over the runtime's ResourceClient (SSA, get, delete) and RestMapper (scope). */
export function kubeApplier(resources: ResourceClient, mapper: RestMapper, waits: Pick<ObjectWaits, 'read'>): ReleaseApplier {
  return {
    apply: (obj, opts) => resources.apply(obj, opts),
    get: (ref, opts) => resources.get(ref, opts),
    lookup: (refs, opts) => waits.read(refs, opts?.impersonate),
    delete: (ref, opts) => resources.delete(ref, opts),
    namespaced: async (apiVersion, kind) => (await mapper.map(apiVersion, kind)).namespaced,
    awaitServed: async (kinds, timeoutMs) => {
      await Promise.all(kinds.map((k) => mapper.waitForKind(k.apiVersion, k.kind, timeoutMs)));
    },
  };
}
