/**
 * Helm HTTP(S) repositories: `<repo>/index.yaml` (cached with a TTL per URL and credentials), the highest
 * version matching the range (exact string first, prereleases only when the range names one), the entry's
 * first URL resolved against the repository, and the archive checked against the index digest and
 * `verify.digest`. An archive whose index digest is already cached is not downloaded again.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, MaglevError } from '../../errors.js';
import { compileRange, pickVersion, sortVersionsDesc } from '../semver.js';
import { FETCH_DEFAULTS, finishArchive, parseDigestSpec, type FetchDeps, type FetchedChart } from './common.js';
import { authorizationFor, expectOk, httpGet, originOf, redactUrl, parseSpecUrl } from './httpclient.js';
import { parseRepoIndex, type IndexEntry, type RepoIndex } from './repoindex.js';

/** Where to look: repository URL, chart name, version range (default "*"), optional expected digest. */
export interface RepositoryChartRef {
  repository: string;
  name: string;
  version?: string;
  verifyDigest?: string;
}

function repoBase(repository: string): URL {
  const u = parseSpecUrl(repository, 'spec.chart.repository');
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/`;
  return u;
}

function credentialKey(deps: FetchDeps): string {
  const c = deps.credentials;
  if (c === undefined) return 'anonymous';
  return createHash('sha256').update(JSON.stringify([c.username ?? '', c.password ?? '', c.token ?? ''])).digest('hex');
}

/** Fetches and parses a repository index (through the cache when given). */
export async function fetchRepoIndex(repository: string, deps: FetchDeps): Promise<RepoIndex> {
  const base = repoBase(repository);
  const indexUrl = new URL('index.yaml', base);
  const load = async (): Promise<RepoIndex> => {
    const res = await httpGet(indexUrl.toString(), {
      what: 'repository index',
      maxBytes: deps.maxIndexBytes ?? FETCH_DEFAULTS.maxIndexBytes,
      tooLargeCode: ErrorCode.IndexInvalid,
      timeoutMs: deps.timeoutMs,
      credentialOrigin: originOf(base),
      authorization: authorizationFor(deps.credentials),
      ca: deps.credentials?.caFile,
    });
    return parseRepoIndex(expectOk(res, 'repository index').body, redactUrl(indexUrl));
  };
  if (deps.cache === undefined) return load();
  return deps.cache.index(`index ${indexUrl.toString()} ${credentialKey(deps)}`, load);
}

/** Picks the entry for `name` matching `range` from an index; ChartNotFound names the nearest versions. */
export function resolveEntry(index: RepoIndex, ref: RepositoryChartRef): IndexEntry {
  const range = compileRange(ref.version);
  const where = redactUrl(ref.repository);
  const versions = index.entries.get(ref.name);
  if (versions === undefined || versions.length === 0) {
    throw new MaglevError(ErrorCode.ChartNotFound, `chart "${ref.name}" not found in repository ${where}`, { where: 'spec.chart.name' });
  }
  const picked = pickVersion(versions.map((v) => v.version), range);
  const entry = versions.find((v) => v.version === picked);
  if (entry === undefined) {
    const nearest = sortVersionsDesc(versions.map((v) => v.version)).slice(0, 5).join(', ');
    throw new MaglevError(ErrorCode.ChartNotFound, `no version of chart "${ref.name}" in ${where} matches "${range.text}" (latest: ${nearest})`, { where: 'spec.chart.version' });
  }
  return entry;
}

/** Resolves and fetches a chart from a Helm HTTP(S) repository. */
export async function fetchFromRepository(ref: RepositoryChartRef, deps: FetchDeps): Promise<FetchedChart> {
  compileRange(ref.version);
  const verify = parseDigestSpec(ref.verifyDigest);
  const base = repoBase(ref.repository);
  const entry = resolveEntry(await fetchRepoIndex(ref.repository, deps), ref);
  const url = new URL(entry.urls[0] ?? '', base);
  const source = redactUrl(url);
  const indexDigest = entry.digest === undefined ? undefined : `sha256:${entry.digest}`;
  const expected = [
    { digest: indexDigest, what: 'the repository index' },
    { digest: verify, what: 'spec.chart.verify.digest' },
  ];
  const known = indexDigest ?? verify;
  const cachedArchive = known === undefined ? undefined : await deps.cache?.getArchive(known);
  if (cachedArchive !== undefined) return finishArchive(cachedArchive, deps, source, expected, true);
  const res = await httpGet(url.toString(), {
    what: `chart archive ${ref.name} ${entry.version}`,
    maxBytes: deps.maxArchiveBytes ?? FETCH_DEFAULTS.maxArchiveBytes,
    tooLargeCode: ErrorCode.ChartTooLarge,
    timeoutMs: deps.timeoutMs,
    credentialOrigin: originOf(base),
    authorization: authorizationFor(deps.credentials),
    ca: deps.credentials?.caFile,
  });
  return finishArchive(expectOk(res, 'chart archive').body, deps, source, expected);
}
