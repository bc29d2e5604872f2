/**
 * Helm charts in OCI registries (`oci://host/path` + chart name): tags listed (Helm stores `+` as `_`),
 * the highest version matching the range picked, the image manifest read, the Helm chart layer
 * (`application/vnd.cncf.helm.chart.content.v1.tar+gzip`) fetched and checked against its digest.
 * A layer already in the cache is not downloaded again.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { isTable } from '../objects.js';
import { compileRange, parseChartVersion, pickVersion, sortVersionsDesc } from '../semver.js';
import { FETCH_DEFAULTS, finishArchive, parseDigestSpec, type FetchDeps, type FetchedChart } from './common.js';
import { RegistryClient } from './registry.js';

/** Media types of Helm's OCI layout. */
export const OCI_MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.cncf.helm.config.v1+json',
  chart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  legacyChart: 'application/tar+gzip',
} as const;

/** An OCI chart reference split into registry host and repository path. */
export interface OciRef {
  host: string;
  repository: string;
}

/** Parses `oci://host[:port]/path` plus a chart name into host and repository (`path/name`). */
export function parseOciRef(repository: string, name: string): OciRef {
  const m = /^oci:\/\/([^/?#]+)(\/[^?#]*)?$/.exec(repository.trim());
  const host = m?.[1];
  if (host === undefined || /[@\s]/.test(host) || !/^[a-z0-9._/-]*$/.test(`${(m?.[2] ?? '').replace(/^\/+|\/+$/g, '')}/${name}`)) {
    throw new MaglevError(ErrorCode.InvalidSpec, `spec.chart.repository "${repository}" with name "${name}" is not a valid OCI reference (accepted: oci://host[:port]/path and a lowercase chart name)`, { where: 'spec.chart.repository', terminal: true });
  }
  const path = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { host, repository: path === '' ? name : `${path}/${name}` };
}

async function listTags(client: RegistryClient, repo: string): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo}/tags/list`;
  for (let page = 0; path !== undefined && page < 100; page++) {
    const res = await client.get(path, `tags of ${repo}`, 'application/json', 10 * 1024 * 1024, ErrorCode.IndexInvalid);
    const body = parseJson(res.body, `tags of ${repo}`);
    const list = isTable(body) ? body.tags : undefined;
    if (list !== null && list !== undefined && !Array.isArray(list)) throw invalidResponse(`tags of ${repo}`, '"tags" is not a list');
    for (const t of list ?? []) if (typeof t === 'string') tags.push(t);
    const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
    path = link === undefined ? undefined : new URL(link, client.base).pathname + new URL(link, client.base).search;
  }
  return tags;
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (err) {
    throw invalidResponse(what, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function invalidResponse(what: string, why: string): MaglevError {
  return new MaglevError(ErrorCode.ChartFetchFailed, `${what}: invalid registry response: ${why}`, { where: what });
}

interface Layer {
  digest: string;
  size: number;
}

function chartLayer(manifest: unknown, what: string): Layer {
  if (!isTable(manifest)) throw invalidResponse(what, 'manifest is not an object');
  const config = manifest.config;
  if (isTable(config) && typeof config.mediaType === 'string' && config.mediaType !== OCI_MEDIA.config) {
    throw new MaglevError(ErrorCode.ChartInvalid, `${what}: config media type ${config.mediaType} is not a Helm chart (${OCI_MEDIA.config})`, { where: what, terminal: true });
  }
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  const layer: unknown = layers.find((l: unknown) => isTable(l) && (l.mediaType === OCI_MEDIA.chart || l.mediaType === OCI_MEDIA.legacyChart));
  if (!isTable(layer) || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest)) {
    throw new MaglevError(ErrorCode.ChartInvalid, `${what}: no layer of media type ${OCI_MEDIA.chart} with a sha256 digest`, { where: what, terminal: true });
  }
  return { digest: layer.digest, size: typeof layer.size === 'number' ? layer.size : 0 };
}

/** Resolves and pulls a chart from an OCI registry. */
export async function fetchFromOci(ref: { repository: string; name: string; version?: string; verifyDigest?: string }, deps: FetchDeps): Promise<FetchedChart> {
  const range = compileRange(ref.version);
  const verify = parseDigestSpec(ref.verifyDigest);
  const { host, repository } = parseOciRef(ref.repository, ref.name);
  const client = new RegistryClient(host, { credentials: deps.credentials, timeoutMs: deps.timeoutMs, insecure: deps.insecure });
  const where = `oci://${host}/${repository}`;
  const versions = (await listTags(client, repository)).map((t) => t.replace(/_/g, '+')).filter((v) => parseChartVersion(v) !== undefined);
  const version = pickVersion(versions, range);
  if (version === undefined) {
    const nearest = sortVersionsDesc(versions).slice(0, 5).join(', ');
    throw new MaglevError(ErrorCode.ChartNotFound, `no tag of ${where} matches "${range.text}" (latest: ${nearest === '' ? 'none' : nearest})`, { where: 'spec.chart.version' });
  }
  const what = `${where}:${version}`;
  const maxBytes = deps.maxArchiveBytes ?? FETCH_DEFAULTS.maxArchiveBytes;
  const manifestRes = await client.get(`/v2/${repository}/manifests/${version.replace(/\+/g, '_')}`, `manifest of ${what}`, OCI_MEDIA.manifest, 4 * 1024 * 1024);
  const layer = chartLayer(parseJson(manifestRes.body, `manifest of ${what}`), `manifest of ${what}`);
  if (layer.size > maxBytes) throw new MaglevError(ErrorCode.ChartTooLarge, `${what}: chart layer of ${layer.size} bytes is over the cap of ${maxBytes} bytes`, { where: what });
  const expected = [
    { digest: layer.digest, what: 'the OCI manifest' },
    { digest: verify, what: 'spec.chart.verify.digest' },
  ];
  const cached = await deps.cache?.getArchive(layer.digest);
  if (cached !== undefined) return finishArchive(cached, deps, what, expected, true);
  const blob = await client.get(`/v2/${repository}/blobs/${layer.digest}`, `chart layer of ${what}`, '*/*', maxBytes);
  return finishArchive(blob.body, deps, what, expected);
}
