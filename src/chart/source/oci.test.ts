import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../../errors.js';
import { ChartCache } from '../cache.js';
import { pushChart, startRegistry, toolPath, type LocalRegistry } from '../testdata/registry.js';
import { startServer, type TestServer } from '../testdata/server.js';
import { chartTgz } from '../testdata/tarball.js';
import { fetchChart } from './index.js';
import { OCI_MEDIA, parseOciRef } from './oci.js';
import { httpGet } from './httpclient.js';
import { parseChallenge, RegistryClient } from './registry.js';

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return err as Error;
}

describe('OCI references and challenges', () => {
  it('splits oci:// references and refuses malformed ones', () => {
    expect(parseOciRef('oci://ghcr.io/stefanprodan/charts', 'podinfo')).toEqual({ host: 'ghcr.io', repository: 'stefanprodan/charts/podinfo' });
    expect(parseOciRef('oci://127.0.0.1:5000/', 'demo')).toEqual({ host: '127.0.0.1:5000', repository: 'demo' });
    expect(() => parseOciRef('oci://user:pw@host/x', 'demo')).toThrow(/not a valid OCI reference/);
    expect(() => parseOciRef('https://host/x', 'demo')).toThrow(/not a valid OCI reference/);
  });

  it('uses plain http only for loopback hosts or when insecure', () => {
    expect(new RegistryClient('registry.example.com').base).toBe('https://registry.example.com');
    expect(new RegistryClient('127.0.0.1:5000').base).toBe('http://127.0.0.1:5000');
    expect(new RegistryClient('localhost:5000').base).toBe('http://localhost:5000');
    expect(new RegistryClient('registry.lan:5000', { insecure: true }).base).toBe('http://registry.lan:5000');
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('Basic realm="x"')?.scheme).toBe('basic');
  });
});

describe('OCI with an in-test registry speaking the token flow', () => {
  let reg: TestServer;
  let cdn: TestServer;
  let archive: Buffer;
  let blob: Buffer;
  let layerMedia: string;
  const basic = `Basic ${Buffer.from('alice:pw').toString('base64')}`;

  beforeEach(async () => {
    reg = await startServer();
    cdn = await startServer();
    archive = await chartTgz('demo', {}, '1.1.0+build.1');
    blob = archive;
    layerMedia = OCI_MEDIA.chart;
    const challenge = `Bearer realm="${reg.url}/token",service="fake",scope="repository:charts/demo:pull"`;
    const authed = (handler: (res: import('node:http').ServerResponse, url: URL) => void) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const auth = req.headers.authorization;
      if (auth !== 'Bearer good-token' && auth !== 'Bearer static-token') {
        res.statusCode = 401;
        res.setHeader('www-authenticate', challenge);
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      handler(res, new URL(req.url ?? '/', reg.url));
    };
    reg.route('/token', (req, res) => {
      const url = new URL(req.url ?? '/', reg.url);
      const ok = req.headers.authorization === basic && url.searchParams.get('service') === 'fake' && url.searchParams.get('scope') === 'repository:charts/demo:pull';
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? '{"token":"good-token","expires_in":300}' : '{"details":"bad credentials"}');
    });
    reg.route('/v2/charts/demo/tags/list', authed((res, url) => {
      if (url.searchParams.get('last') === null) {
        res.setHeader('link', '</v2/charts/demo/tags/list?n=2&last=1.0.0>; rel="next"');
        res.end(JSON.stringify({ name: 'charts/demo', tags: ['0.9.0', '1.0.0'] }));
      } else res.end(JSON.stringify({ name: 'charts/demo', tags: ['1.1.0_build.1', '2.0.0-rc.1', 'latest'] }));
    }));
    reg.route(/^\/v2\/charts\/demo\/manifests\//, authed((res) => {
      res.setHeader('content-type', OCI_MEDIA.manifest);
      res.end(JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: OCI_MEDIA.config, digest: digestOf(Buffer.from('{}')), size: 2 },
        layers: [{ mediaType: layerMedia, digest: digestOf(archive), size: archive.length }],
      }));
    }));
    reg.route(/^\/v2\/charts\/demo\/blobs\//, authed((res) => {
      res.statusCode = 307;
      res.setHeader('location', `${cdn.url}/blob?sig=abc`);
      res.end();
    }));
    cdn.route('/blob', (_req, res) => void res.end(blob));
  });
  afterEach(async () => {
    await reg.close();
    await cdn.close();
  });

  const ref = (): { repository: string; name: string } => ({ repository: `oci://${reg.url.slice('http://'.length)}/charts`, name: 'demo' });

  it('pulls the highest matching tag through the token flow; credentials never reach the blob CDN', async () => {
    const got = await fetchChart(ref(), { credentials: { username: 'alice', password: 'pw' } });
    expect(got).toMatchObject({ name: 'demo', version: '1.1.0+build.1', digest: digestOf(archive) });
    expect(reg.seen.filter((s) => s.path === '/token').map((s) => s.headers.authorization)).toEqual([basic]);
    expect(reg.seen.filter((s) => s.path.startsWith('/v2/')).map((s) => s.path)).toContain('/v2/charts/demo/manifests/1.1.0_build.1');
    expect(cdn.seen.map((s) => s.headers.authorization)).toEqual([undefined]);
  });

  it('honours ranges, exact tags and prereleases', async () => {
    const creds = { credentials: { username: 'alice', password: 'pw' } };
    await fetchChart({ ...ref(), version: '2.0.0-rc.1' }, creds);
    expect(reg.seen.map((s) => s.path)).toContain('/v2/charts/demo/manifests/2.0.0-rc.1');
    await fetchChart({ ...ref(), version: '>=1.0.0 <1.1.0' }, creds);
    expect(reg.seen.map((s) => s.path)).toContain('/v2/charts/demo/manifests/1.0.0');
    const none = await failure(fetchChart({ ...ref(), version: '>=3.0.0' }, creds));
    expect(isMaglevError(none, ErrorCode.ChartNotFound)).toBe(true);
    expect(none.message).toMatch(/no tag of oci:\/\/127.0.0.1:\d+\/charts\/demo matches ">=3.0.0" \(latest: 2.0.0-rc.1, 1.1.0\+build.1, 1.0.0, 0.9.0\)/);
    expect((await fetchChart({ ...ref(), version: '~1.0.0' }, creds)).digest).toBe(digestOf(archive));
  });

  it('accepts a static bearer token', async () => {
    const got = await fetchChart(ref(), { credentials: { token: 'static-token' } });
    expect(got.version).toBe('1.1.0+build.1');
    expect(reg.seen.some((s) => s.path === '/token')).toBe(false);
  });

  it('fails clearly without credentials', async () => {
    const err = await failure(fetchChart(ref()));
    expect(isMaglevError(err, ErrorCode.ChartFetchFailed)).toBe(true);
    expect(err.message).toMatch(/registry token for tags of charts\/demo: GET http:\/\/127.0.0.1:\d+\/token\?… returned HTTP 401/);
  });

  it('refuses a blob whose content does not match its digest, and a non-chart layer', async () => {
    blob = Buffer.from('tampered');
    const bad = await failure(fetchChart(ref(), { credentials: { username: 'alice', password: 'pw' } }));
    expect(isMaglevError(bad, ErrorCode.DigestMismatch)).toBe(true);
    expect(bad.message).toMatch(/but the OCI manifest expects/);
    layerMedia = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const media = await failure(fetchChart(ref(), { credentials: { username: 'alice', password: 'pw' } }));
    expect(isMaglevError(media, ErrorCode.ChartInvalid)).toBe(true);
    expect(media.message).toMatch(/no layer of media type application\/vnd.cncf.helm.chart.content.v1.tar\+gzip/);
  });

  it('does not download a cached layer again', async () => {
    const cache = new ChartCache();
    const deps = { cache, credentials: { username: 'alice', password: 'pw' } };
    await fetchChart(ref(), deps);
    const again = await fetchChart(ref(), deps);
    expect(again.cached).toBe(true);
    expect(cdn.seen).toHaveLength(1);
  });
});

const registryBin = toolPath('registry', 'REGISTRY_VERSION');
const helmBin = toolPath('helm', 'HELM_VERSION');

describe.skipIf(registryBin === undefined)('OCI against the real registry binary (needs $HOME/.cache/maglev-operator registry)', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry(registryBin ?? '');
  }, 30_000);
  afterAll(async () => {
    await registry.stop();
  });

  it('pulls a chart pushed in Helm layout, picking the highest version', async () => {
    for (const v of ['0.1.0', '0.2.0', '0.3.0-beta.1']) {
      const tgz = await chartTgz('pushed', { 'values.yaml': `v: ${v}\n` }, v);
      await pushChart(registry.host, 'charts/pushed', v, tgz, { name: 'pushed', version: v });
    }
    const got = await fetchChart({ repository: `oci://${registry.host}/charts`, name: 'pushed' });
    expect(got).toMatchObject({ name: 'pushed', version: '0.2.0' });
    expect(got.chart.values).toEqual({ v: '0.2.0' });
  });

  it.skipIf(helmBin === undefined)('pulls a chart pushed by `helm push`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maglev-helm-'));
    try {
      const tgz = await chartTgz('helmpushed', {}, '1.2.3+meta');
      const file = join(dir, 'helmpushed-1.2.3+meta.tgz');
      await writeFile(file, tgz);
      const env = { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
      await promisify(execFile)(helmBin ?? '', ['push', file, `oci://${registry.host}/charts`, '--plain-http'], { env });
      const got = await fetchChart({ repository: `oci://${registry.host}/charts`, name: 'helmpushed', version: '^1.2.0' });
      expect(got).toMatchObject({ name: 'helmpushed', version: '1.2.3+meta', digest: digestOf(tgz) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('OCI plain-http policy', () => {
  it('refuses plain http to a non-loopback host unless insecure, before connecting', async () => {
    const err = await failure(httpGet('http://registry.example.invalid/v2/', { what: 'probe', maxBytes: 10, allowHttp: false }));
    expect(isMaglevError(err, ErrorCode.InvalidSpec)).toBe(true);
    expect(err.message).toMatch(/uses plain http; only https is accepted/);
  });
});

describe('OCI with basic auth', () => {
  it('answers a Basic challenge with the credentials, only to the registry', async () => {
    const reg = await startServer();
    try {
      const archive = await chartTgz('plain', {}, '0.1.0');
      const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
      const guard = (body: () => string | Buffer) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        if (req.headers.authorization !== basic) {
          res.statusCode = 401;
          res.setHeader('www-authenticate', 'Basic realm="registry"');
          return void res.end();
        }
        res.end(body());
      };
      reg.route('/v2/plain/tags/list', guard(() => JSON.stringify({ tags: ['0.1.0'] })));
      reg.route('/v2/plain/manifests/0.1.0', guard(() => JSON.stringify({ config: { mediaType: OCI_MEDIA.config }, layers: [{ mediaType: OCI_MEDIA.chart, digest: digestOf(archive), size: archive.length }] })));
      reg.route(`/v2/plain/blobs/${digestOf(archive)}`, guard(() => archive));
      const got = await fetchChart({ repository: `oci://${reg.url.slice('http://'.length)}`, name: 'plain' }, { credentials: { username: 'bob', password: 'pw' } });
      expect(got.name).toBe('plain');
      const denied = await failure(fetchChart({ repository: `oci://${reg.url.slice('http://'.length)}`, name: 'plain' }, { credentials: { username: 'bob', password: 'wrong' } }));
      expect(denied.message).toMatch(/returned HTTP 401 \(check the credentials/);
      expect(denied.message).not.toContain('wrong');
    } finally {
      await reg.close();
    }
  });
});
