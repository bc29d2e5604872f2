/**
 * A chart archive at a direct URL (`spec.chart.url`). Always downloaded (a URL may change content), then
 * checked against `verify.digest` when given; credentials go only to the URL's own origin.
 */
import { ErrorCode } from '../../errors.js';
import { FETCH_DEFAULTS, finishArchive, parseDigestSpec, type FetchDeps, type FetchedChart } from './common.js';
import { authorizationFor, expectOk, httpGet, originOf, redactUrl, parseSpecUrl } from './httpclient.js';

/** Downloads, verifies and loads the archive at `url`. */
export async function fetchFromUrl(url: string, verifyDigest: string | undefined, deps: FetchDeps): Promise<FetchedChart> {
  const verify = parseDigestSpec(verifyDigest);
  const parsed = parseSpecUrl(url, 'spec.chart.url');
  const res = await httpGet(parsed.toString(), {
    what: 'chart archive',
    maxBytes: deps.maxArchiveBytes ?? FETCH_DEFAULTS.maxArchiveBytes,
    tooLargeCode: ErrorCode.ChartTooLarge,
    timeoutMs: deps.timeoutMs,
    credentialOrigin: originOf(parsed),
    authorization: authorizationFor(deps.credentials),
    ca: deps.credentials?.caFile,
  });
  return finishArchive(expectOk(res, 'chart archive').body, deps, redactUrl(parsed), [{ digest: verify, what: 'spec.chart.verify.digest' }]);
}
