/**
 * The Secret layout of a Helm 3 release record (pkg/storage/driver/secrets.go) and the tiny store
 * interface {@link ReleaseStorage} writes through. Names: `sh.helm.release.v1.<release>.v<revision>`;
 * type `helm.sh/release.v1`; labels `name`, `owner=helm`, `status`, `version`, plus `createdAt` (unix
 * seconds) on create and `modifiedAt` on update, exactly as Helm sets them.
 *
 * Interop with the helm CLI: the operator stamps records it writes with ANNOTATIONS, never labels.
 * Helm ≥ 3.13 reads every non-system label of a record Secret back as a custom release label and copies it
 * onto the next revision (`helm upgrade`), so an operator label would leak onto records the operator never
 * wrote. Helm never reads Secret annotations, and its Update replaces the whole Secret, so a stamp
 * disappears as soon as helm itself rewrites a record: a stamp present means "last written by maglev".
 */

/** The Secret type of Helm 3 release records. */
export const RELEASE_SECRET_TYPE = 'helm.sh/release.v1';

/** Prefix of record names (Helm's `HelmStorageType`). */
export const RELEASE_NAME_PREFIX = 'sh.helm.release.v1';

/** The labels Helm reserves on record Secrets (`helm install --labels` may not use them). */
export const SYSTEM_LABELS: ReadonlySet<string> = new Set(['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt']);

/** Annotations the operator stamps on records it writes; see the module comment for why not labels. */
export const StampAnnotation = {
  /** UID of the HelmRelease whose reconcile wrote the record. */
  Owner: 'maglev.io/owner',
  /** Identity of the operator replica that wrote it (the leader-election holder identity). */
  Writer: 'maglev.io/writer',
  /** `namespace/name` of that HelmRelease, so another one can tell whether it still exists. */
  OwnerName: 'maglev.io/owner-name',
} as const;

/** Who writes: stamped on every record the operator creates or updates. */
export interface RecordStamp {
  ownerUid: string;
  writer: string;
  /** `namespace/name` of the owning HelmRelease (absent on records stamped before it was added). */
  ownerName?: string;
}

/** The Secret name of revision `version` of release `name`. */
export function recordSecretName(name: string, version: number): string {
  return `${RELEASE_NAME_PREFIX}.${name}.v${version}`;
}

/** One record Secret as the store sees it; `release` is the value Helm stores (base64 of gzip). */
export interface StoredSecret {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type: string;
  /** `data.release` after Kubernetes' own base64 is undone: Helm's base64(gzip(JSON)) text. */
  release: string;
  /** Set by the store on reads and writes; an update sends it back (optimistic concurrency). */
  resourceVersion?: string;
}

/**
 * Secret CRUD in one namespace. `list` matches every label of `selector`; `create` throws MaglevError
 * ReleaseExists when the name is taken; `update` throws Conflict (409) when `resourceVersion` is stale;
 * `delete` resolves false when the Secret was already gone.
 */
export interface SecretStore {
  list(namespace: string, selector: Record<string, string>): Promise<StoredSecret[]>;
  create(namespace: string, secret: StoredSecret): Promise<StoredSecret>;
  update(namespace: string, secret: StoredSecret): Promise<StoredSecret>;
  delete(namespace: string, name: string): Promise<boolean>;
}

/** Helm's label selector for the records of one release. */
export function releaseSelector(name: string): Record<string, string> {
  return { owner: 'helm', name };
}

/** The stamp annotations for `stamp`, or none. */
export function stampAnnotations(stamp: RecordStamp | undefined): Record<string, string> {
  if (stamp === undefined) return {};
  const out: Record<string, string> = { [StampAnnotation.Owner]: stamp.ownerUid, [StampAnnotation.Writer]: stamp.writer };
  if (stamp.ownerName !== undefined) out[StampAnnotation.OwnerName] = stamp.ownerName;
  return out;
}

/** The stamp on a stored record, when the operator wrote it last. */
export function stampOf(secret: Pick<StoredSecret, 'annotations'>): RecordStamp | undefined {
  const ownerUid = secret.annotations[StampAnnotation.Owner];
  const writer = secret.annotations[StampAnnotation.Writer];
  if (ownerUid === undefined || writer === undefined) return undefined;
  const ownerName = secret.annotations[StampAnnotation.OwnerName];
  return ownerName === undefined ? { ownerUid, writer } : { ownerUid, writer, ownerName };
}

/** The labels of a record Secret: the non-system labels it had, then Helm's system labels. */
export function recordLabels(
  name: string,
  status: string,
  version: number,
  custom: Record<string, string>,
  time: { createdAt?: number; modifiedAt?: number },
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(custom)) if (!SYSTEM_LABELS.has(k)) labels[k] = v;
  if (time.createdAt !== undefined) labels.createdAt = String(Math.floor(time.createdAt / 1000));
  if (time.modifiedAt !== undefined) labels.modifiedAt = String(Math.floor(time.modifiedAt / 1000));
  labels.name = name;
  labels.owner = 'helm';
  labels.status = status;
  labels.version = String(version);
  return labels;
}
