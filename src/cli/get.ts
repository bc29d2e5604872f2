/**
 * `maglev get releases|distros [NAME] [-n NS | -A] [-o json|yaml]`: a kubectl-style table of HelmReleases
 * (NAME, READY, STATUS = the Ready reason, CHART, VERSION, REVISION, AGE, MESSAGE) or MaglevDistros (NAME,
 * VERSION, READY, PHASE = the Ready reason, PLAN = the short plan id, AWAITING APPROVAL, AGE), or the
 * objects themselves as JSON or YAML (managedFields left out, as `kubectl get -o` without --show-managed-fields).
 */
import yaml from 'js-yaml';
import { API_VERSION, type HelmRelease, type MaglevDistro } from '../crds/index.js';
import { stripManagedFields, type KubeObject } from '../runtime/index.js';
import { kindOf, kubeOptions, kubeUsage, openSession, parseFlags, parseTarget, readObject, runCommand, Target, UsageError, type CliIO } from './kube.js';
import { age, cell, clip, conditionOf, shortId, table } from './table.js';

const usage = `Usage: maglev get releases|distros [NAME] [-n NS | -A] [-o json|yaml]

Lists HelmReleases or MaglevDistros (or shows one) as a table; -o prints the objects.
  -A, --all-namespaces       list in every namespace (adds a NAMESPACE column)
  -o, --output FORMAT        json or yaml
${kubeUsage}`;

/** Longest Ready message shown in the release table. */
const MESSAGE_WIDTH = 60;

/** The chart name (deployed, else from the spec) and the deployed chart version. */
function releaseChart(hr: HelmRelease): [string, string] {
  const name = hr.status?.chartName ?? hr.spec.chart.name ?? hr.spec.chart.distroRef?.component ?? '';
  return [cell(name), cell(hr.status?.chartVersion)];
}

/** The table rows of HelmReleases: NAME, READY, STATUS, CHART, VERSION, REVISION, AGE, MESSAGE (NAMESPACE first with `withNamespace`). */
export function releaseRows(items: readonly HelmRelease[], nowMs: number, withNamespace: boolean): { header: string[]; rows: string[][] } {
  const header = ['NAME', 'READY', 'STATUS', 'CHART', 'VERSION', 'REVISION', 'AGE', 'MESSAGE'];
  const rows = items.map((hr) => {
    const ready = conditionOf(hr.status, 'Ready');
    const status = hr.spec.suspend === true ? 'Suspended' : cell(ready?.reason);
    const row = [cell(hr.metadata.name), cell(ready?.status), status, ...releaseChart(hr), cell(hr.status?.releaseRevision), age(hr.metadata.creationTimestamp, nowMs), clip(ready?.message ?? '', MESSAGE_WIDTH)];
    return withNamespace ? [cell(hr.metadata.namespace), ...row] : row;
  });
  return { header: withNamespace ? ['NAMESPACE', ...header] : header, rows };
}

/** The deployed version, with the wanted one after `->` while they differ. */
function distroVersion(d: MaglevDistro): string {
  const deployed = d.status?.version;
  if (deployed === undefined || deployed === '') return `->${d.spec.version}`;
  return deployed === d.spec.version ? deployed : `${deployed}->${d.spec.version}`;
}

/** The table rows of MaglevDistros: NAME, VERSION, READY, PHASE, PLAN, AWAITING APPROVAL, AGE (NAMESPACE first with `withNamespace`). */
export function distroRows(items: readonly MaglevDistro[], nowMs: number, withNamespace: boolean): { header: string[]; rows: string[][] } {
  const header = ['NAME', 'VERSION', 'READY', 'PHASE', 'PLAN', 'AWAITING APPROVAL', 'AGE'];
  const rows = items.map((d) => {
    const ready = conditionOf(d.status, 'Ready');
    const phase = d.spec.paused === true ? 'Paused' : cell(ready?.reason);
    const awaiting = conditionOf(d.status, 'AwaitingApproval')?.status === 'True' ? 'True' : 'False';
    const row = [cell(d.metadata.name), distroVersion(d), cell(ready?.status), phase, shortId(d.status?.plan?.id), awaiting, age(d.metadata.creationTimestamp, nowMs)];
    return withNamespace ? [cell(d.metadata.namespace), ...row] : row;
  });
  return { header: withNamespace ? ['NAMESPACE', ...header] : header, rows };
}

/** The objects as `-o json|yaml` prints them: one object alone, several in a v1 List. */
export function printObjects(objects: readonly KubeObject[], single: boolean, format: 'json' | 'yaml'): string {
  const clean = objects.map((o) => stripManagedFields(o as Record<string, unknown>));
  const doc = single ? clean[0] : { apiVersion: 'v1', kind: 'List', items: clean, metadata: { resourceVersion: '' } };
  return format === 'json' ? `${JSON.stringify(doc, null, 4)}\n` : yaml.dump(doc, { noRefs: true, lineWidth: -1 });
}

/** Sorted by namespace, then name, as kubectl lists. */
function byName(a: KubeObject, b: KubeObject): number {
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  return key(a).localeCompare(key(b));
}

/** Runs `maglev get ...`; returns the exit code. */
export async function run(argv: string[], io: CliIO = process, nowMs = Date.now()): Promise<number> {
  return runCommand('get', usage, io, async () => {
    const { values, positionals } = parseFlags(argv, { ...kubeOptions, 'all-namespaces': { type: 'boolean', short: 'A' }, output: { type: 'string', short: 'o' } });
    if (values.help === true) {
      io.stdout.write(usage);
      return 0;
    }
    const [word, name, ...extra] = positionals;
    const target = parseTarget(word);
    if (target === undefined) throw new UsageError(word === undefined ? 'name what to get: releases or distros' : `unknown kind "${word}": expected releases or distros`);
    if (extra.length > 0) throw new UsageError(`one NAME at most, got ${positionals.length - 1}`);
    const all = values['all-namespaces'] === true;
    if (all && name !== undefined) throw new UsageError('a NAME cannot be used with --all-namespaces');
    const format = values.output;
    if (format !== undefined && format !== 'json' && format !== 'yaml') throw new UsageError(`-o ${format}: expected json or yaml`);
    const session = openSession(values);
    try {
      let items: KubeObject[];
      if (name !== undefined) items = [await readObject(session, target, name)];
      else items = (await session.objects.list({ apiVersion: API_VERSION, kind: kindOf(target), namespace: all ? '' : session.namespace })).items.sort(byName);
      if (format !== undefined) {
        io.stdout.write(printObjects(items, name !== undefined, format));
        return 0;
      }
      if (items.length === 0) {
        io.stderr.write(all ? 'No resources found\n' : `No resources found in ${session.namespace} namespace.\n`);
        return 0;
      }
      const shown = target === Target.Release ? releaseRows(items as HelmRelease[], nowMs, all) : distroRows(items as MaglevDistro[], nowMs, all);
      io.stdout.write(table(shown.header, shown.rows));
      return 0;
    } finally {
      session.close();
    }
  });
}
