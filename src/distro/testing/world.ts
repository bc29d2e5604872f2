/**
 * A distro test world: the real MaglevDistro reconciler and distro driver over FakeObjects (the API
 * server's create/replace/patch/delete semantics) and a MemorySecretStore, with a stand-in for the
 * HelmRelease controller that a test drives by hand: settle a child Ready, fail it, or finish its uninstall.
 */
import { HELMRELEASE_FINALIZER } from '../../constants.js';
import { maglevDistroReconciler } from '../../controllers/maglevdistro.js';
import type { HelmRelease, MaglevDistro } from '../../crds/index.js';
import { FakeObjects } from '../../release/testing/fake-objects.js';
import { MemorySecretStore } from '../../release/testing/memory-secrets.js';
import type { EventInput } from '../../runtime/events.js';
import type { KubeObject } from '../../runtime/object.js';
import type { Result } from '../../runtime/reconcile.js';
import { memoryLogger } from '../../runtime/testing/logger.js';
import { BundleStore } from '../bundle-store.js';
import { distroDriver } from '../driver.js';
import { DistroHistory } from '../history.js';

/** See the module comment. */
export class DistroWorld {
  readonly objects = new FakeObjects();
  readonly secrets = new MemorySecretStore();
  readonly events: EventInput[] = [];
  /** Bundle loads (cache misses), `source:result`. */
  readonly bundleLoads: string[] = [];
  bundles = this.newBundleStore();
  now = Date.parse('2026-06-01T00:00:00Z');
  private revisions = new Map<string, number>();
  private history = new DistroHistory(this.secrets);

  constructor(d: MaglevDistro) {
    this.objects.put(d as unknown as KubeObject & Record<string, unknown>);
  }

  /** A new driver process (empty memory), as after an operator restart. */
  restart(): void {
    this.history = new DistroHistory(this.secrets);
    this.bundles = this.newBundleStore();
  }

  private newBundleStore(): BundleStore {
    return new BundleStore({ objects: this.objects, onFetch: (source, result) => void this.bundleLoads.push(`${source}:${result}`) });
  }

  /** One reconcile of the distro through the real controller shape. */
  async reconcile(): Promise<Result> {
    const objects = this.objects;
    const reconciler = maglevDistroReconciler({
      cache: {
        get: (ns, name) => structuredClone(objects.peek('MaglevDistro', ns, name)) as unknown as MaglevDistro | undefined,
        list: () => [],
        hasSynced: () => true,
      },
      client: objects,
      events: { record: (_ref, e) => Promise.resolve(void this.events.push(e)) },
      readiness: { set: () => undefined, remove: () => undefined },
      progressDelayMs: 0,
      drive: distroDriver({
        children: { get: () => undefined, list: () => this.children(), hasSynced: () => true },
        objects,
        history: this.history,
        events: { record: (_ref, e) => Promise.resolve(void this.events.push(e)) },
        bundles: this.bundles,
        now: () => this.now,
      }),
    });
    return reconciler({ namespace: 'ns', name: 'd' }, { log: memoryLogger().logger, signal: new AbortController().signal, actsOn: () => {} });
  }

  /** The distro as stored. */
  distro(): MaglevDistro {
    return structuredClone(this.objects.peek('MaglevDistro', 'ns', 'd')) as unknown as MaglevDistro;
  }

  /** Every child HelmRelease, copies. */
  children(): HelmRelease[] {
    return [...this.objects.objects.values()].filter((o) => o.kind === 'HelmRelease').map((o) => structuredClone(o) as unknown as HelmRelease);
  }

  /** The child of `component`, a copy. */
  child(component: string): HelmRelease | undefined {
    return structuredClone(this.objects.peek('HelmRelease', 'ns', `d-${component}`)) as unknown as HelmRelease | undefined;
  }

  /** The HelmRelease controller's work on one child: reconciled its generation, Ready or failed. */
  settle(component: string, outcome: 'ready' | 'fail' | 'waiting' = 'ready'): void {
    const obj = this.objects.peek('HelmRelease', 'ns', `d-${component}`);
    if (obj === undefined) throw new Error(`no child ${component}`);
    const hr = obj as unknown as HelmRelease;
    const generation = hr.metadata.generation ?? 1;
    const t = new Date(this.now).toISOString();
    const revision = (this.revisions.get(component) ?? 0) + (outcome === 'waiting' ? 0 : 1);
    this.revisions.set(component, revision);
    if (!(hr.metadata.finalizers ?? []).includes(HELMRELEASE_FINALIZER)) hr.metadata.finalizers = [...(hr.metadata.finalizers ?? []), HELMRELEASE_FINALIZER];
    const ready = outcome === 'ready';
    hr.status = {
      ...hr.status,
      observedGeneration: outcome === 'waiting' ? hr.status?.observedGeneration : generation,
      chartVersion: ready ? (hr.spec.chart.version ?? '') : hr.status?.chartVersion,
      releaseRevision: revision,
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'UpgradeSucceeded' : outcome === 'fail' ? 'UpgradeFailed' : 'Progressing', message: ready ? '' : 'boom', observedGeneration: generation, lastTransitionTime: t },
        { type: 'Released', status: outcome === 'fail' ? 'False' : 'True', reason: outcome === 'fail' ? 'UpgradeFailed' : 'UpgradeSucceeded', message: outcome === 'fail' ? 'boom' : '', observedGeneration: generation, lastTransitionTime: t },
      ],
    };
    this.objects.updateMeta('HelmRelease', 'ns', `d-${component}`, {});
  }

  /** The child's finalizer finished Helm's uninstall: the child goes away. */
  uninstalled(component: string): void {
    const obj = this.objects.peek('HelmRelease', 'ns', `d-${component}`);
    if (obj?.metadata?.deletionTimestamp === undefined) throw new Error(`child ${component} is not being deleted`);
    this.objects.objects.delete(`HelmRelease ns/d-${component}`);
  }

  /** Names of children being deleted. */
  deleting(): string[] {
    return this.children().filter((c) => c.metadata.deletionTimestamp !== undefined).map((c) => c.metadata.labels?.['maglev.io/component'] ?? '').sort();
  }

  /** Changes the distro spec as a user would. */
  edit(change: (spec: Record<string, unknown>) => void): void {
    this.objects.updateSpec('MaglevDistro', 'ns', 'd', change);
  }

  /** A condition of the distro. */
  condition(type: string): { status: string; reason: string; message: string } | undefined {
    return this.distro().status?.conditions?.find((c) => c.type === type);
  }

  /** Component phases, `name=Phase`. */
  phases(): string[] {
    return (this.distro().status?.components ?? []).map((c) => `${c.name}=${c.phase ?? ''}`);
  }
}
