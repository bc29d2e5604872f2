/**
 * What the distro actions need: the API calls on child HelmReleases and the distro itself, and the clock.
 * Kept to the few ResourceClient methods they use, so tests pass a fake that wraps a real store.
 */
import type { ResourceClient } from '../../runtime/apply.js';

/** The object calls distro actions make. */
export type DistroObjects = Pick<ResourceClient, 'get' | 'create' | 'replace' | 'delete' | 'mergePatch'>;

/** Everything a distro action gets. */
export interface DistroActionContext {
  objects: DistroObjects;
  signal: AbortSignal;
  /** Epoch ms. */
  now: () => number;
}
