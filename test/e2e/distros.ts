/**
 * MaglevDistro helpers for the e2e tests: create, read, patch and delete through the raw API, wait for a
 * condition with the last status in the error, and follow the children (their HelmReleases) over time.
 */
import type { HelmRelease, MaglevDistro } from '../../src/crds/index.js';
import { waitFor } from './harness.js';
import { api, ourObjects } from './releases.js';

const distros = ourObjects<MaglevDistro>('MaglevDistro', 'maglevdistros');

/** Creates MaglevDistro `name` in `ns` with `spec`. */
export const createDistro = distros.create;
/** The distro, or undefined when gone. */
export const getDistro = distros.get;
/** Merge-patches the distro. */
export const patchDistro = distros.patch;
/** Deletes the distro (its finalizer keeps it until every child is gone). */
export const deleteDistro = distros.delete;

/** The condition of `type`. */
export function distroCondition(d: MaglevDistro | undefined, type: string) {
  return d?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the distro has observed its generation and `check` holds; the error shows the last status. */
export async function waitDistro(ns: string, name: string, what: string, check: (d: MaglevDistro) => boolean, timeoutMs = 90_000): Promise<MaglevDistro> {
  let seen: MaglevDistro | undefined;
  try {
    return await waitFor(`MaglevDistro ${ns}/${name}: ${what}`, async () => {
      const d = await getDistro(ns, name);
      seen = d;
      return d !== undefined && d.status?.observedGeneration === d.metadata.generation && check(d) ? d : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last seen: ${JSON.stringify(seen?.status)}`);
  }
}

/** Waits until Ready has `status` (and `reason`). */
export function waitDistroReady(ns: string, name: string, status: 'True' | 'False', reason?: string, timeoutMs = 90_000): Promise<MaglevDistro> {
  return waitDistro(ns, name, `Ready=${status} ${reason ?? ''}`, (d) => {
    const ready = distroCondition(d, 'Ready');
    return ready?.status === status && (reason === undefined || ready.reason === reason);
  }, timeoutMs);
}

/** The child HelmReleases of a distro in `ns`, by component. */
export async function children(ns: string, distro: string): Promise<Map<string, HelmRelease>> {
  const list = (await api().request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`, query: { labelSelector: `maglev.io/distro=${distro}` } })) as { items: HelmRelease[] };
  return new Map(list.items.map((hr) => [hr.metadata.labels?.['maglev.io/component'] ?? '', hr] as const));
}

/** When the distro last changed the child's spec (ms). */
export function changedAt(hr: HelmRelease | undefined): number {
  return Date.parse(hr?.metadata.annotations?.['maglev.io/changed-at'] ?? '');
}

/** When the child's Ready condition last turned (ms, second precision). */
export function readyAt(hr: HelmRelease | undefined): number {
  return Date.parse(hr?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
}

/**
 * Polls the children of a distro every 100 ms until `until` resolves, noting when each child first had a
 * deletionTimestamp and when it was gone; resolves component → [deleting ms, gone ms].
 */
export async function watchRemovals(ns: string, distro: string, until: Promise<unknown>): Promise<Map<string, [number, number]>> {
  const seen = new Map<string, [number, number]>();
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let last = await children(ns, distro);
  for (const name of last.keys()) seen.set(name, [NaN, NaN]);
  while (!done) {
    const now = await children(ns, distro);
    const t = Date.now();
    for (const [name, hr] of now) {
      const entry = seen.get(name) ?? [NaN, NaN];
      if (hr.metadata.deletionTimestamp !== undefined && Number.isNaN(entry[0])) entry[0] = t;
      seen.set(name, entry);
    }
    for (const name of last.keys()) {
      const entry = seen.get(name);
      if (!now.has(name) && entry !== undefined && Number.isNaN(entry[1])) {
        if (Number.isNaN(entry[0])) entry[0] = t;
        entry[1] = t;
      }
    }
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

/** True when the child reconciled its generation and is Ready at it. */
export function childReady(hr: HelmRelease | undefined): boolean {
  const ready = hr?.status?.conditions?.find((c) => c.type === 'Ready');
  return hr !== undefined && hr.status?.observedGeneration === hr.metadata.generation && ready?.status === 'True' && ready.observedGeneration === hr.metadata.generation;
}

/** The children of a distro by component, as one list read returned them at `at` (ms). */
export type Snapshot = Map<string, HelmRelease> & { at?: number };

/**
 * Lists the children of a distro every 100 ms until `until` settles and resolves every snapshot (each
 * list is one consistent read of the API server), so a test can check an ordering invariant on each.
 */
export async function snapshots(ns: string, distro: string, until: Promise<unknown>): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  let done = false;
  const settled = until.finally(() => {
    done = true;
  });
  const take = async (): Promise<void> => {
    const kids = await children(ns, distro) as Snapshot;
    kids.at = Date.now();
    out.push(kids);
  };
  while (!done) {
    await take();
    await new Promise((r) => setTimeout(r, 100));
  }
  await settled;
  await take();
  return out;
}
