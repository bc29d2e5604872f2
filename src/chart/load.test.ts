import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { loadChartArchive, loadChartDir } from './load.js';
import { buildTgz, chartEntries, chartTgz, chartYaml, type TarEntry } from './testdata/tarball.js';

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, text: string | RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMaglevError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(text);
}

const good = (extra: TarEntry[] = []): TarEntry[] => [...chartEntries('demo', { 'Chart.yaml': chartYaml('demo'), 'values.yaml': 'a: 1\n' }), ...extra];

describe('loadChartArchive', () => {
  it('loads templates, crds, files, values, schema and subcharts (archive and directory)', async () => {
    const sub = await chartTgz('sub', { 'values.yaml': 'x: 1\n' });
    const buf = await buildTgz(
      chartEntries('demo', {
        'Chart.yaml': chartYaml('demo', '1.2.3', 'appVersion: "4.5"\ndependencies:\n  - name: sub\n    version: 1.x\n'),
        'values.yaml': '\ufeffreplicas: 2\n',
        'values.schema.json': '{"type":"object"}',
        'templates/deploy.yaml': 'kind: Deployment',
        'templates/_helpers.tpl': '{{/* */}}',
        'crds/crd.yaml': 'kind: CustomResourceDefinition',
        'crds/README.md': 'docs',
        'files/config.txt': 'hello',
        'charts/sub-1.0.0.tgz': sub,
        'charts/local/Chart.yaml': chartYaml('local'),
        'charts/local/templates/a.yaml': 'a',
        'charts/_skipped/Chart.yaml': chartYaml('skipped'),
        'charts/sub-1.0.0.tgz.prov': 'signature',
      }),
    );
    const c = await loadChartArchive(buf);
    expect(c.metadata).toMatchObject({ apiVersion: 'v2', name: 'demo', version: '1.2.3', appVersion: '4.5' });
    expect(c.values).toEqual({ replicas: 2 });
    expect(c.schema).toEqual({ type: 'object' });
    expect(c.templates.map((f) => f.path).sort()).toEqual(['templates/_helpers.tpl', 'templates/deploy.yaml']);
    expect(c.crds.map((f) => f.path)).toEqual(['crds/crd.yaml']);
    expect(c.files.map((f) => f.path).sort()).toEqual(['charts/sub-1.0.0.tgz.prov', 'crds/README.md', 'crds/crd.yaml', 'files/config.txt']);
    expect(c.dependencies.map((d) => d.metadata.name)).toEqual(['local', 'sub']);
    expect(c.dependencies[1]?.values).toEqual({ x: 1 });
    expect(c.raw.some((f) => f.path === 'Chart.yaml')).toBe(true);
    expect(c.raw.some((f) => f.path.startsWith('charts/local'))).toBe(false);
  });

  it('accepts an empty values.yaml and a missing one', async () => {
    const c = await loadChartArchive(await buildTgz(chartEntries('demo', { 'Chart.yaml': chartYaml('demo'), 'values.yaml': '' })));
    expect(c.values).toEqual({});
    const d = await loadChartArchive(await buildTgz(chartEntries('demo', { 'Chart.yaml': chartYaml('demo') })));
    expect(d.values).toEqual({});
  });

  it.each([
    ['a ../ path', { name: 'demo/../evil.yaml', data: 'x' }, /contains "\.\."/],
    ['an absolute path', { name: '/etc/passwd', data: 'x' }, /absolute path/],
    ['a drive path', { name: 'C:\\evil.yaml', data: 'x' }, /absolute path/],
    ['a symlink', { name: 'demo/templates/link.yaml', type: 'symlink', linkname: '/etc/passwd' }, /"demo\/templates\/link.yaml" is a symlink/],
    ['a hardlink', { name: 'demo/templates/hard.yaml', type: 'link', linkname: 'demo/Chart.yaml' }, /is a link/],
    ['a character device', { name: 'demo/dev', type: 'character-device' }, /is a character-device/],
    ['a fifo', { name: 'demo/fifo', type: 'fifo' }, /is a fifo/],
    ['a second top-level directory', { name: 'other/x.yaml', data: 'x' }, /outside the chart directory/],
    ['a file at the archive root', { name: 'Chart.yaml', data: chartYaml('x') }, /outside the chart directory|archive root/],
  ] as [string, TarEntry, RegExp][])('refuses %s with ChartInvalid', async (_what, entry, text) => {
    await rejectsWith(loadChartArchive(await buildTgz(good([entry]))), ErrorCode.ChartInvalid, text);
  });

  it('refuses a file over the per-file cap (default 5 MiB) while reading', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x61);
    await rejectsWith(loadChartArchive(await buildTgz(good([{ name: 'demo/files/big.txt', data: big }]))), ErrorCode.ChartTooLarge, /"demo\/files\/big.txt" is larger than the per-file cap/);
  });

  it('refuses a gzip bomb past the total cap (default 100 MiB)', async () => {
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    const entries = good(Array.from({ length: 27 }, (_, i) => ({ name: `demo/files/zero${i}`, data: chunk })));
    const bomb = await buildTgz(entries);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await rejectsWith(loadChartArchive(bomb), ErrorCode.ChartTooLarge, /decompressed size exceeds the cap of 104857600 bytes/);
  });

  it('refuses too many entries, and the caps are options', async () => {
    const many = good(Array.from({ length: 20 }, (_, i) => ({ name: `demo/files/f${i}`, data: 'x' })));
    await rejectsWith(loadChartArchive(await buildTgz(many), { limits: { maxEntries: 10 } }), ErrorCode.ChartTooLarge, /exceeds the cap of 10 entries/);
    await rejectsWith(loadChartArchive(await buildTgz(many), { limits: { maxFileBytes: 2 } }), ErrorCode.ChartTooLarge, /per-file cap of 2 bytes/);
  });

  it('shares the caps with subchart archives', async () => {
    const sub = await chartTgz('sub', { 'files/a': 'x'.repeat(3000) });
    const buf = await buildTgz(good([{ name: 'demo/charts/sub-1.0.0.tgz', data: sub }]));
    await rejectsWith(loadChartArchive(buf, { limits: { maxTotalBytes: 6000 } }), ErrorCode.ChartTooLarge, /charts\/sub-1.0.0.tgz: decompressed size exceeds/);
  });

  it.each([
    ['missing Chart.yaml', { 'values.yaml': 'a: 1' }, /Chart.yaml is missing/],
    ['invalid YAML in Chart.yaml', { 'Chart.yaml': 'name: [' }, /demo\/Chart.yaml:\d+: invalid YAML/],
    ['a chart name ".."', { 'Chart.yaml': chartYaml('..') }, /chart name "\.\." is invalid/],
    ['a chart name "."', { 'Chart.yaml': chartYaml('.') }, /chart name "\." is invalid/],
    ['a chart name with a slash', { 'Chart.yaml': chartYaml('a/b') }, /chart name "a\/b" is invalid/],
    ['a non-SemVer version', { 'Chart.yaml': chartYaml('demo', 'one') }, /version "one" is not valid SemVer/],
    ['a numeric version', { 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0\n' }, /version must be a string/],
    ['apiVersion v3', { 'Chart.yaml': 'apiVersion: v3\nname: demo\nversion: 1.0.0\n' }, /apiVersion "v3" is not supported/],
    ['a bad type', { 'Chart.yaml': chartYaml('demo', '1.0.0', 'type: plugin\n') }, /type "plugin" must be application or library/],
    ['a bad alias', { 'Chart.yaml': chartYaml('demo', '1.0.0', 'dependencies:\n  - name: sub\n    alias: "a.b"\n') }, /disallowed characters in the alias "a.b"/],
    ['duplicate dependency keys', { 'Chart.yaml': chartYaml('demo', '1.0.0', 'dependencies:\n  - name: sub\n  - name: x\n    alias: sub\n') }, /more than one dependency with name or alias "sub"/],
    ['values.yaml that is a list', { 'Chart.yaml': chartYaml('demo'), 'values.yaml': '- a\n' }, /values must be a YAML mapping/],
    ['a subchart directory without Chart.yaml', { 'Chart.yaml': chartYaml('demo'), 'charts/README.md': 'x' }, /charts\/README.md: Chart.yaml is missing/],
  ] as [string, Record<string, string>, RegExp][])('refuses %s with ChartInvalid', async (_what, files, text) => {
    await rejectsWith(loadChartArchive(await buildTgz(chartEntries('demo', files))), ErrorCode.ChartInvalid, text);
  });

  it('accepts Helm-style loose versions and a missing apiVersion (v1)', async () => {
    const c = await loadChartArchive(await buildTgz(chartEntries('demo', { 'Chart.yaml': 'name: demo\nversion: v1.2\n' })));
    expect(c.metadata.apiVersion).toBe('v1');
    expect(c.metadata.version).toBe('v1.2');
  });

  it('reads v1 requirements.yaml dependencies', async () => {
    const files = { 'Chart.yaml': 'apiVersion: v1\nname: demo\nversion: 1.0.0\n', 'requirements.yaml': 'dependencies:\n  - name: db\n    version: 1.x\n' };
    const c = await loadChartArchive(await buildTgz(chartEntries('demo', files)));
    expect(c.metadata.dependencies).toEqual([{ name: 'db', version: '1.x' }]);
  });

  it('refuses a YAML alias bomb in values.yaml and deep nesting', async () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      bomb += `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${prev}`).join(',')}]\n`;
    }
    const withValues = async (values: string): Promise<Buffer> => buildTgz(chartEntries('demo', { 'Chart.yaml': chartYaml('demo'), 'values.yaml': values }));
    await rejectsWith(loadChartArchive(await withValues(bomb)), ErrorCode.ChartInvalid, /values.yaml: YAML expands to more than 1000000 nodes/);
    const deep = `a: ${'['.repeat(150)}${']'.repeat(150)}\n`;
    await rejectsWith(loadChartArchive(await withValues(deep)), ErrorCode.ChartInvalid, /values.yaml:1: invalid YAML: nesting exceeded/);
  });

  it('refuses data that is not gzip', async () => {
    await rejectsWith(loadChartArchive(Buffer.from('not an archive')), ErrorCode.ChartInvalid, /not a valid gzip-compressed tar archive/);
    await rejectsWith(loadChartArchive(gzipSync(Buffer.from('x'.repeat(600)))), ErrorCode.ChartInvalid, /not a valid gzip-compressed tar archive|archive is empty/);
  });
});

describe('loadChartDir', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function chartDir(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'maglev-chart-'));
    dirs.push(root);
    for (const [p, data] of Object.entries(files)) {
      await mkdir(join(root, p, '..'), { recursive: true });
      await writeFile(join(root, p), data);
    }
    return root;
  }

  it('loads a directory, honouring .helmignore and hidden template files', async () => {
    const root = await chartDir({
      'Chart.yaml': chartYaml('demo'),
      'values.yaml': 'a: 1',
      '.helmignore': '# comment\n*.bak\nsecret/\n',
      'templates/x.yaml': 'x',
      'templates/.hidden.yaml': 'h',
      'templates/old.yaml.bak': 'b',
      'secret/key': 'k',
      'charts/sub/Chart.yaml': chartYaml('sub'),
    });
    const c = await loadChartDir(root);
    expect(c.templates.map((f) => f.path)).toEqual(['templates/x.yaml']);
    expect(c.files.map((f) => f.path)).toEqual(['.helmignore']);
    expect(c.dependencies.map((d) => d.metadata.name)).toEqual(['sub']);
  });

  it('follows a symlink inside the chart but refuses one pointing outside', async () => {
    const root = await chartDir({ 'Chart.yaml': chartYaml('demo'), 'shared/a.yaml': 'a' });
    await symlink(join(root, 'shared/a.yaml'), join(root, 'inside.yaml'));
    expect((await loadChartDir(root)).files.map((f) => f.path)).toContain('inside.yaml');
    await symlink('/etc/hostname', join(root, 'outside.yaml'));
    await rejectsWith(loadChartDir(root), ErrorCode.ChartInvalid, /symlink "outside.yaml" points outside the chart directory/);
  });

  it('reports a missing directory as ChartNotFound', async () => {
    await rejectsWith(loadChartDir('/nonexistent/chart'), ErrorCode.ChartNotFound, /cannot read chart directory/);
  });
});
