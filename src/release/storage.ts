/**
 * Helm-compatible release storage (pkg/storage/storage.go over the Secrets driver) in one namespace:
 * history, latest, deployed, create with maxHistory pruning, update, delete. Records are read with
 * Helm's selector `owner=helm,name=<release>`; a Secret that does not decode is skipped (reported through
 * `onSkip`), as Helm's driver does. Updates are guarded by the resourceVersion last seen, so two writers
 * cannot silently overwrite each other.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { decodeRelease, encodeRelease } from './codec.js';
import { ReleaseStatus, type ReleaseRecord } from './record.js';
import {
  RELEASE_SECRET_TYPE,
  StampAnnotation,
  recordLabels,
  recordSecretName,
  releaseSelector,
  stampAnnotations,
  stampOf,
  type RecordStamp,
  type SecretStore,
  type StoredSecret,
} from './secrets.js';

/** Kubernetes' limit on the data of one Secret; a record's encoded form must fit in it. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** A decoded record with the Secret it lives in. */
export interface StoredRelease {
  record: ReleaseRecord;
  secret: StoredSecret;
  /** Set when the operator wrote the record last (see secrets.ts). */
  stamp: RecordStamp | undefined;
  /** When the Secret was last written (its modifiedAt, else createdAt label), in ms; undefined if unknown. */
  writtenAtMs: number | undefined;
}

/** Options for {@link ReleaseStorage}. */
export interface ReleaseStorageOptions {
  namespace: string;
  /** Records kept per release, the newest first (0 or absent: unlimited). Applied on create. */
  maxHistory?: number;
  /** Stamped on every record written; omit to write records exactly as the helm CLI would. */
  stamp?: RecordStamp;
  clock?: Pick<Clock, 'now'>;
  /** Encoded size limit (default {@link MAX_RECORD_BYTES}). */
  maxRecordBytes?: number;
  /** Told about each record Secret that cannot be decoded (it is skipped). */
  onSkip?: (secretName: string, error: MaglevError) => void;
  /**
   * List each release's records from the API server once, then keep that list current from this storage's
   * own writes (create, update, delete). For a storage that lives one reconcile pass: the release is locked
   * (pending-*) while the pass writes, and every update is still guarded by the resourceVersion it read.
   */
  listOnce?: boolean;
}

/** Release records of one namespace; see the module comment. */
export class ReleaseStorage {
  private readonly known = new Map<string, StoredSecret>();
  /** With `listOnce`: each release's records as listed, then as written here, by version. */
  private readonly listed = new Map<string, Map<number, StoredRelease>>();

  constructor(
    private readonly store: SecretStore,
    private readonly options: ReleaseStorageOptions,
  ) {}

  /** Every decodable revision of release `name`, oldest first. */
  async history(name: string): Promise<StoredRelease[]> {
    const kept = this.listed.get(name);
    if (kept !== undefined) return [...kept.values()].sort((a, b) => a.record.version - b.record.version);
    const out = await this.query(releaseSelector(name), name);
    if (this.options.listOnce === true) this.listed.set(name, new Map(out.map((s) => [s.record.version, s])));
    return out;
  }

  /** The highest revision, whatever its status. */
  async latest(name: string): Promise<StoredRelease | undefined> {
    return (await this.history(name)).at(-1);
  }

  /** The highest revision with status deployed (Helm takes the newest when several claim it). */
  async deployed(name: string): Promise<StoredRelease | undefined> {
    return (await this.history(name)).filter((s) => s.record.info.status === ReleaseStatus.Deployed).at(-1);
  }

  /** Revision `version` of release `name`, if stored. */
  async get(name: string, version: number): Promise<StoredRelease | undefined> {
    const kept = this.listed.get(name);
    if (kept !== undefined) return kept.get(version);
    return (await this.query({ ...releaseSelector(name), version: String(version) }, name))[0];
  }

  /**
   * Stores a new revision. Throws ReleaseTooLarge (terminal) when the encoded record exceeds the limit,
   * before anything is written; then prunes to make room (maxHistory), then creates (ReleaseExists if taken).
   */
  async create(record: ReleaseRecord): Promise<StoredRelease> {
    const release = this.encode(record);
    const max = this.options.maxHistory ?? 0;
    if (max > 0) await this.prune(record.name, max - 1);
    const secret: StoredSecret = {
      name: recordSecretName(record.name, record.version),
      labels: recordLabels(record.name, record.info.status, record.version, {}, { createdAt: this.now() }),
      annotations: stampAnnotations(this.options.stamp),
      type: RELEASE_SECRET_TYPE,
      release,
    };
    return this.kept(this.remember(record, await this.guarded(record.name, this.store.create(this.options.namespace, secret))));
  }

  /**
   * Rewrites an existing revision (status changes, hook runs). Keeps the Secret's custom labels and
   * non-stamp annotations; Conflict when someone else wrote it since this storage last read it.
   */
  async update(record: ReleaseRecord): Promise<StoredRelease> {
    const release = this.encode(record);
    const name = recordSecretName(record.name, record.version);
    const current = this.known.get(name) ?? (await this.get(record.name, record.version))?.secret;
    if (current === undefined) {
      throw new MaglevError(ErrorCode.ReleaseNotFound, `release ${this.options.namespace}/${name} does not exist`, { where: name });
    }
    const secret: StoredSecret = {
      name,
      labels: recordLabels(record.name, record.info.status, record.version, current.labels, { modifiedAt: this.now() }),
      annotations: { ...withoutStamp(current.annotations), ...stampAnnotations(this.options.stamp) },
      type: RELEASE_SECRET_TYPE,
      release,
    };
    if (current.resourceVersion !== undefined) secret.resourceVersion = current.resourceVersion;
    return this.kept(this.remember(record, await this.guarded(record.name, this.store.update(this.options.namespace, secret))));
  }

  /** Deletes revision `version`; false when it was already gone. */
  async delete(name: string, version: number): Promise<boolean> {
    const secretName = recordSecretName(name, version);
    this.known.delete(secretName);
    const deleted = await this.guarded(name, this.store.delete(this.options.namespace, secretName));
    this.listed.get(name)?.delete(version);
    return deleted;
  }

  /**
   * Helm's removeLeastRecent: deletes the oldest revisions until at most `keep` remain, never the newest
   * deployed one. Returns how many were deleted; every deletion is attempted, the first error rethrown.
   */
  async prune(name: string, keep: number): Promise<number> {
    if (keep < 0) return 0;
    const history = await this.history(name);
    if (history.length <= keep) return 0;
    const deployed = history.filter((s) => s.record.info.status === ReleaseStatus.Deployed).at(-1);
    const doomed: number[] = [];
    for (const s of history) {
      if (history.length - doomed.length === keep) break;
      if (s !== deployed) doomed.push(s.record.version);
    }
    const errors: unknown[] = [];
    for (const version of doomed) {
      await this.delete(name, version).catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) {
      const first = errors[0];
      throw first instanceof Error ? first : new Error(String(first));
    }
    return doomed.length;
  }

  /** Deletes every revision of `name` (uninstall without keepHistory); returns how many. */
  async purge(name: string): Promise<number> {
    const history = await this.history(name);
    for (const s of history) await this.delete(name, s.record.version);
    return history.length;
  }

  private async query(selector: Record<string, string>, name: string): Promise<StoredRelease[]> {
    const secrets = await this.store.list(this.options.namespace, selector);
    const out: StoredRelease[] = [];
    for (const secret of secrets) {
      let record: ReleaseRecord;
      try {
        record = decodeRelease(secret.release, `Secret ${this.options.namespace}/${secret.name}`);
      } catch (err) {
        if (!(err instanceof MaglevError)) throw err;
        this.options.onSkip?.(secret.name, err);
        continue;
      }
      if (record.name !== name) continue;
      out.push(this.remember(record, secret));
    }
    return out.sort((a, b) => a.record.version - b.record.version);
  }

  private encode(record: ReleaseRecord): string {
    const release = encodeRelease(record);
    const limit = this.options.maxRecordBytes ?? MAX_RECORD_BYTES;
    if (release.length > limit) {
      const where = `${this.options.namespace}/${recordSecretName(record.name, record.version)}`;
      throw new MaglevError(
        ErrorCode.ReleaseTooLarge,
        `release record ${where} is ${release.length} bytes encoded, over the ${limit}-byte Secret limit; ` +
          'make the chart smaller (large files outside templates/, big values or CRDs)',
        { terminal: true, where },
      );
    }
    return release;
  }

  /** Keeps a written record in the list of its release, when that list is kept. */
  private kept(stored: StoredRelease): StoredRelease {
    this.listed.get(stored.record.name)?.set(stored.record.version, stored);
    return stored;
  }

  /** A write that failed leaves the kept list of its release unknown: it is listed again on the next read. */
  private async guarded<T>(name: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (err) {
      this.listed.delete(name);
      throw err;
    }
  }

  private remember(record: ReleaseRecord, secret: StoredSecret): StoredRelease {
    this.known.set(secret.name, secret);
    const seconds = Number(secret.labels.modifiedAt ?? secret.labels.createdAt);
    return { record, secret, stamp: stampOf(secret), writtenAtMs: Number.isFinite(seconds) ? seconds * 1000 : undefined };
  }

  private now(): number {
    return this.options.clock?.now() ?? Date.now();
  }
}

function withoutStamp(annotations: Record<string, string>): Record<string, string> {
  const out = { ...annotations };
  for (const key of Object.values(StampAnnotation)) delete out[key];
  return out;
}
