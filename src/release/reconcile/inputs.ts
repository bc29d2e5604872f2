/**
 * The desired state of a release, from the HelmRelease and what it references: `valuesFrom` ConfigMaps and
 * Secrets (read through the API, impersonating when the release does) composed under the inline values,
 * the chart fetched from its source (repository credentials from `spec.chart.secretRef`, the archive of
 * `spec.chart.configMapRef`), prepared (subcharts, coalesced values, values.schema.json) and the digest of
 * the user-supplied values the planner compares with the stored revision's.
 */
import { composeValues, type ValuesSource } from '../../chart/valuesfrom.js';
import { prepareChart, type PreparedChart } from '../../chart/dependencies.js';
import { parseDigestSpec, type ConfigMapData, type FetchedChart } from '../../chart/source/common.js';
import type { Credentials } from '../../chart/source/httpclient.js';
import type { Values } from '../../chart/types.js';
import { valuesDigest } from '../../chart/values.js';
import type { HelmReleaseSpec } from '../../crds/generated/types.js';
import { ErrorCode, MaglevError } from '../../errors.js';
import { during } from '../../runtime/activity.js';
import type { CallOptions, TargetRef } from '../../runtime/apply.js';
import { isRecord, type KubeObject } from '../../runtime/object.js';
import type { ReleaseDriverDeps } from './types.js';

/** What the release should be: the chart as fetched and as prepared, the user values and their digest. */
export interface DesiredRelease {
  fetched: FetchedChart;
  prepared: PreparedChart;
  /** User-supplied values (valuesFrom + inline): Helm's `config`, what `helm get values` shows. */
  config: Values;
  /** valuesDigest of `config`. */
  digest: string;
}

type Data = { data?: Record<string, string>; binaryData?: Record<string, string> };

function ref(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): TargetRef {
  return { apiVersion: 'v1', kind, namespace, name };
}

function strings(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

export async function readData(deps: { objects: Pick<ReleaseDriverDeps['objects'], 'get'> }, target: TargetRef, call: CallOptions): Promise<Data | undefined> {
  const obj = await deps.objects.get<KubeObject & Record<string, unknown>>(target, call);
  if (obj === undefined) return undefined;
  const out: Data = {};
  const data = strings(obj.data);
  const binaryData = strings(obj.binaryData);
  if (data !== undefined) out.data = data;
  if (binaryData !== undefined) out.binaryData = binaryData;
  return out;
}

/** The text under `key`: ConfigMap data as is, binaryData and every Secret value base64-decoded. */
function entry(kind: 'ConfigMap' | 'Secret', d: Data | undefined, key: string): string | undefined {
  if (d === undefined) return undefined;
  const own = (m: Record<string, string> | undefined): string | undefined => (m !== undefined && Object.hasOwn(m, key) ? m[key] : undefined);
  if (kind === 'ConfigMap') {
    const text = own(d.data);
    if (text !== undefined) return text;
  }
  const b64 = kind === 'Secret' ? own(d.data) : own(d.binaryData);
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** The `valuesFrom` sources with their contents (undefined when the object or key is missing). */
export async function readValuesSources(deps: Pick<ReleaseDriverDeps, 'objects'>, namespace: string, spec: HelmReleaseSpec, call: CallOptions): Promise<ValuesSource[]> {
  const out: ValuesSource[] = [];
  for (const v of spec.valuesFrom ?? []) {
    const content = entry(v.kind, await readData(deps, ref(v.kind, namespace, v.name), call), v.key);
    const source: ValuesSource = { kind: v.kind, name: v.name, key: v.key, content };
    if (v.optional !== undefined) source.optional = v.optional;
    if (v.targetPath !== undefined) source.targetPath = v.targetPath;
    out.push(source);
  }
  return out;
}

/** Repository credentials from the Secret of `spec.chart.secretRef` (username/password, token, caFile). */
export async function readCredentials(deps: { objects: Pick<ReleaseDriverDeps['objects'], 'get'> }, namespace: string, name: string, call: CallOptions): Promise<Credentials> {
  const d = await readData(deps, ref('Secret', namespace, name), call);
  if (d === undefined) {
    throw new MaglevError(ErrorCode.ChartFetchFailed, `spec.chart.secretRef: Secret ${namespace}/${name} not found`, { where: 'spec.chart.secretRef' });
  }
  const creds: Credentials = {};
  for (const key of ['username', 'password', 'token', 'caFile'] as const) {
    const value = entry('Secret', d, key);
    if (value !== undefined) creds[key] = value;
  }
  return creds;
}

/** Resolves the desired release; chart and values errors keep their codes (ChartNotFound, ValuesInvalid…). */
export async function resolveDesired(
  deps: Pick<ReleaseDriverDeps, 'objects' | 'fetchChart' | 'chartCache' | 'distroChart'>,
  namespace: string,
  spec: HelmReleaseSpec,
  call: CallOptions,
  kubeVersion: string | undefined,
): Promise<DesiredRelease> {
  const config = composeValues(await readValuesSources(deps, namespace, spec, call), spec.values);
  const { secretRef, configMapRef } = spec.chart;
  const credentials = secretRef === undefined ? undefined : await readCredentials(deps, namespace, secretRef.name, call);
  let configMap: ConfigMapData | undefined;
  if (configMapRef !== undefined) configMap = await readData(deps, ref('ConfigMap', namespace, configMapRef.name), call);
  let distroArchive: { archive: Buffer; source: string } | undefined;
  const { distroRef } = spec.chart;
  if (distroRef !== undefined) {
    if (deps.distroChart === undefined) throw new MaglevError(ErrorCode.ChartNotFound, 'spec.chart.distroRef: this operator serves no distro bundles', { where: 'spec.chart.distroRef', terminal: true });
    distroArchive = await deps.distroChart(namespace, distroRef, parseDigestSpec(spec.chart.verify?.digest), call.signal);
  }
  const fetched = await during(`fetching chart ${spec.chart.name ?? spec.chart.url ?? distroRef?.component ?? ''}`, () => deps.fetchChart(spec.chart, {
    ...(deps.chartCache === undefined ? {} : { cache: deps.chartCache }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(configMap === undefined ? {} : { configMap }),
    ...(distroArchive === undefined ? {} : { distroArchive }),
  }));
  const prepared = prepareChart(fetched.chart, config, kubeVersion === undefined ? {} : { kubeVersion });
  return { fetched, prepared, config, digest: valuesDigest(config) };
}
