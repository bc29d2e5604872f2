/**
 * Deletes one child HelmRelease. Its own finalizer then uninstalls the Helm release (hooks, waits, records
 * purged); the child disappears from the cache once that is done, which wakes the distro for the next step.
 */
import { API_VERSION, KINDS, type MaglevDistro } from '../../crds/index.js';
import { childName } from '../desired.js';
import type { DistroActionContext } from './context.js';

/** Deletes the child of `component`; resolves false when it was already gone. */
export async function deleteChild(ctx: DistroActionContext, distro: MaglevDistro, component: string): Promise<boolean> {
  const name = childName(distro.metadata.name ?? '', component);
  return ctx.objects.delete({ apiVersion: API_VERSION, kind: KINDS.HelmRelease, namespace: distro.metadata.namespace ?? '', name }, { signal: ctx.signal });
}
