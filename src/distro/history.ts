/**
 * Durable distro history: one Secret per distro revision in the distro's namespace, in the spirit of Helm's
 * release records (`maglev.distro.v1.<distro>.v<revision>`, type `maglev.io/distro.v1`, labels owner,
 * maglev.io/distro, status, version), holding base64(gzip(JSON)) of the revision: version, status, when,
 * the plan it carried out, the bundle it came from (spec.bundle), and per component the chart version, Helm revision, values digest and the full
 * child spec, so a rollback target survives a lost status (a restore from backup, a re-applied GitOps
 * object). The status label is the truth for a record's status; the newest records are kept (10).
 *
 * The records of a distro are listed once per process and then kept current by this store's own writes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ErrorCode, MaglevError } from '../errors.js';
import type { DistroBundle, DistroRevision, DistroRevisionStatus, MaglevDistro } from '../crds/index.js';
import type { SecretStore, StoredSecret } from '../release/secrets.js';
import type { BaselineComponent } from './plan.js';

/** Secret type of a distro record. */
export const DISTRO_RECORD_TYPE = 'maglev.io/distro.v1';

/** Distro revisions kept, in status.history and as records. */
export const MAX_DISTRO_HISTORY = 10;

/** Largest decoded record accepted. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** One distro revision, as its record keeps it. */
export interface DistroRecord {
  revision: number;
  version: string;
  status: DistroRevisionStatus;
  deployedAt: string;
  planId: string;
  message?: string;
  /** spec.bundle of the distro at this revision: where its bundle components' charts come from. */
  bundle?: DistroBundle;
  components: BaselineComponent[];
}

/** The record Secret name of `revision` of `distro`. */
export function distroRecordName(distro: string, revision: number): string {
  return `maglev.distro.v1.${distro}.v${revision}`;
}

/** Labels selecting every record of `distro`. */
export function distroRecordSelector(distro: string): Record<string, string> {
  return { owner: 'maglev', 'maglev.io/distro': distro };
}

/** base64(gzip(JSON)) of a record, without its status (the label holds it). */
export function encodeDistroRecord(record: DistroRecord): string {
  return gzipSync(Buffer.from(JSON.stringify(record), 'utf8')).toString('base64');
}

/** A record from its Secret text; MaglevError ReleaseCorrupt naming the Secret when unreadable. */
export function decodeDistroRecord(secret: Pick<StoredSecret, 'name' | 'release' | 'labels'>): DistroRecord {
  try {
    const json = gunzipSync(Buffer.from(secret.release, 'base64'), { maxOutputLength: MAX_RECORD_BYTES }).toString('utf8');
    const record = JSON.parse(json) as DistroRecord;
    if (typeof record.revision !== 'number' || !Array.isArray(record.components)) throw new Error('not a distro record');
    const status = secret.labels.status as DistroRevisionStatus | undefined;
    return status === undefined ? record : { ...record, status };
  } catch (err) {
    throw new MaglevError(ErrorCode.DistroRecordInvalid, `distro record Secret ${secret.name} cannot be read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      where: secret.name,
    });
  }
}

/** A record as a status.history entry. */
export function historyEntry(record: DistroRecord): DistroRevision {
  const entry: DistroRevision = {
    revision: record.revision,
    version: record.version,
    status: record.status,
    deployedAt: record.deployedAt,
    planId: record.planId,
    components: record.components.map((c) => {
      const out: NonNullable<DistroRevision['components']>[number] = { name: c.name, chartVersion: c.chartVersion };
      if (c.releaseRevision !== undefined) out.releaseRevision = c.releaseRevision;
      if (c.valuesDigest !== undefined) out.valuesDigest = c.valuesDigest;
      return out;
    }),
  };
  if (record.message !== undefined) entry.message = record.message;
  return entry;
}

interface Loaded {
  secrets: Map<number, StoredSecret>;
  records: Map<number, DistroRecord>;
}

/** The records of distros; see the module comment. */
export class DistroHistory {
  private readonly loaded = new Map<string, Loaded>();

  constructor(private readonly store: SecretStore) {}

  /** Every record of `distro`, newest first. */
  async list(distro: MaglevDistro): Promise<DistroRecord[]> {
    const l = await this.load(distro);
    return [...l.records.values()].sort((a, b) => b.revision - a.revision);
  }

  /** The newest deployed record of `distro`, if any. */
  async deployed(distro: MaglevDistro): Promise<DistroRecord | undefined> {
    return (await this.list(distro)).find((r) => r.status === 'deployed');
  }

  /**
   * Stores `record` (its revision must be new). When it is deployed, the previous deployed record becomes
   * superseded. Records beyond {@link MAX_DISTRO_HISTORY} are deleted, oldest first.
   */
  async write(distro: MaglevDistro, record: DistroRecord): Promise<void> {
    const ns = distro.metadata.namespace ?? '';
    const name = distro.metadata.name ?? '';
    const l = await this.load(distro);
    if (record.status === 'deployed') {
      for (const [rev, r] of l.records) {
        const secret = l.secrets.get(rev);
        if (r.status !== 'deployed' || secret === undefined) continue;
        const updated = await this.store.update(ns, { ...secret, labels: { ...secret.labels, status: 'superseded' } });
        l.secrets.set(rev, updated);
        l.records.set(rev, { ...r, status: 'superseded' });
      }
    }
    const secret: StoredSecret = {
      name: distroRecordName(name, record.revision),
      labels: { ...distroRecordSelector(name), status: record.status, version: record.version, revision: String(record.revision) },
      annotations: {},
      type: DISTRO_RECORD_TYPE,
      release: encodeDistroRecord(record),
    };
    l.secrets.set(record.revision, await this.store.create(ns, secret));
    l.records.set(record.revision, record);
    const old = [...l.records.keys()].sort((a, b) => b - a).slice(MAX_DISTRO_HISTORY);
    for (const rev of old) {
      await this.store.delete(ns, distroRecordName(name, rev));
      l.records.delete(rev);
      l.secrets.delete(rev);
    }
  }

  /** Deletes every record of `distro` (its finalizer, once every child is gone). */
  async purge(distro: MaglevDistro): Promise<void> {
    const ns = distro.metadata.namespace ?? '';
    for (const secret of await this.store.list(ns, distroRecordSelector(distro.metadata.name ?? ''))) {
      await this.store.delete(ns, secret.name);
    }
    this.loaded.delete(distro.metadata.uid ?? '');
  }

  private async load(distro: MaglevDistro): Promise<Loaded> {
    const key = distro.metadata.uid ?? '';
    const known = this.loaded.get(key);
    if (known !== undefined) return known;
    const secrets = await this.store.list(distro.metadata.namespace ?? '', distroRecordSelector(distro.metadata.name ?? ''));
    const l: Loaded = { secrets: new Map(), records: new Map() };
    for (const s of secrets) {
      if (s.type !== DISTRO_RECORD_TYPE) continue;
      const record = decodeDistroRecord(s);
      l.secrets.set(record.revision, s);
      l.records.set(record.revision, record);
    }
    this.loaded.set(key, l);
    return l;
  }
}
