import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    [['--repo', 'https://charts.example.com', 'nginx'], 2, /not supported by maglev template yet/],
    [[chartPath('shop-ejs'), '--set', 'noequals'], 2, /expected key=value/],
    [[chartPath('shop-ejs'), '--set', 'service=null'], 1, /^Error: RenderFailed: templates\/deployment\.yaml\.ejs:26: TypeError: Cannot read properties of undefined \(reading .port.\)/],
  ])('%j exits %d', async (args, code, msg) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg);
    expect(r.out).toBe('');
  });

  it('prints usage with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: maglev template \[NAME\] CHART/);
  });
});
