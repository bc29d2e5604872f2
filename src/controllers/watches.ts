/**
 * What wakes which reconcile, beyond an object's own changes:
 * - a HelmRelease whose readiness changes (Ready status, or whether its generation is reconciled) wakes the
 *   HelmReleases that list it in `dependsOn`, found through a {@link CacheIndex}, not by polling;
 * - a HelmRelease owned by a MaglevDistro wakes that distro on any change, status included;
 * - a new generation (or a new force token) of a HelmRelease whose reconcile is running supersedes that
 *   reconcile: its signal is aborted, so a revision still waiting is failed at once and the new one planned.
 * Every function here is a pure mapper or a small stateful filter over cache events.
 */
import { TriggerAnnotation } from '../constants.js';
import { API_VERSION, KINDS, type HelmRelease } from '../crds/index.js';
import { getCondition } from '../runtime/conditions.js';
import { CacheIndex } from '../runtime/indexer.js';
import { releaseIntent } from '../release/reconcile/driver.js';
import type { EventMapper } from '../runtime/controller.js';
import type { Intent, Request } from '../runtime/reconcile.js';
import type { CacheEventType, CacheSource } from '../runtime/store.js';

/** Index keys of a HelmRelease's dependencies: `namespace/name` of each `dependsOn` entry. */
export function dependencyKeys(hr: HelmRelease): string[] {
  const ns = hr.metadata.namespace ?? '';
  return (hr.spec?.dependsOn ?? []).map((d) => `${d.namespace ?? ns}/${d.name}`);
}

/** What dependents care about: whether the HelmRelease exists, is Ready, and has reconciled its generation. */
export function readinessSignature(type: CacheEventType, hr: HelmRelease): string {
  if (type === 'delete') return 'gone';
  const ready = getCondition(hr.status?.conditions, 'Ready');
  return `${ready?.status ?? 'none'}/${hr.status?.observedGeneration === hr.metadata.generation ? 'current' : 'stale'}`;
}

/**
 * A mapper from HelmRelease events to the HelmReleases that depend on the changed one, fired only when its
 * {@link readinessSignature} changes. Builds its index on `releases`; create it before other handlers use it.
 */
export function dependentsMapper(releases: CacheSource<HelmRelease>): EventMapper<HelmRelease> {
  const index = new CacheIndex(releases, dependencyKeys);
  return onSignatureChange(readinessSignature, (hr) => index.lookup(`${hr.metadata.namespace ?? ''}/${hr.metadata.name ?? ''}`));
}

/**
 * An event mapper that maps an object (with `map`) only when its `signature` differs from the one of its
 * previous event: the filter both HelmRelease mappers use to ignore status churn.
 */
export function onSignatureChange(signature: (type: CacheEventType, hr: HelmRelease) => string, map: (hr: HelmRelease) => Request[]): EventMapper<HelmRelease> {
  const last = new Map<string, string>();
  return (hr, type) => {
    const key = `${hr.metadata.namespace ?? ''}/${hr.metadata.name ?? ''}`;
    const now = signature(type, hr);
    const before = last.get(key);
    if (type === 'delete') last.delete(key);
    else last.set(key, now);
    return before === now ? [] : map(hr);
  };
}

/** The MaglevDistro that owns a HelmRelease (ownerReference of our kind), as a request; else none. */
export function ownerDistro(hr: HelmRelease): Request[] {
  const owner = hr.metadata.ownerReferences?.find((o) => o.kind === KINDS.MaglevDistro && o.apiVersion === API_VERSION);
  return owner === undefined ? [] : [{ namespace: hr.metadata.namespace ?? '', name: owner.name }];
}

/**
 * What a distro cares about in a child: its spec generation and whether it reconciled it, Ready, Released
 * and Stalled (status and generation), deletion, and the chart version and Helm revision it reports. A
 * child's progress messages and other status churn leave it unchanged.
 */
export function childSignature(type: CacheEventType, hr: HelmRelease): string {
  if (type === 'delete') return 'gone';
  const c = (t: string): string => {
    const x = getCondition(hr.status?.conditions, t);
    return x === undefined ? '-' : `${x.status}:${x.reason}:${x.observedGeneration ?? ''}`;
  };
  const s = hr.status;
  return [hr.metadata.generation, s?.observedGeneration, c('Ready'), c('Released'), c('Stalled'), hr.metadata.deletionTimestamp ?? '', s?.chartVersion ?? '', s?.releaseRevision ?? ''].join('|');
}

/** {@link ownerDistro}, fired only when the child's {@link childSignature} changes: children wake their distro. */
export function ownerDistroMapper(): EventMapper<HelmRelease> {
  return onSignatureChange(childSignature, ownerDistro);
}

/**
 * Watches HelmRelease updates for what may supersede work in flight: a higher generation or a new force
 * token. Calls `supersede` with the new intent and the reason; the controller aborts the running reconcile
 * of that object only if that one acts on an older intent (Controller.supersede).
 */
export function supersedeWatcher(supersede: (req: Request, intent: Intent, reason: string) => void): (type: CacheEventType, hr: HelmRelease) => void {
  const last = new Map<string, { generation: number; force: string | undefined }>();
  return (type, hr) => {
    const key = `${hr.metadata.namespace ?? ''}/${hr.metadata.name ?? ''}`;
    if (type === 'delete') {
      last.delete(key);
      return;
    }
    const now = { generation: hr.metadata.generation ?? 0, force: hr.metadata.annotations?.[TriggerAnnotation.ForceAt] };
    const before = last.get(key);
    last.set(key, now);
    if (type !== 'update' || before === undefined) return;
    const req = { namespace: hr.metadata.namespace ?? '', name: hr.metadata.name ?? '' };
    if (now.generation > before.generation) supersede(req, releaseIntent(hr), `superseded by generation ${now.generation}`);
    else if (now.force !== undefined && now.force !== before.force) supersede(req, releaseIntent(hr), `superseded by ${TriggerAnnotation.ForceAt}=${now.force}`);
  };
}
