/**
 * Parity with the pinned helm binary: `maglev template` must print what `helm template` prints for the
 * same chart (objects, order, hooks, CRDs), EJS twins must equal their Go-template originals, and mixed
 * trees must equal the all-Go chart. Runs whenever helm is found (CI builds it with hack/tools.sh first).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../cli/template.js';
import { findHelm } from './helm-bin.js';
import { EjsPool } from './ejs/pool.js';
import { chartPath, preparedChart } from './testdata/fixtures.js';
import { renderChart } from './index.js';

const helm = await findHelm().catch(() => undefined);
const home = mkdtempSync(join(tmpdir(), 'maglev-parity-'));
const pool = new EjsPool({ size: 2 });
afterAll(async () => {
  await pool.close();
  rmSync(home, { recursive: true, force: true });
});

/** `helm template` straight on the chart directory (helm's own loading, coalescing and dependencies). */
function helmTemplate(args: string[]): string {
  if (helm === undefined) throw new Error('helm not found');
  return execFileSync(helm, ['template', ...args], {
    encoding: 'utf8',
    env: { HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** helm's output without comment-only documents (which maglev drops: they hold no object). */
function withoutEmptyDocs(stream: string): string {
  return stream
    .split(/(?=^---\n)/m)
    .filter((doc) => doc.split('\n').some((l) => l.trim() !== '' && l !== '---' && !l.startsWith('#')))
    .join('');
}

async function maglevTemplate(args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  expect(err).toBe('');
  expect(code).toBe(0);
  return out;
}

const variants: [string, string[]][] = [
  ['defaults', []],
  ['aliased and tagged subcharts on', ['--set', 'redis.enabled=true,tags.extras=true']],
  ['upgrade with CRDs, no tests', ['--is-upgrade', '--include-crds', '--skip-tests']],
  ['db off, extra API, values file', ['--set', 'db.enabled=false', '-a', 'monitoring.coreos.com/v1', '-f', join(chartPath('shop'), 'values.yaml')]],
];
const common = ['-n', 'shopns', '--kube-version', '1.29'];

describe.skipIf(helm === undefined)('parity with helm template (skipped only when no helm binary is found)', () => {
  it.each(variants)('a Go-template chart prints what helm prints: %s', async (_name, flags) => {
    const want = withoutEmptyDocs(helmTemplate(['rel', chartPath('shop'), ...common, ...flags]));
    expect(await maglevTemplate(['rel', chartPath('shop'), ...common, ...flags])).toBe(want);
  });

  it.each(variants)('the EJS twin prints exactly what the Go-template chart prints: %s', async (_name, flags) => {
    const go = await maglevTemplate(['rel', chartPath('shop'), ...common, ...flags]);
    expect(await maglevTemplate(['rel', chartPath('shop-ejs'), ...common, ...flags])).toBe(go);
  });

  it.each(['portal-go', 'portal-go-parent', 'portal-ejs-parent'])('mixed engines (%s) print what helm prints for the all-Go chart', async (name) => {
    const want = helmTemplate(['rel', chartPath('portal-go'), '-n', 'p', '--set', 'gadgets.flavor=spicy']);
    expect(await maglevTemplate(['rel', chartPath(name), '-n', 'p', '--set', 'gadgets.flavor=spicy'])).toBe(want);
  });

  it('orders every kind, unknown kinds and hooks as helm does (EJS chart vs helm on its Go copy)', async () => {
    expect(await maglevTemplate(['rel', chartPath('kinds-ejs')])).toBe(helmTemplate(['rel', chartPath('kinds-go')]));
  });

  it('carries NOTES out of helm and renders the same NOTES from the EJS twin', async () => {
    const input = async (name: string) => ({
      ...(await preparedChart(name)),
      release: { name: 'rel', namespace: 'ns', revision: 1, isInstall: true, isUpgrade: false },
      capabilities: { kubeVersion: 'v1.30.0', apiVersions: [] },
    });
    const go = await renderChart(await input('shop'), pool);
    const ejs = await renderChart(await input('shop-ejs'), pool);
    expect(go.notes).toBe('shop 1.2.3 is installed as rel in ns.\nVisit https://shop.example.com/\n');
    expect(ejs.notes).toBe(go.notes);
    expect(ejs.objects).toEqual(go.objects);
    expect(ejs.hooks).toEqual(go.hooks);
    expect(ejs.crds).toEqual(go.crds);
    const portal = await renderChart(await input('portal-go-parent'), pool);
    expect(portal.notes).toBe('Portal 9 for eu-west\n');
  });

  it('keeps the toYaml/toJson golden file true to helm', () => {
    const testdata = new URL('testdata/toyaml/', import.meta.url);
    const out = helmTemplate(['probe', chartPath('toyaml-probe'), '-f', join(testdata.pathname, 'cases.json')]);
    const expected = JSON.parse(readFileSync(new URL('expected.json', testdata), 'utf8')) as Record<string, { yaml: string; json: string }>;
    for (const [name, want] of Object.entries(expected)) {
      const line = (key: string) => new RegExp(`^  ${key}: "([^"]*)"$`, 'm').exec(out)?.[1] ?? '';
      expect(Buffer.from(line(name), 'base64').toString('utf8')).toBe(want.yaml);
      expect(Buffer.from(line(`${name}-json`), 'base64').toString('utf8')).toBe(want.json);
    }
  });
});
