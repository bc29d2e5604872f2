import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchChart } from '../chart/source/index.js';
import { startServer, sendBody, type TestServer } from '../chart/testdata/server.js';
import { FORCE_UPGRADE_PATH_ANNOTATION } from '../constants.js';
import type { MaglevDistro } from '../crds/index.js';
import type { KubeObject } from '../runtime/object.js';
import { bundleDigest, packBundle } from './bundle.js';
import { BUNDLE_MEDIA, BundleStore, parseOciBundleUrl } from './bundle-store.js';
import { comp, distro } from './testing/builders.js';
import { chartYaml, distroDir, GOOD, manifest } from './testing/bundles.js';
import { DistroWorld } from './testing/world.js';

/** The test bundle (distro shop) at `version`, with `upgradeFrom`, packed from a fresh directory. */
async function bundleAt(version: string, upgradeFrom = '>=0.9.0 <1.0.0', components = GOOD, pki = '1.0.0'): Promise<Buffer> {
  const dir = await distroDir(components);
  writeFileSync(join(dir, 'charts/pki/Chart.yaml'), chartYaml('pki', pki));
  const text = manifest(components).replace('version: 1.0.0', `version: ${version}`).replace('">=0.9.0 <1.0.0"', JSON.stringify(upgradeFrom));
  writeFileSync(join(dir, 'distro.yaml'), text);
  return (await packBundle(dir)).bundle;
}

function configMap(name: string, bundle: Buffer): KubeObject & Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, binaryData: { 'bundle.tgz': bundle.toString('base64') } };
}

/** A distro `d` using the bundle in ConfigMap `name`, with `extra` spec fields. */
function bundled(name: string, version: string, extra: Partial<MaglevDistro['spec']> = {}): MaglevDistro {
  return distro([], { version, bundle: { configMapRef: { name, key: 'bundle.tgz' } }, ...extra });
}

/** One reconcile whose error (a stall) is reported in status, not thrown at the test. */
async function attempt(w: DistroWorld): Promise<void> {
  await w.reconcile().catch(() => undefined);
}

async function converge(w: DistroWorld): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await w.reconcile();
    const moved = w.children().filter((c) => c.status?.observedGeneration !== c.metadata.generation);
    if (moved.length === 0) return;
    for (const c of moved) w.settle(c.metadata.labels?.['maglev.io/component'] ?? '');
  }
}

describe('distro driver with a bundle', () => {
  it('composes bundle components under inline overrides, serves charts by distroRef, and loads the bundle once per digest', async () => {
    const bundle = await bundleAt('1.0.0');
    const w = new DistroWorld(
      bundled('shop-1.0.0', '1.0.0', {
        values: { global: { team: 'a' } },
        components: [
          { name: 'web', values: { replicas: 3 }, release: { timeout: '2m' } },
          comp('extra', '1.0.0', { dependsOn: ['web'] }),
        ],
      }),
    );
    w.objects.put(configMap('shop-1.0.0', bundle));
    await converge(w);
    expect(w.condition('Ready')?.status).toBe('True');
    expect(w.distro().status?.components?.map((c) => `${c.name}@${c.chartVersion ?? ''}`)).toEqual(['pki@1.0.0', 'cache@1.2.3', 'db@12.1.0', 'web@2.0.0', 'extra@1.0.0']);
    const web = w.child('web')?.spec;
    const webChart = await w.bundles.componentChart(w.distro(), 'web');
    expect(web?.chart).toEqual({ distroRef: { name: 'd', component: 'web' }, version: '2.0.0', verify: { digest: bundleDigest(webChart.archive) } });
    expect(web?.values).toEqual({ global: { domain: 'shop.local', team: 'a' }, replicas: 3 });
    expect(web?.timeout).toBe('2m');
    expect(w.child('cache')?.spec.chart).toEqual({ repository: 'https://charts.example.com', name: 'redis', version: '1.2.3' });
    expect(w.child('db')?.metadata.annotations?.['maglev.io/depends-on']).toBe('pki');
    expect(w.distro().status?.plan?.steps?.find((s) => s.component === 'db')).toMatchObject({ action: 'none' });
    // Many passes, one parse of the one bundle; a chart is found by its digest without the distro.
    expect(w.bundleLoads).toEqual(['configmap:loaded']);
    expect((await w.bundles.componentChart(distro([]), 'nope', bundleDigest(webChart.archive))).archive.equals(webChart.archive)).toBe(true);
    // The child's fetch: the archive its distro serves, checked against the digest the distro planned.
    const fetched = await fetchChart(web?.chart ?? {}, { distroArchive: webChart });
    expect(`${fetched.name}@${fetched.version} ${fetched.source}`).toBe('web@2.0.0 ConfigMap ns/shop-1.0.0 key bundle.tgz: charts/web-2.0.0.tgz');
    const pki = await w.bundles.componentChart(w.distro(), 'pki');
    await expect(fetchChart(web?.chart ?? {}, { distroArchive: pki })).rejects.toMatchObject({ code: 'DigestMismatch' });
    await expect(fetchChart(web?.chart ?? {}, {})).rejects.toMatchObject({ code: 'InvalidSpec' });
  });

  it('stalls on a version mismatch and on a wrong verify.digest, naming both sides, with nothing applied', async () => {
    const bundle = await bundleAt('1.0.0');
    const w = new DistroWorld(bundled('shop', '1.1.0'));
    w.objects.put(configMap('shop', bundle));
    await attempt(w);
    expect(w.condition('Stalled')).toMatchObject({ status: 'True', reason: 'VersionMismatch' });
    expect(w.condition('Stalled')?.message).toContain('spec.version is 1.1.0, but the bundle ConfigMap ns/shop key bundle.tgz holds distro shop 1.0.0');
    expect(w.children()).toEqual([]);
    w.edit((s) => {
      s.version = '1.0.0';
      s.bundle = { configMapRef: { name: 'shop', key: 'bundle.tgz' }, verify: { digest: `sha256:${'0'.repeat(64)}` } };
    });
    await attempt(w);
    expect(w.condition('Stalled')).toMatchObject({ status: 'True', reason: 'DigestMismatch' });
    expect(w.condition('Stalled')?.message).toContain(`has digest ${bundleDigest(bundle)}, but spec.bundle.verify.digest expects sha256:000`);
    expect(w.children()).toEqual([]);
  });

  it('stalls a bundle whose composed graph is wrong or a component with no chart, naming the components', async () => {
    const w = new DistroWorld(bundled('shop', '1.0.0', { components: [{ name: 'pki', dependsOn: ['web'] }, { name: 'orphan' }] }));
    w.objects.put(configMap('shop', await bundleAt('1.0.0')));
    await attempt(w);
    expect(w.condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(w.condition('Stalled')?.message).toMatch(/components: dependency cycle: .*pki.*web/);
    expect(w.condition('Stalled')?.message).toContain('component orphan: has no chart');
    expect(w.children()).toEqual([]);
  });

  it('enforces upgradeFrom from the deployed version; the force annotation lets the upgrade through', async () => {
    const w = new DistroWorld(bundled('v1', '1.0.0'));
    w.objects.put(configMap('v1', await bundleAt('1.0.0')));
    w.objects.put(configMap('v3', await bundleAt('1.2.0', '>=1.1.0 <1.2.0')));
    w.objects.put(configMap('v2', await bundleAt('1.1.0', '>=1.0.0 <1.1.0', GOOD.replace('charts/web-2.0.0.tgz', 'charts/web-2.0.0.tgz, values: { v: 2 }'))));
    await converge(w);
    expect(w.distro().status?.version).toBe('1.0.0');
    w.edit((s) => {
      s.version = '1.2.0';
      s.bundle = { configMapRef: { name: 'v3', key: 'bundle.tgz' } };
    });
    const before = w.children().map((c) => c.metadata.generation);
    await attempt(w);
    expect(w.condition('Stalled')).toMatchObject({ status: 'True', reason: 'UpgradePathBlocked' });
    expect(w.condition('Stalled')?.message).toContain('distro 1.0.0 cannot upgrade to 1.2.0 directly: the 1.2.0 bundle accepts upgrades from ">=1.1.0 <1.2.0" only');
    expect(w.children().map((c) => c.metadata.generation)).toEqual(before);
    // The allowed path goes through.
    w.edit((s) => {
      s.version = '1.1.0';
      s.bundle = { configMapRef: { name: 'v2', key: 'bundle.tgz' } };
    });
    await converge(w);
    expect(w.distro().status).toMatchObject({ version: '1.1.0', revision: 2 });
    expect(w.child('web')?.spec.values).toMatchObject({ v: 2 });
    // Going back down is not an upgrade: upgradeFrom does not apply.
    w.edit((s) => {
      s.version = '1.0.0';
      s.bundle = { configMapRef: { name: 'v1', key: 'bundle.tgz' } };
    });
    await converge(w);
    expect(w.distro().status).toMatchObject({ version: '1.0.0', revision: 3 });
    w.edit((s) => {
      s.version = '1.2.0';
      s.bundle = { configMapRef: { name: 'v3', key: 'bundle.tgz' } };
    });
    await attempt(w);
    expect(w.condition('Stalled')?.reason).toBe('UpgradePathBlocked');
    w.objects.updateMeta('MaglevDistro', 'ns', 'd', { annotations: { [FORCE_UPGRADE_PATH_ANNOTATION]: 'true' } });
    await converge(w);
    expect(w.distro().status).toMatchObject({ version: '1.2.0', revision: 4 });
    expect(w.bundleLoads).toEqual(['configmap:loaded', 'configmap:loaded', 'configmap:loaded']);
  });

  it("keeps the last deployed revision's bundle loaded, also after a restart, so a rollback finds its charts", async () => {
    const w = new DistroWorld(bundled('v1', '1.0.0'));
    w.objects.put(configMap('v1', await bundleAt('1.0.0')));
    w.objects.put(configMap('v2', await bundleAt('1.1.0', '>=1.0.0 <1.1.0', GOOD, '1.1.0')));
    await converge(w);
    const oldPki = w.child('pki')?.spec.chart.verify?.digest ?? '';
    w.edit((s) => {
      s.version = '1.1.0';
      s.bundle = { configMapRef: { name: 'v2', key: 'bundle.tgz' } };
    });
    w.restart();
    await w.reconcile();
    expect(w.child('pki')?.spec.chart).toMatchObject({ version: '1.1.0' });
    expect(w.child('pki')?.spec.chart.verify?.digest).not.toBe(oldPki);
    // The new process loaded both bundles: the current one and the deployed revision's (from its record).
    expect(w.bundleLoads).toEqual(['configmap:loaded', 'configmap:loaded', 'configmap:loaded']);
    const served = await w.bundles.componentChart(distro([]), 'pki', oldPki);
    expect(served.source).toBe('ConfigMap ns/v1 key bundle.tgz: charts/pki-1.0.0.tgz');
    // Its loss does not block the change: the upgrade goes on.
    w.objects.objects.delete('ConfigMap ns/v1');
    w.restart();
    await converge(w);
    expect(w.distro().status).toMatchObject({ version: '1.1.0', revision: 2 });
  });
});

describe('bundle sources: URL and OCI', () => {
  let server: TestServer;
  let bundle: Buffer;
  beforeAll(async () => {
    server = await startServer();
    bundle = await bundleAt('1.0.0');
    server.route('/shop.tgz', sendBody(bundle));
    const config = Buffer.from('{}');
    const manifestJson = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: BUNDLE_MEDIA.config, digest: bundleDigest(config), size: 2 },
      layers: [{ mediaType: BUNDLE_MEDIA.layer, digest: bundleDigest(bundle), size: bundle.length }],
    });
    server.route('/v2/distros/shop/manifests/1.0.0', sendBody(manifestJson, 'application/vnd.oci.image.manifest.v1+json'));
    server.route(`/v2/distros/shop/blobs/${bundleDigest(bundle)}`, sendBody(bundle));
  });
  afterAll(() => server.close());

  const withUrl = (url: string, digest?: string): MaglevDistro => distro([], { version: '1.0.0', bundle: { url, ...(digest === undefined ? {} : { verify: { digest } }) } });

  it('downloads a URL once per refresh interval and an OCI blob once per digest', async () => {
    let now = 0;
    const loads: string[] = [];
    const store = new BundleStore({ objects: { get: () => Promise.resolve(undefined) }, now: () => now, onFetch: (s, r) => void loads.push(`${s}:${r}`) });
    const url = `${server.url}/shop.tgz`;
    expect((await store.forDistro(withUrl(url))).digest).toBe(bundleDigest(bundle));
    await store.forDistro(withUrl(url));
    expect(server.seen.filter((s) => s.path === '/shop.tgz')).toHaveLength(1);
    now += 10 * 60_000;
    await store.forDistro(withUrl(url));
    expect(server.seen.filter((s) => s.path === '/shop.tgz')).toHaveLength(2);
    expect(loads).toEqual(['url:loaded']);
    // With verify.digest, a bundle in memory is used without asking at all.
    await store.forDistro(withUrl(`${server.url}/elsewhere.tgz`, bundleDigest(bundle)));
    const oci = `oci://${server.url.replace('http://', '')}/distros/shop:1.0.0`;
    const got = await store.forDistro(withUrl(oci));
    expect(got.manifest.name).toBe('shop');
    expect(server.seen.filter((s) => s.path.startsWith('/v2/')).map((s) => s.path)).toEqual(['/v2/distros/shop/manifests/1.0.0']);
    const fresh = new BundleStore({ objects: { get: () => Promise.resolve(undefined) } });
    await fresh.forDistro(withUrl(oci));
    await fresh.forDistro(withUrl(oci));
    expect(server.seen.filter((s) => s.path.startsWith('/v2/distros/shop/blobs/'))).toHaveLength(1);
  });

  it('names what went wrong: a missing URL, a wrong digest, a bad reference', async () => {
    const store = new BundleStore({ objects: { get: () => Promise.resolve(undefined) } });
    const missing = await store.forDistro(withUrl(`${server.url}/missing.tgz`)).catch((e: unknown) => e as { code: string; message: string });
    expect((missing as { code: string }).code).toBe('BundleFetchFailed');
    expect((missing as { message: string }).message).toContain('returned HTTP 404');
    await expect(store.forDistro(withUrl(`${server.url}/shop.tgz`, `sha256:${'1'.repeat(64)}`))).rejects.toMatchObject({ code: 'DigestMismatch', terminal: true });
    expect(() => parseOciBundleUrl('oci://host/Upper:1')).toThrow(/not a valid OCI reference/);
    expect(parseOciBundleUrl('oci://127.0.0.1:5000/a/b:1.0.0')).toEqual({ host: '127.0.0.1:5000', repository: 'a/b', reference: '1.0.0' });
    expect(parseOciBundleUrl(`oci://r/a@sha256:${'a'.repeat(64)}`).reference).toBe(`sha256:${'a'.repeat(64)}`);
  });
});
