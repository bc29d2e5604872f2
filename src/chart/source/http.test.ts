import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../../errors.js';
import { ChartCache } from '../cache.js';
import { chartTgz } from '../testdata/tarball.js';
import { sendBody, startServer, type TestServer } from '../testdata/server.js';
import { fetchChart } from './index.js';

const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return err as Error & { code?: string };
}

interface Version {
  version: string;
  url?: string;
  digest?: string | null;
}

function indexYaml(versions: Version[], name = 'demo'): string {
  const lines = versions.map((v) => {
    const digest = v.digest === null ? '' : `\n      digest: ${v.digest ?? 'DIGEST'}`;
    return `    - name: ${name}\n      version: "${v.version}"\n      urls: ["${v.url ?? `charts/${name}-${v.version}.tgz`}"]${digest}`;
  });
  return `apiVersion: v1\nentries:\n  ${name}:\n${lines.join('\n')}\n`;
}

describe('Helm HTTP repositories', () => {
  let repo: TestServer;
  const archives = new Map<string, Buffer>();

  beforeEach(async () => {
    repo = await startServer();
    for (const v of ['1.0.0', '1.1.0', '2.0.0-rc.1']) archives.set(v, await chartTgz('demo', { 'values.yaml': `v: "${v}"\n` }, v));
    for (const [v, buf] of archives) repo.route(`/charts/demo-${v}.tgz`, sendBody(buf));
  });
  afterEach(async () => {
    await repo.close();
  });

  function serveIndex(versions: Version[], path = '/index.yaml'): void {
    const text = indexYaml(versions).replace(/version: "([^"]+)"\n(\s+)urls: (\[[^\]]*\])\n\s+digest: DIGEST/g, (_m, v: string, sp: string, urls: string) => `version: "${v}"\n${sp}urls: ${urls}\n${sp}digest: ${hex(archives.get(v) ?? Buffer.alloc(0))}`);
    repo.route(path, sendBody(text, 'text/yaml'));
  }

  it.each([
    ['*', undefined, '1.1.0'],
    ['a caret range', '^1.0.0', '1.1.0'],
    ['an exact version', '1.0.0', '1.0.0'],
    ['a range naming a prerelease', '>=2.0.0-0', '2.0.0-rc.1'],
    ['an exact prerelease', '2.0.0-rc.1', '2.0.0-rc.1'],
    ['comma-separated comparators', '>=1.0.0, <1.1.0', '1.0.0'],
  ])('resolves %s', async (_what, version, want) => {
    serveIndex([{ version: '1.0.0' }, { version: '1.1.0' }, { version: '2.0.0-rc.1' }, { version: 'not-semver', digest: null }]);
    const got = await fetchChart({ repository: `${repo.url}/`, name: 'demo', version });
    expect(got.version).toBe(want);
    expect(got.chart.values).toEqual({ v: want });
    expect(got.digest).toBe(`sha256:${hex(archives.get(want) ?? Buffer.alloc(0))}`);
    expect(got.source).toBe(`${repo.url}/charts/demo-${want}.tgz`);
  });

  it('resolves chart URLs relative to a repository path and absolute URLs as given', async () => {
    const other = await startServer();
    try {
      other.route('/elsewhere/demo.tgz', sendBody(archives.get('1.1.0') ?? Buffer.alloc(0)));
      serveIndex([{ version: '1.0.0' }], '/sub/dir/index.yaml');
      repo.route('/sub/dir/charts/demo-1.0.0.tgz', sendBody(archives.get('1.0.0') ?? Buffer.alloc(0)));
      expect((await fetchChart({ repository: `${repo.url}/sub/dir`, name: 'demo', version: '1.0.0' })).source).toBe(`${repo.url}/sub/dir/charts/demo-1.0.0.tgz`);
      serveIndex([{ version: '1.1.0', url: `${other.url}/elsewhere/demo.tgz` }], '/abs/index.yaml');
      expect((await fetchChart({ repository: `${repo.url}/abs`, name: 'demo' })).source).toBe(`${other.url}/elsewhere/demo.tgz`);
    } finally {
      await other.close();
    }
  });

  it('caches the index for its TTL and does not download an unchanged chart again', async () => {
    serveIndex([{ version: '1.0.0' }, { version: '1.1.0' }]);
    let now = 0;
    const cache = new ChartCache({ now: () => now });
    const a = await fetchChart({ repository: repo.url, name: 'demo' }, { cache });
    const b = await fetchChart({ repository: repo.url, name: 'demo' }, { cache });
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(b.chart).toBe(a.chart);
    expect(repo.seen.map((s) => s.path)).toEqual(['/index.yaml', '/charts/demo-1.1.0.tgz']);
    now += 5 * 60 * 1000 + 1;
    await fetchChart({ repository: repo.url, name: 'demo' }, { cache });
    expect(repo.seen.map((s) => s.path)).toEqual(['/index.yaml', '/charts/demo-1.1.0.tgz', '/index.yaml']);
    expect(cache.stats()).toMatchObject({ indexHits: 1, indexMisses: 2, archiveHits: 2, archiveMisses: 1, archives: 1 });
  });

  it.each([
    ['404 on the index', (s: TestServer) => s.route('/index.yaml', sendBody('gone', 'text/plain', 404)), ErrorCode.ChartNotFound, /repository index: GET http:\/\/127.0.0.1:\d+\/index.yaml returned HTTP 404/],
    ['500 on the index', (s: TestServer) => s.route('/index.yaml', sendBody('boom', 'text/plain', 500)), ErrorCode.ChartFetchFailed, /returned HTTP 500/],
    ['a malformed index', (s: TestServer) => s.route('/index.yaml', sendBody('apiVersion: v1\nentries: [\n')), ErrorCode.IndexInvalid, /index.yaml:\d+: invalid YAML/],
    ['an index without apiVersion', (s: TestServer) => s.route('/index.yaml', sendBody('entries: {}\n')), ErrorCode.IndexInvalid, /no apiVersion/],
    ['an empty index', (s: TestServer) => s.route('/index.yaml', sendBody('')), ErrorCode.IndexInvalid, /the index is empty/],
    ['duplicate versions', (s: TestServer) => s.route('/index.yaml', sendBody(indexYaml([{ version: '1.0.0' }, { version: 'v1.0.0' }]))), ErrorCode.IndexInvalid, /lists version v1.0.0 twice \(as 1.0.0 and v1.0.0\)/],
    ['a chart missing from the index', (s: TestServer) => s.route('/index.yaml', sendBody(indexYaml([{ version: '1.0.0' }], 'other'))), ErrorCode.ChartNotFound, /chart "demo" not found in repository/],
  ])('reports %s', async (_what, setup, code, text) => {
    setup(repo);
    const err = await failure(fetchChart({ repository: repo.url, name: 'demo' }));
    expect(isMaglevError(err, code), `${String(err.code)}: ${err.message}`).toBe(true);
    expect(err.message).toMatch(text);
  });

  it('skips entries with control characters or non-SemVer versions', async () => {
    const bell = indexYaml([{ version: '1.0.0', digest: null }, { version: '9.9.9', url: 'charts/x\\u0007.tgz', digest: null }]);
    expect(bell).toContain('x\\u0007.tgz');
    repo.route('/index.yaml', sendBody(bell));
    expect((await fetchChart({ repository: repo.url, name: 'demo' })).version).toBe('1.0.0');
  });

  it('names the nearest versions when none matches, and refuses an invalid range before any request', async () => {
    serveIndex([{ version: '1.0.0' }, { version: '1.1.0' }]);
    const none = await failure(fetchChart({ repository: repo.url, name: 'demo', version: '>=3' }));
    expect(isMaglevError(none, ErrorCode.ChartNotFound)).toBe(true);
    expect(none.message).toMatch(/no version of chart "demo" in .* matches ">=3" \(latest: 1.1.0, 1.0.0\)/);
    const bad = await failure(fetchChart({ repository: repo.url, name: 'demo', version: '>=1.2.x.y' }));
    expect(isMaglevError(bad, ErrorCode.InvalidSpec)).toBe(true);
    expect(bad.message).toMatch(/spec.chart.version: ">=1.2.x.y" is not a valid SemVer range/);
    expect(repo.seen.filter((s) => s.path === '/index.yaml')).toHaveLength(1);
  });

  it('refuses an index over the cap and an archive over the cap', async () => {
    serveIndex([{ version: '1.0.0' }]);
    const idx = await failure(fetchChart({ repository: repo.url, name: 'demo' }, { maxIndexBytes: 64 }));
    expect(isMaglevError(idx, ErrorCode.IndexInvalid)).toBe(true);
    expect(idx.message).toMatch(/repository index at .* is larger than the cap of 64 bytes/);
    const arc = await failure(fetchChart({ repository: repo.url, name: 'demo' }, { maxArchiveBytes: 100 }));
    expect(isMaglevError(arc, ErrorCode.ChartTooLarge)).toBe(true);
  });

  it('refuses redirects to other schemes and redirect loops', async () => {
    const redirect = (to: string) => (_req: unknown, res: { statusCode: number; setHeader: (k: string, v: string) => void; end: () => void }) => {
      res.statusCode = 302;
      res.setHeader('location', to);
      res.end();
    };
    repo.route('/index.yaml', redirect('file:///etc/passwd'));
    const file = await failure(fetchChart({ repository: repo.url, name: 'demo' }));
    expect(isMaglevError(file, ErrorCode.ChartFetchFailed)).toBe(true);
    expect(file.message).toMatch(/file:\/\/\/etc\/passwd \(reached by a redirect\) must use http or https/);
    repo.route('/loop/index.yaml', redirect('/loop/index.yaml'));
    const loop = await failure(fetchChart({ repository: `${repo.url}/loop`, name: 'demo' }));
    expect(loop.message).toMatch(/too many redirects/);
  });

  it('times out a server that does not answer', async () => {
    repo.route('/index.yaml', () => undefined);
    const err = await failure(fetchChart({ repository: repo.url, name: 'demo' }, { timeoutMs: 200 }));
    expect(isMaglevError(err, ErrorCode.ChartFetchFailed)).toBe(true);
    expect(err.message).toMatch(/GET http:\/\/127.0.0.1:\d+\/index.yaml timed out after 200 ms/);
  });

  it('reports a network error with the URL', async () => {
    const err = await failure(fetchChart({ repository: 'http://127.0.0.1:1/charts', name: 'demo' }, { timeoutMs: 2000 }));
    expect(isMaglevError(err, ErrorCode.ChartFetchFailed)).toBe(true);
    expect(err.message).toMatch(/GET http:\/\/127.0.0.1:1\/charts\/index.yaml failed: .*ECONNREFUSED/);
  });

  it('refuses an archive whose digest differs from the index or from verify.digest', async () => {
    repo.route('/index.yaml', sendBody(indexYaml([{ version: '1.0.0', digest: 'a'.repeat(64) }])));
    const err = await failure(fetchChart({ repository: repo.url, name: 'demo' }));
    expect(isMaglevError(err, ErrorCode.DigestMismatch)).toBe(true);
    expect(err.message).toMatch(/but the repository index expects sha256:a{64}/);
  });

  it('accepts a matching verify.digest and refuses a malformed one', async () => {
    serveIndex([{ version: '1.0.0' }]);
    const digest = `sha256:${hex(archives.get('1.0.0') ?? Buffer.alloc(0))}`;
    expect((await fetchChart({ repository: repo.url, name: 'demo', verify: { digest } })).digest).toBe(digest);
    const wrong = await failure(fetchChart({ repository: repo.url, name: 'demo', verify: { digest: `sha256:${'b'.repeat(64)}` } }));
    expect(isMaglevError(wrong, ErrorCode.DigestMismatch)).toBe(true);
    expect(wrong.message).toMatch(/but spec.chart.verify.digest expects sha256:b{64}/);
    const bad = await failure(fetchChart({ repository: repo.url, name: 'demo', verify: { digest: 'md5:abc' } }));
    expect(isMaglevError(bad, ErrorCode.InvalidSpec)).toBe(true);
  });
});

describe('credentials', () => {
  let repo: TestServer;
  let other: TestServer;
  const creds = { username: 'alice', password: 's3cret-pw' };
  const basic = `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`;

  beforeEach(async () => {
    repo = await startServer();
    other = await startServer();
  });
  afterEach(async () => {
    await repo.close();
    await other.close();
  });

  it('sends basic auth to the repository, and neither to another origin nor across a redirect', async () => {
    const archive = await chartTgz('demo');
    const guard = (ok: () => void) => (req: { headers: { authorization?: string } }, res: { statusCode: number; end: (b?: string) => void }) => {
      if (req.headers.authorization !== basic) {
        res.statusCode = 401;
        res.end('auth required');
      } else ok();
    };
    repo.route('/index.yaml', (req, res) => guard(() => res.end(indexYaml([{ version: '1.0.0', url: `${repo.url}/redirect/demo.tgz`, digest: null }])))(req, res));
    repo.route('/redirect/demo.tgz', (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${other.url}/cdn/demo.tgz`);
      res.end();
    });
    other.route('/cdn/demo.tgz', sendBody(archive));
    const got = await fetchChart({ repository: repo.url, name: 'demo' }, { credentials: creds });
    expect(got.version).toBe('1.0.0');
    expect(repo.seen.map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/index.yaml', basic],
      ['/redirect/demo.tgz', basic],
    ]);
    expect(other.seen.map((s) => [s.path, s.headers.authorization])).toEqual([['/cdn/demo.tgz', undefined]]);
  });

  it('fails with a hint and without the password when credentials are wrong', async () => {
    repo.route('/index.yaml', sendBody('no', 'text/plain', 401));
    const err = await failure(fetchChart({ repository: repo.url, name: 'demo' }, { credentials: creds }));
    expect(isMaglevError(err, ErrorCode.ChartFetchFailed)).toBe(true);
    expect(err.message).toMatch(/HTTP 401 \(check the credentials in spec.chart.secretRef\)/);
    expect(err.message).not.toContain('s3cret');
  });

  it('sends a bearer token', async () => {
    repo.route('/index.yaml', sendBody(indexYaml([{ version: '1.0.0', digest: null }])));
    repo.route('/charts/demo-1.0.0.tgz', sendBody(await chartTgz('demo')));
    await fetchChart({ repository: repo.url, name: 'demo' }, { credentials: { token: 'tok' } });
    expect(repo.seen.every((s) => s.headers.authorization === 'Bearer tok')).toBe(true);
  });
});

describe('direct URL and ConfigMap sources', () => {
  it('downloads a direct URL and checks verify.digest', async () => {
    const s = await startServer();
    try {
      const archive = await chartTgz('direct', {}, '3.0.0');
      s.route('/direct-3.0.0.tgz', sendBody(archive));
      const got = await fetchChart({ url: `${s.url}/direct-3.0.0.tgz?sig=secret`, verify: { digest: `sha256:${hex(archive)}` } });
      expect(got).toMatchObject({ name: 'direct', version: '3.0.0', source: `${s.url}/direct-3.0.0.tgz?…` });
      const err = await failure(fetchChart({ url: `${s.url}/direct-3.0.0.tgz`, verify: { digest: `sha256:${'0'.repeat(64)}` } }));
      expect(isMaglevError(err, ErrorCode.DigestMismatch)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('reads binaryData from a ConfigMap and names a missing key', async () => {
    const archive = await chartTgz('fromcm');
    const cm = { binaryData: { 'chart.tgz': archive.toString('base64') } };
    expect((await fetchChart({ configMapRef: { name: 'c', key: 'chart.tgz' } }, { configMap: cm })).name).toBe('fromcm');
    const err = await failure(fetchChart({ configMapRef: { name: 'c', key: 'other.tgz' } }, { configMap: cm }));
    expect(isMaglevError(err, ErrorCode.ChartNotFound)).toBe(true);
    expect(err.message).toBe('ConfigMap "c" key "other.tgz": key not found (keys: chart.tgz)');
  });

  it('refuses a spec.chart with no source or two sources', async () => {
    expect(isMaglevError(await failure(fetchChart({})), ErrorCode.InvalidSpec)).toBe(true);
    expect(isMaglevError(await failure(fetchChart({ url: 'http://x/y.tgz', repository: 'http://x' })), ErrorCode.InvalidSpec)).toBe(true);
  });
});

describe('URLs with credentials', () => {
  it('refuses userinfo in repository and chart URLs (credentials belong in secretRef) without echoing it', async () => {
    for (const ref of [{ repository: 'https://user:pw@charts.example.com', name: 'x' }, { url: 'https://user:pw@charts.example.com/x.tgz' }]) {
      const err = await failure(fetchChart(ref));
      expect(isMaglevError(err, ErrorCode.InvalidSpec)).toBe(true);
      expect(err.message).toMatch(/must not contain credentials/);
      expect(err.message).not.toContain('pw');
    }
  });
});
