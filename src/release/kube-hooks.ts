/**
 * The cluster side of release actions over src/runtime: a {@link HookExecutor} that creates hook objects
 * with a POST (Helm creates hooks, it never applies them), deletes and waits until they are gone, and waits
 * for completion by Helm's hook rule (Job: condition Complete, Failed is an error; Pod: phase Succeeded,
 * Failed is an error; any other kind is done once created), plus {@link kubeApplier}, the
 * {@link ReleaseApplier} over `ResourceClient` and `RestMapper`.
 */
import type { Logger } from 'pino';
import { ErrorCode, MaglevError } from '../errors.js';
import { during } from '../runtime/activity.js';
import { resourcePath, type ResourceClient, type TargetRef } from '../runtime/apply.js';
import { abortReason, type ApiClient } from '../runtime/client.js';
import { sleep, type Clock } from '../runtime/clock.js';
import type { RestMapper } from '../runtime/discovery.js';
import type { KubeObject } from '../runtime/object.js';
import type { ReleaseApplier } from './actions/context.js';
import type { HookExecutor } from './hooks.js';
import { conditionOf, describeCondition, str } from './readiness-fields.js';

/** Where a hook stands by Helm's rule: done, still running, or failed with a message. */
export type HookCompletion = { state: 'done' } | { state: 'running' } | { state: 'failed'; message: string };

/** Helm's hook completion rule for one live object (see the module comment). */
export function hookCompletion(obj: KubeObject): HookCompletion {
  if (obj.kind === 'Job') {
    const failed = conditionOf(obj, 'Failed');
    if (failed?.status === 'True') return { state: 'failed', message: `job ${obj.metadata?.name ?? ''} failed: ${describeCondition(failed) || 'Failed'}` };
    return conditionOf(obj, 'Complete')?.status === 'True' ? { state: 'done' } : { state: 'running' };
  }
  if (obj.kind === 'Pod') {
    const phase = str(obj, 'status', 'phase');
    if (phase === 'Failed') return { state: 'failed', message: `pod ${obj.metadata?.name ?? ''} failed` };
    return phase === 'Succeeded' ? { state: 'done' } : { state: 'running' };
  }
  return { state: 'done' };
}

/** Options for {@link KubeHookExecutor}. */
export interface KubeHookExecutorOptions {
  client: ApiClient;
  mapper: RestMapper;
  resources: ResourceClient;
  clock: Clock;
  /** Time between polls (default 2 s). */
  pollMs?: number;
  /** Sent as Impersonate-User on every request. */
  impersonate?: string;
  /** Receives the logs of hooks whose output-log policy matches. */
  log?: Logger;
  /** Aborts waits (the reconcile was superseded or the replica is stopping). */
  signal?: AbortSignal;
}

/** Hook objects on a real cluster; see the module comment. */
export class KubeHookExecutor implements HookExecutor {
  constructor(private readonly options: KubeHookExecutorOptions) {}

  /** See {@link HookExecutor.deleteAndWait}. */
  async deleteAndWait(ref: TargetRef, timeoutMs: number): Promise<void> {
    if (!(await this.options.resources.delete(ref, this.call()))) return;
    await this.poll(ref, timeoutMs, 'to be deleted', (obj) => (obj === undefined ? { state: 'done' } : { state: 'running' }));
  }

  /** See {@link HookExecutor.create}. */
  async create(obj: KubeObject): Promise<void> {
    const mapping = await this.options.mapper.map(obj.apiVersion ?? '', obj.kind ?? '');
    const path = resourcePath(mapping, mapping.namespaced ? (obj.metadata?.namespace ?? '') : '');
    await this.options.client.request({ method: 'POST', path, body: obj, ...this.call() });
  }

  /** See {@link HookExecutor.waitComplete}. */
  async waitComplete(ref: TargetRef, timeoutMs: number): Promise<void> {
    if (ref.kind !== 'Job' && ref.kind !== 'Pod') return;
    await this.poll(ref, timeoutMs, 'to complete', (obj) =>
      obj === undefined ? { state: 'failed', message: `${ref.kind} ${ref.name} disappeared before completing` } : hookCompletion(obj),
    );
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

  private async poll(ref: TargetRef, timeoutMs: number, what: string, judge: (obj: KubeObject | undefined) => HookCompletion): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const state = judge(await this.options.resources.get(ref, this.call()));
      if (state.state === 'done') return;
      if (state.state === 'failed') throw new MaglevError(ErrorCode.HookFailed, state.message, { where: `${ref.kind}/${ref.name}` });
      const left = deadline - clock.now();
      const { signal } = this.options;
      if (left <= 0 || signal?.aborted === true) {
        const why = signal?.aborted === true ? `waiting was cancelled (${abortReason(signal)})` : `timed out after ${Math.round(timeoutMs / 1000)}s`;
        throw new MaglevError(ErrorCode.WaitTimeout, `${why} waiting for ${ref.kind} ${ref.namespace}/${ref.name} ${what}`, { where: `${ref.kind}/${ref.name}` });
      }
      await during(`hook ${ref.kind} ${ref.namespace}/${ref.name} ${what}`, sleep(clock, Math.min(this.options.pollMs ?? 2000, left), signal));
    }
  }

  private call(): { impersonate?: string } {
    return this.options.impersonate === undefined ? {} : { impersonate: this.options.impersonate };
  }
}

/** The {@link ReleaseApplier} over the runtime's ResourceClient (SSA, get, delete) and RestMapper (scope). */
export function kubeApplier(resources: ResourceClient, mapper: RestMapper): ReleaseApplier {
  return {
    apply: (obj, opts) => resources.apply(obj, opts),
    get: (ref, opts) => resources.get(ref, opts),
    delete: (ref, opts) => resources.delete(ref, opts),
    namespaced: async (apiVersion, kind) => (await mapper.map(apiVersion, kind)).namespaced,
    awaitServed: async (kinds, timeoutMs) => {
      await Promise.all(kinds.map((k) => mapper.waitForKind(k.apiVersion, k.kind, timeoutMs)));
    },
  };
}
