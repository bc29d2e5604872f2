/**
 * One Helm release, one HelmRelease. Two HelmReleases that resolve to the same release (same releaseName and
 * targetNamespace) would otherwise upgrade it in turn, each undoing the other, and deleting either would
 * uninstall what the other still manages.
 *
 * The operator stamps every record it writes with the UID and `namespace/name` of the HelmRelease that wrote it.
 * A HelmRelease whose release's newest record carries another UID looks that HelmRelease up: while it exists
 * (even while it is being deleted and uninstalls the release), the release is claimed, and this HelmRelease
 * neither acts on it nor uninstalls it. When the other HelmRelease is gone, its release is adopted like one
 * the helm CLI installed. A record without a stamp (written by helm) or without the name (stamped by an older
 * operator) claims nothing. A release run as a ServiceAccount reads an owner in another namespace as that
 * ServiceAccount (tenant.ts).
 */
import type { HelmRelease } from '../../crds/generated/types.js';
import type { StoredRelease } from '../storage.js';
import { readHelmRelease } from './tenant.js';
import type { ReleaseDriverDeps } from './types.js';

/** The Stalled/Ready reason of a HelmRelease whose release another HelmRelease manages. */
export const RELEASE_CLAIMED = 'ReleaseClaimed';

/** Another HelmRelease's claim on a release: its `namespace/name`, and why it could not be checked, if so. */
export interface Claim {
  owner: string;
  /** Set when the release's ServiceAccount may not read the owner (tenant.ts): the claim is assumed to hold. */
  denied?: string;
}

/**
 * The claim of the other live HelmRelease that manages the release of `newest`, if any. The owner is read as
 * `impersonate` when it lives in another namespace (tenant.ts); a denied read counts as a claim, so a tenant
 * never takes over or uninstalls a release it cannot prove is free.
 */
export async function claimedBy(deps: Pick<ReleaseDriverDeps, 'objects' | 'releases' | 'access'>, hr: HelmRelease, newest: StoredRelease | undefined, impersonate?: string): Promise<Claim | undefined> {
  const stamp = newest?.stamp;
  if (stamp === undefined || stamp.ownerUid === hr.metadata.uid || stamp.ownerName === undefined) return undefined;
  const slash = stamp.ownerName.indexOf('/');
  if (slash < 0) return undefined;
  const namespace = stamp.ownerName.slice(0, slash);
  const name = stamp.ownerName.slice(slash + 1);
  const from = hr.metadata.namespace ?? '';
  const other = await readHelmRelease(deps, { from, cached: false, ...(impersonate === undefined ? {} : { impersonate }) }, namespace, name);
  if (other.state === 'denied') return { owner: stamp.ownerName, denied: other.message };
  return other.state === 'found' && other.hr.metadata.uid === stamp.ownerUid ? { owner: stamp.ownerName } : undefined;
}

/** The message a claimed HelmRelease shows. */
export function claimedMessage(release: { namespace: string; name: string }, claim: Claim): string {
  const at = `${release.namespace}/${release.name}`;
  if (claim.denied !== undefined) {
    return `Helm release ${at} was last written by HelmRelease ${claim.owner}, which cannot be checked (${claim.denied}); it is left alone as if that HelmRelease still manages it: grant that read, or give this one another releaseName or targetNamespace`;
  }
  return `Helm release ${at} is managed by HelmRelease ${claim.owner}; one release cannot have two HelmReleases: give this one another releaseName or targetNamespace, or delete the other`;
}
