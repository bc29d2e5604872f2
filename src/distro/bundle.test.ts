import { describe, expect, it } from 'vitest';
import { writeArchive } from '../chart/archive.js';
import { isMaglevError } from '../errors.js';
import { bundleDigest, inspectBundle, loadBundle, packBundle } from './bundle.js';
import { chartYaml, distroDir, GOOD, manifest } from './testing/bundles.js';

/** A bundle archive of `files` as given (not through pack), to test what inspect rejects. */
function rawBundle(files: Record<string, string | Buffer>): Promise<Buffer> {
  return writeArchive(Object.entries(files).map(([path, data]) => ({ path, data: Buffer.from(data) })));
}

describe('distro bundles', () => {
  it('packs a directory reproducibly (chart directories packaged, archives kept), and reads back levels and charts', async () => {
    const dir = await distroDir();
    const a = await packBundle(dir);
    const b = await packBundle(dir);
    expect(bundleDigest(a.bundle)).toBe(bundleDigest(b.bundle));
    expect(a.report.digest).toBe(bundleDigest(a.bundle));
    const report = await loadBundle(a.bundle, 'shop.tgz');
    expect([...report.files.keys()].sort()).toEqual(['charts/db-12.1.0.tgz', 'charts/pki-1.0.0.tgz', 'charts/web-2.0.0.tgz', 'distro.yaml']);
    expect(report.manifest.components.map((c) => c.chart)).toEqual(['charts/pki-1.0.0.tgz', 'charts/db-12.1.0.tgz', 'charts/web-2.0.0.tgz', { repository: 'https://charts.example.com', name: 'redis', version: '1.2.3' }]);
    expect(report.manifest).toMatchObject({ name: 'shop', version: '1.0.0', upgradeFrom: '>=0.9.0 <1.0.0', values: { global: { domain: 'shop.local' } } });
    expect(report.levels).toEqual([['pki'], ['cache', 'db'], ['web']]);
    expect([...report.charts.values()].map((c) => `${c.path} ${c.name}@${c.version}`)).toEqual([
      'charts/pki-1.0.0.tgz pki@1.0.0',
      'charts/db-12.1.0.tgz db@12.1.0',
      'charts/web-2.0.0.tgz web@2.0.0',
    ]);
  });

  it('lists every problem of a bad manifest: fields, a cycle, an unknown dependency, a missing chart', async () => {
    const bad = `  - { name: a, chart: charts/a-1.0.0.tgz, dependsOn: [b], class: huge }
  - { name: b, chart: charts/b-1.0.0.tgz, dependsOn: [a], upgradePolicy: Sometimes }
  - { name: c, chart: charts/a-1.0.0.tgz, dependsOn: [ghost] }
  - { name: Bad_Name }
`;
    const a = await writeArchive([{ path: 'a/Chart.yaml', data: Buffer.from(chartYaml('a', '1.0.0')) }]);
    const report = await inspectBundle(await rawBundle({ 'distro.yaml': manifest(bad).replace('version: 1.0.0', 'version: one'), 'charts/a-1.0.0.tgz': a }), 'bad.tgz');
    expect(report.problems).toEqual([
      'distro.yaml: version: "one" is not a semantic version; expected e.g. 1.4.0',
      'distro.yaml: components[0].class: "huge" is not one of core, stateful, stateless',
      'distro.yaml: components[1].upgradePolicy: "Sometimes" is not one of Automatic, Manual',
      'distro.yaml: components[3].name: "Bad_Name" is not a DNS label (lowercase letters, digits, \'-\')',
      'distro.yaml: components[3].chart: is required: a path inside the bundle (charts/x-1.0.0.tgz) or { repository, name, version }',
    ]);
    const graph = await inspectBundle(await rawBundle({ 'distro.yaml': manifest(bad.split('\n').slice(0, 3).join('\n').replace(/, class: huge|, upgradePolicy: Sometimes/g, '')), 'charts/a-1.0.0.tgz': a }), 'bad.tgz');
    expect(graph.problems).toEqual([
      'distro.yaml: components[1].chart: charts/b-1.0.0.tgz is not in the bundle',
      'distro.yaml: components[2].dependsOn[0]: "ghost" is not a component of this distro',
      'distro.yaml: components: dependency cycle: a -> b -> a',
    ]);
    expect(graph.levels).toEqual([]);
    const err = await loadBundle(await rawBundle({ 'distro.yaml': manifest(bad) }), 'bad.tgz').catch((e: unknown) => e);
    expect(isMaglevError(err, 'BundleInvalid')).toBe(true);
    expect((err as Error).message).toMatch(/^bad\.tgz: \d+ problem\(s\):\n/);
  });

  it('rejects a bundle without distro.yaml, a ../ entry, an over-size file and an invalid chart archive, naming each', async () => {
    expect((await inspectBundle(await rawBundle({ 'charts/x.tgz': 'x' }), 'b.tgz')).problems).toEqual(['distro.yaml is missing: a bundle holds its manifest at the archive root']);
    const escape = await rawBundle({ 'distro.yaml': manifest(GOOD), '../evil': 'x' });
    expect((await inspectBundle(escape, 'b.tgz')).problems[0]).toMatch(/^b\.tgz: entry "\.\.\/evil" contains "\.\."/);
    const big = await rawBundle({ 'distro.yaml': manifest(GOOD), 'charts/huge.tgz': Buffer.alloc(2048) });
    expect((await inspectBundle(big, 'b.tgz', { maxFileBytes: 1024 })).problems[0]).toMatch(/^b\.tgz: entry "charts\/huge\.tgz" is larger than the per-file cap of 1024 bytes/);
    const one = '  - { name: pki, chart: charts/pki-1.0.0.tgz }\n';
    const notChart = await inspectBundle(await rawBundle({ 'distro.yaml': manifest(one), 'charts/pki-1.0.0.tgz': 'not gzip' }), 'b.tgz');
    expect(notChart.problems).toEqual([expect.stringMatching(/^components\[0\] \(pki\): b\.tgz: charts\/pki-1\.0\.0\.tgz: not a valid gzip-compressed tar archive/)]);
    expect((await inspectBundle(Buffer.from('junk'), 'b.tgz')).problems[0]).toMatch(/not a valid gzip-compressed tar archive/);
  });

  it('pack refuses a directory whose manifest or charts are wrong, listing the problems', async () => {
    const dir = await distroDir(GOOD.replace('charts/web-2.0.0.tgz', 'charts/nope.tgz'));
    await expect(packBundle(dir)).rejects.toThrow(/the bundle would have 1 problem\(s\):\ndistro\.yaml: components\[2\]\.chart: charts\/nope\.tgz is not in the bundle/);
  });
});
