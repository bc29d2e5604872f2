import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { chartPath } from '../render/testdata/fixtures.js';
import { applySets, run, splitSetArg, typedSetValue } from './template.js';

const dir = mkdtempSync(join(tmpdir(), 'maglev-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('--set parsing', () => {
  it.each([
    ['a=1,b=2', ['a=1', 'b=2']],
    ['a=x\\,y,b=2', ['a=x\\,y', 'b=2']],
    ['list={a,b},c=d', ['list={a,b}', 'c=d']],
  ])('splitSetArg(%j)', (arg, parts) => {
    expect(splitSetArg(arg)).toEqual(parts);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['null', null],
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['007', '007'],
    ['1.5', '1.5'],
    ['x\\,y', 'x,y'],
    ['{a,1}', ['a', 1]],
  ])('typedSetValue(%j)', (raw, value) => {
    expect(typedSetValue(raw, false)).toEqual(value);
  });

  it('sets nested keys and list items, --set-string keeps strings', () => {
    const v = {};
    applySets(v, ['a.b=1,list[1]=x', 'a.c=true'], false);
    applySets(v, ['s=007'], true);
    expect(v).toEqual({ a: { b: 1, c: true }, list: [null, 'x'], s: '007' });
  });
});

describe('maglev template', () => {
  it('prints the helm template stream for an EJS chart: CRDs, objects in order, hooks', async () => {
    const values = join(dir, 'v.yaml');
    writeFileSync(values, 'replicaCount: 5\n');
    const r = await cli([chartPath('shop-ejs'), '-f', values, '--set', 'db.enabled=false', '--include-crds', '--namespace', 'prod']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const sources = [...r.out.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]);
    expect(sources).toEqual([
      'shop/crds/widgets.yaml',
      'shop/templates/service.yaml',
      'shop/templates/configmap.yaml',
      'shop/templates/service.yaml',
      'shop/templates/deployment.yaml',
      'shop/templates/migrate-job.yaml',
      'shop/templates/tests/test-connection.yaml',
      'shop/templates/migrate-job.yaml',
    ]);
    expect(r.out).toContain('name: release-name-shop\n');
    expect(r.out).toContain('  replicas: 5\n');
    expect(r.out.startsWith('---\n# Source: shop/crds/widgets.yaml\n# Widgets for the shop\n')).toBe(true);
  });

  it('takes the release name as the first of two arguments', async () => {
    const r = await cli(['myrel', chartPath('shop-ejs'), '--skip-tests']);
    expect(r.out).toContain('name: myrel-shop\n');
    expect(r.out).not.toContain('test-connection');
  });

  it.each([
    [[], 2, /expected \[NAME\] CHART/],
    [['a', 'b', 'c'], 2, /expected \[NAME\] CHART/],
    [['--bogus', 'x'], 2, /Unknown option '--bogus'/],
    [[join(dir, 'missing')], 1, /ChartNotFound: chart .*missing not found/],
    [['--repo', 'http://127.0.0.1:9/charts', 'nginx'], 1, /ChartFetchFailed|ChartNotFound/],
    [[chartPath('shop-ejs'), '--set', 'noequals'], 2, /expected key=value/],
    [[chartPath('shop-ejs'), '--set', 'service=null'], 1, /^Error: RenderFailed: templates\/deployment\.yaml\.ejs:26: TypeError: Cannot read properties of undefined \(reading .port.\)/],
  ])('%j exits %d', async (args, code, msg) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg);
    expect(r.out).toBe('');
  });

  it('fetches a chart from a repository with --repo and --version', async () => {
    const root = chartPath('shop-ejs');
    const pack = tar.pack();
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        if (statSync(join(d, e)).isDirectory()) walk(join(d, e));
        else files.push(join(d, e));
      }
    };
    walk(root);
    const archive = buffer(pack.pipe(createGzip()));
    for (const f of files) pack.entry({ name: `shop/${relative(root, f)}` }, readFileSync(f));
    pack.finalize();
    const tgz = await archive;
    const digest = createHash('sha256').update(tgz).digest('hex');
    const index = `apiVersion: v1\nentries:\n  shop:\n    - name: shop\n      version: 1.2.3\n      digest: ${digest}\n      urls: [charts/shop-1.2.3.tgz]\n`;
    const server = createServer((req, res) => {
      if (req.url === '/index.yaml') res.end(index);
      else if (req.url === '/charts/shop-1.2.3.tgz') res.end(tgz);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await cli(['rel', 'shop', '--repo', url, '--version', '^1.2.0', '--skip-tests']);
      expect(r.err).toBe('');
      expect(r.out).toContain('name: rel-shop\n');
      const local = await cli(['rel', root, '--skip-tests']);
      expect(r.out).toBe(local.out);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('prints usage with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: maglev template \[NAME\] CHART/);
  });
});
