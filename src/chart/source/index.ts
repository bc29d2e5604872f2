/**
 * One entry point for every chart source: `fetchChart(spec.chart, deps)` picks the source (Helm HTTP(S)
 * repository, OCI registry, direct URL, ConfigMap), fetches, verifies digests, caches and loads the chart.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { finishArchive, parseDigestSpec, type ChartRef, type FetchDeps, type FetchedChart } from './common.js';
import { archiveFromConfigMap } from './configmap.js';
import { fetchFromRepository } from './http.js';
import { fetchFromOci } from './oci.js';
import { fetchFromUrl } from './url.js';

export type { ChartRef, ConfigMapData, FetchDeps, FetchedChart } from './common.js';
export type { Credentials } from './httpclient.js';

function invalid(message: string, where: string): MaglevError {
  return new MaglevError(ErrorCode.InvalidSpec, message, { where, terminal: true });
}

/**
 * Fetches the chart `ref` names. Exactly one of repository (+ name), url, configMapRef or distroRef must
 * be set; for distroRef the caller passes the archive (`deps.distroArchive`) the distro's bundle holds.
 */
export async function fetchChart(ref: ChartRef, deps: FetchDeps = {}): Promise<FetchedChart> {
  const set = [ref.repository, ref.url, ref.configMapRef, ref.distroRef].filter((x) => x !== undefined && x !== '');
  if (set.length !== 1) throw invalid('spec.chart must set exactly one of repository (with name), url, configMapRef or distroRef', 'spec.chart');
  const verifyDigest = ref.verify?.digest;
  if (ref.repository !== undefined && ref.repository !== '') {
    if (ref.name === undefined || ref.name === '') throw invalid('spec.chart.name is required with spec.chart.repository', 'spec.chart.name');
    const r = { repository: ref.repository, name: ref.name, version: ref.version, verifyDigest };
    return ref.repository.startsWith('oci://') ? fetchFromOci(r, deps) : fetchFromRepository(r, deps);
  }
  if (ref.url !== undefined && ref.url !== '') return fetchFromUrl(ref.url, verifyDigest, deps);
  if (ref.configMapRef !== undefined) {
    const archive = archiveFromConfigMap(deps.configMap, ref.configMapRef);
    const source = `configmap/${ref.configMapRef.name}[${ref.configMapRef.key}]`;
    return finishArchive(archive, deps, source, [{ digest: parseDigestSpec(verifyDigest), what: 'spec.chart.verify.digest' }]);
  }
  if (deps.distroArchive === undefined) throw invalid('spec.chart.distroRef: the archive of the distro component was not given', 'spec.chart.distroRef');
  return finishArchive(deps.distroArchive.archive, deps, deps.distroArchive.source, [{ digest: parseDigestSpec(verifyDigest), what: 'spec.chart.verify.digest' }]);
}
