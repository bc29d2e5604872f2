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
 * operator) claims nothing.
 */
import { API_VERSION, type HelmRelease } from '../../crds/generated/types.js';
import type { StoredRelease } from '../storage.js';
import type { ReleaseDriverDeps } from './types.js';

/** The Stalled/Ready reason of a HelmRelease whose release another HelmRelease manages. */
export const RELEASE_CLAIMED = 'ReleaseClaimed';

/** `namespace/name` of the other live HelmRelease that manages the release of `newest`, if any. */
export async function claimedBy(deps: Pick<ReleaseDriverDeps, 'objects'>, hr: HelmRelease, newest: StoredRelease | undefined): Promise<string | undefined> {
  const stamp = newest?.stamp;
  if (stamp === undefined || stamp.ownerUid === hr.metadata.uid || stamp.ownerName === undefined) return undefined;
  const slash = stamp.ownerName.indexOf('/');
  if (slash < 0) return undefined;
  const namespace = stamp.ownerName.slice(0, slash);
  const name = stamp.ownerName.slice(slash + 1);
  const other = await deps.objects.get<HelmRelease>({ apiVersion: API_VERSION, kind: 'HelmRelease', namespace, name });
  return other?.metadata.uid === stamp.ownerUid ? stamp.ownerName : undefined;
}

/** The message a claimed HelmRelease shows. */
export function claimedMessage(release: { namespace: string; name: string }, owner: string): string {
  return `Helm release ${release.namespace}/${release.name} is managed by HelmRelease ${owner}; one release cannot have two HelmReleases: give this one another releaseName or targetNamespace, or delete the other`;
}
