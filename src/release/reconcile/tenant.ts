/**
 * Reading another namespace's HelmRelease on behalf of a release: its `dependsOn` entries (driver.ts) and the
 * HelmRelease that claims its Helm release (claim.ts). A release that runs as a ServiceAccount
 * (`scope.impersonate`: serviceAccountName, or the operator's default one) learns about another namespace
 * only what that ServiceAccount may read there; otherwise a tenant could probe any namespace's releases
 * through its own status.
 *
 * - A read from the API server is sent as the tenant (`Impersonate-User`, as every write of the release is):
 *   403 means denied.
 * - The informer cache holds what the *operator* may read. Reading it stays cheap, but a cached object is
 *   shown to a tenant only after the API server's authorizer said the tenant may `get` it
 *   (a SubjectAccessReview, runtime/access.ts, answers kept briefly). Without a reviewer the cache is skipped
 *   and the object read as the tenant.
 * - The HelmRelease's own namespace needs no check, as in Flux: the namespace is the tenancy boundary, and
 *   whoever may write a HelmRelease there already sees that namespace's HelmReleases; the ServiceAccount is
 *   the release's identity for what it changes, and often has no rights on HelmReleases at all.
 * - Without a ServiceAccount the operator reads with its own rights, as before.
 */
import { API_VERSION, type HelmRelease } from '../../crds/generated/types.js';
import { statusOf } from '../../runtime/api-error.js';
import type { ReleaseDriverDeps } from './types.js';

/** The resource a tenant needs `get` on to read a HelmRelease. */
export const HELMRELEASES = { group: 'maglev.io', resource: 'helmreleases' } as const;

/** What reading another HelmRelease found: it, nothing (404), or a denial (message says who may not read what). */
export type HelmReleaseRead = { state: 'found'; hr: HelmRelease } | { state: 'missing' } | { state: 'denied'; message: string };

/** Who reads, from which namespace, and where from. */
export interface ReaderScope {
  /** Namespace of the HelmRelease that reads. */
  from: string;
  /** `system:serviceaccount:<ns>:<sa>` when the release runs as a ServiceAccount. */
  impersonate?: string;
  /** Serve from the informer cache when it holds the object (dependencies); else always read (claims). */
  cached: boolean;
  signal?: AbortSignal;
}

/** The message of a denied read of HelmRelease `namespace/name` by `who`. */
export function deniedMessage(who: string, namespace: string, name: string): string {
  return `access denied: ${who} may not get ${HELMRELEASES.resource}.${HELMRELEASES.group} "${name}" in namespace ${namespace}`;
}

/** Reads HelmRelease `namespace/name` for the release described by `reader`; see the module comment. */
export async function readHelmRelease(deps: Pick<ReleaseDriverDeps, 'objects' | 'releases' | 'access'>, reader: ReaderScope, namespace: string, name: string): Promise<HelmReleaseRead> {
  const who = reader.impersonate !== undefined && namespace !== reader.from ? reader.impersonate : undefined;
  const hit = reader.cached ? deps.releases?.get(namespace, name) : undefined;
  if (hit !== undefined && who === undefined) return { state: 'found', hr: hit };
  if (hit !== undefined && deps.access !== undefined && who !== undefined) {
    const answer = await deps.access.review({ user: who, verb: 'get', ...HELMRELEASES, namespace, name });
    return answer.allowed ? { state: 'found', hr: hit } : { state: 'denied', message: deniedMessage(who, namespace, name) };
  }
  try {
    const ref = { apiVersion: API_VERSION, kind: 'HelmRelease', namespace, name };
    const call = { ...(who === undefined ? {} : { impersonate: who }), ...(reader.signal === undefined ? {} : { signal: reader.signal }) };
    const got = await deps.objects.get<HelmRelease>(ref, call);
    return got === undefined ? { state: 'missing' } : { state: 'found', hr: got };
  } catch (err) {
    if (who !== undefined && statusOf(err) === 403) return { state: 'denied', message: deniedMessage(who, namespace, name) };
    throw err;
  }
}
