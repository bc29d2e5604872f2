import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeArchive } from '../chart/archive.js';
import { distroDir, manifest } from '../distro/testing/bundles.js';
import { run } from './distro.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('maglev distro', () => {
  it('pack prints the digest, the same for the same directory; inspect shows components, levels and charts', async () => {
    const dir = await distroDir();
    const out = mkdtempSync(join(tmpdir(), 'bundle-out-'));
    const first = await cli('pack', dir, '-o', join(out, 'a.tgz'));
    const second = await cli('pack', dir, '-o', join(out, 'b.tgz'));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^packed .*a\.tgz: shop 1\.0\.0, 4 components, \d+ bytes\nsha256:[0-9a-f]{64}\n$/);
    expect(first.out.split('\n')[1]).toBe(second.out.split('\n')[1]);
    const shown = await cli('inspect', join(out, 'a.tgz'));
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('distro shop 1.0.0');
    expect(shown.out).toContain('upgrade from >=0.9.0 <1.0.0');
    expect(shown.out).toContain('db\t1\tstateful\tManual\t-\tdb@12.1.0 (charts/db-12.1.0.tgz)');
    expect(shown.out).toContain('cache\t1\t-\tAutomatic\t-\tredis@1.2.3 (https://charts.example.com)');
    expect(shown.out).toContain('  0: pki\n  1: cache, db\n  2: web\n');
  });

  it('packs the example distro (charts/demo) in both versions, reproducibly, with 1.1.0 changing postgres and web', async () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-bundle-'));
    const root = join(import.meta.dirname, '..', '..', 'charts', 'demo');
    const digests: string[] = [];
    for (const file of ['a', 'b']) digests.push((await cli('pack', join(root, '1.0.0'), '-o', join(out, `${file}.tgz`))).out.split('\n')[1] ?? '');
    expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digests[1]).toBe(digests[0]);
    expect((await cli('pack', join(root, '1.1.0'), '-o', join(out, 'next.tgz'))).code).toBe(0);
    const next = await cli('inspect', join(out, 'next.tgz'));
    expect(next.out).toContain('distro demo 1.1.0');
    expect(next.out).toContain('upgrade from >=1.0.0 <1.1.0');
    expect(next.out).toContain('  0: pki\n  1: gateway, postgres\n  2: web\n');
    const charts = (text: string): string[] => [...text.matchAll(/^(\w+)\t.*\t(\S+@\S+) /gm)].map((m) => `${m[1] ?? ''}=${m[2] ?? ''}`);
    expect(charts((await cli('inspect', join(out, 'a.tgz'))).out)).toEqual(['pki=pki@1.0.0', 'postgres=postgres@12.1.0', 'gateway=gateway@1.0.0', 'web=web@2.0.0']);
    expect(charts(next.out)).toEqual(['pki=pki@1.0.0', 'postgres=postgres@12.2.0', 'gateway=gateway@1.0.0', 'web=web@2.1.0']);
  });

  it('inspect of a bad bundle lists every problem and exits 1; usage errors exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-bad-'));
    const bad = manifest('  - { name: a, chart: charts/a.tgz, dependsOn: [b] }\n  - { name: b, chart: charts/b.tgz, dependsOn: [a] }\n');
    writeFileSync(join(dir, 'bad.tgz'), await writeArchive([{ path: 'distro.yaml', data: Buffer.from(bad) }]));
    const shown = await cli('inspect', join(dir, 'bad.tgz'));
    expect(shown.code).toBe(1);
    expect(shown.out).toContain('3 problem(s):\n  distro.yaml: components[0].chart: charts/a.tgz is not in the bundle\n  distro.yaml: components[1].chart: charts/b.tgz is not in the bundle\n  distro.yaml: components: dependency cycle: a -> b -> a\n');
    expect((await cli('pack', dir)).code).toBe(2);
    expect((await cli('inspect')).code).toBe(2);
    expect((await cli('frobnicate', 'x')).code).toBe(2);
  });
});
