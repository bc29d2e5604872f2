/**
 * `maglev history release|distro NAME`: the revisions, oldest first, as a table. A release's come from its
 * Helm records (the Secrets `helm history` reads: REVISION, UPDATED, STATUS, CHART, APP VERSION,
 * DESCRIPTION), completed by status.history for revisions whose record is gone or unreadable (no access to
 * Secrets: a note on stderr). A distro's come from its revision records (`maglev.distro.v1.<distro>.v<N>`
 * Secrets, src/distro/history.ts) completed by status.history the same way: REVISION, VERSION, STATUS,
 * DEPLOYED, PLAN, COMPONENTS (name=chartVersion#helmRevision), MESSAGE.
 */
import type { DistroRevision, HelmRelease, MaglevDistro, ReleaseSnapshot } from '../crds/index.js';
import { DistroHistory, historyEntry } from '../distro/history.js';
import { errorMessage } from '../errors.js';
import { KubeSecretStore, ReleaseStorage, type SecretStore, type StoredRelease } from '../release/index.js';
import type { KubeObject } from '../runtime/index.js';
import { kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, readObject, runCommand, Target, UsageError, type CliIO } from './kube.js';
import { cell, clip, shortId, table } from './table.js';

const usage = `Usage: maglev history release|distro NAME [-n NS]

Lists the revisions of a HelmRelease (its Helm records, as helm history) or of a MaglevDistro (its
revision records), oldest first.
${kubeUsage}`;

/** Longest description or message shown. */
const TEXT_WIDTH = 80;

/** One release revision from its record. */
function recordRow(s: StoredRelease): string[] {
  const r = s.record;
  const meta = r.chart?.metadata;
  const chart = meta?.name === undefined ? '-' : `${meta.name}-${meta.version ?? ''}`;
  return [String(r.version), cell(r.info.last_deployed), cell(r.info.status), chart, cell(meta?.appVersion), clip(r.info.description, TEXT_WIDTH)];
}

/** One release revision from status.history (no description there). */
function snapshotRow(s: ReleaseSnapshot, chartName: string): string[] {
  return [String(s.revision), cell(s.lastDeployed), s.status, s.chartVersion === undefined ? '-' : `${chartName}-${s.chartVersion}`, cell(s.appVersion), s.action === undefined ? '-' : `(${s.action}; record not readable)`];
}

/** The history table of a release from its records and status.history, oldest first. */
export function releaseHistory(hr: HelmRelease, records: readonly StoredRelease[]): string {
  const rows = new Map<number, string[]>();
  for (const s of hr.status?.history ?? []) rows.set(s.revision, snapshotRow(s, hr.status?.chartName ?? hr.spec.chart.name ?? ''));
  for (const s of records) rows.set(s.record.version, recordRow(s));
  const sorted = [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
  return table(['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION'], sorted);
}

/** The history table of a distro from its records (as status.history entries) and status.history, oldest first. */
export function distroHistory(d: MaglevDistro, records: readonly DistroRevision[]): string {
  const byRevision = new Map<number, DistroRevision>();
  for (const r of d.status?.history ?? []) byRevision.set(r.revision, r);
  for (const r of records) byRevision.set(r.revision, r);
  const rows = [...byRevision.values()]
    .sort((a, b) => a.revision - b.revision)
    .map((r) => [
      String(r.revision),
      cell(r.version),
      cell(r.status),
      cell(r.deployedAt),
      shortId(r.planId),
      (r.components ?? []).map((c) => `${c.name}=${c.chartVersion ?? '?'}${c.releaseRevision === undefined ? '' : `#${c.releaseRevision}`}`).join(',') || '-',
      clip(r.message ?? '', TEXT_WIDTH),
    ]);
  return table(['REVISION', 'VERSION', 'STATUS', 'DEPLOYED', 'PLAN', 'COMPONENTS', 'MESSAGE'], rows);
}

/** The Helm records of a release, or none with a note when they cannot be read. */
export async function releaseRecords(hr: HelmRelease, store: SecretStore, io: CliIO): Promise<StoredRelease[]> {
  const namespace = hr.status?.releaseNamespace ?? hr.spec.targetNamespace ?? hr.metadata.namespace ?? '';
  const name = hr.status?.releaseName ?? hr.spec.releaseName ?? hr.metadata.name ?? '';
  try {
    return await new ReleaseStorage(store, { namespace }).history(name);
  } catch (err) {
    io.stderr.write(`note: the Helm records of ${namespace}/${name} cannot be read (${errorMessage(err)}); showing status.history\n`);
    return [];
  }
}

/** The revision records of a distro as status.history entries, or none with a note when they cannot be read. */
export async function distroRecords(d: MaglevDistro, store: SecretStore, io: CliIO): Promise<DistroRevision[]> {
  try {
    return (await new DistroHistory(store).list(d)).map(historyEntry);
  } catch (err) {
    io.stderr.write(`note: the revision records of ${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''} cannot be read (${errorMessage(err)}); showing status.history\n`);
    return [];
  }
}

/** Runs `maglev history ...`; returns the exit code. */
export async function run(argv: string[], io: CliIO = process): Promise<number> {
  return runCommand('history', usage, io, async () => {
    const { values, positionals } = parseFlags(argv, kubeOptions);
    if (values.help === true) {
      io.stdout.write(usage);
      return 0;
    }
    const [word, name, ...extra] = positionals;
    const target = parseTarget(word);
    if (target === undefined) throw new UsageError(word === undefined ? 'expected: history release|distro NAME' : `unknown kind "${word}": expected release or distro`);
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one NAME');
    const session = openSession(values);
    try {
      const store = new KubeSecretStore(session.api);
      if (target === Target.Release) {
        const hr = await readObject<HelmRelease & KubeObject>(session, target, name);
        io.stdout.write(releaseHistory(hr, await releaseRecords(hr, store, io)));
      } else {
        const d = await readObject<MaglevDistro & KubeObject>(session, target, name);
        io.stdout.write(distroHistory(d, await distroRecords(d, store, io)));
      }
      return 0;
    } finally {
      session.close();
    }
  });
}
