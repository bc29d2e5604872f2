import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError, type MaglevError } from '../errors.js';
import { EjsPool } from './ejs/pool.js';
import { GoRenderer } from './go-renderer.js';
import { findRenderer, toolCandidates } from './helm-bin.js';
import { outputsOf } from './helm.js';
import { memChart, render } from './testdata/fixtures.js';
import { chartTree } from './tree.js';
import type { LookupRequest } from './types.js';

const pool = new EjsPool({ size: 1 });
const dir = mkdtempSync(join(tmpdir(), 'maglev-helm-test-'));
const bin = await findRenderer().catch(() => undefined);
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('finding the renderer', () => {
  it('looks at the option, the environment variable, the tools cache, then PATH', () => {
    expect(toolCandidates('maglev-render', 'MAGLEV_RENDER_BIN', '/opt/r', { MAGLEV_RENDER_BIN: '/env/r', HOME: '/home/u', PATH: '/a:/b' })).toEqual([
      '/opt/r',
      '/env/r',
      '/home/u/.cache/maglev-operator/current/maglev-render',
      '/a/maglev-render',
      '/b/maglev-render',
    ]);
  });

  it('fails with HelmUnavailable when there is none, saying how to get it', async () => {
    const err = await findRenderer(undefined, { HOME: dir, PATH: dir }).catch((e: unknown) => e);
    expect(isMaglevError(err, ErrorCode.HelmUnavailable)).toBe(true);
    expect((err as Error).message).toMatch(/maglev-render.*hack\/tools\.sh ensure/);
  });

  it('needs no renderer for EJS charts', async () => {
    const r = await render(pool, memChart('e', { 'templates/a.yaml.ejs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' }), {}, { rendererBin: join(dir, 'none') });
    expect(r.objects).toHaveLength(1);
  });
});

describe('engine output', () => {
  it('renames files into the full tree, lifts the top NOTES out and drops subchart NOTES', () => {
    const root = chartTree(memChart('top', {}, { dependencies: [memChart('sub', { 'templates/a.yaml': '' })] }), {});
    const files = { 'top/templates/a.yaml': 'kind: A', 'top/templates/NOTES.txt': 'hi', 'top/charts/sub/templates/NOTES.txt': 'no', 'top/charts/sub/templates/b.yaml': 'kind: B' };
    expect(outputsOf(files, root)).toEqual({
      outputs: [
        { source: 'top/charts/sub/templates/b.yaml', text: 'kind: B' },
        { source: 'top/templates/a.yaml', text: 'kind: A' },
      ],
      notes: 'hi',
    });
    const sub = root.children[0];
    if (sub === undefined) throw new Error('no subchart');
    expect(outputsOf({ 'sub/templates/b.yaml': 'kind: B', 'sub/templates/NOTES.txt': 'x' }, sub)).toEqual({ outputs: [{ source: 'top/charts/sub/templates/b.yaml', text: 'kind: B' }], notes: null });
  });
});

const secretChart = memChart('db', {
  'templates/secret.yaml': `{{- $old := lookup "v1" "Secret" .Release.Namespace "db-auth" -}}
apiVersion: v1
kind: Secret
metadata:
  name: db-auth
  annotations:
    revision: "{{ .Release.Revision }}"
    upgrade: "{{ .Release.IsUpgrade }}"
    install: "{{ .Release.IsInstall }}"
    kube: "{{ .Capabilities.KubeVersion.Version }}"
    widgets: "{{ .Capabilities.APIVersions.Has "example.com/v1/Widget" }}"
    listed: "{{ len ((lookup "v1" "Secret" .Release.Namespace "").items | default list) }}"
data:
  password: {{ if $old }}{{ index $old.data "password" }}{{ else }}{{ randAlphaNum 16 | b64enc }}{{ end }}
`,
});

describe.skipIf(bin === undefined)('Helm engine process (maglev-render)', () => {
  const renderer = new GoRenderer();
  afterAll(() => renderer.close());

  it('renders with the real revision, IsUpgrade and capabilities, and answers lookup through the caller', async () => {
    const asked: LookupRequest[] = [];
    const stored = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-auth', namespace: 'ns' }, data: { password: 'c2VjcmV0' } };
    const lookup = (req: LookupRequest) => {
      asked.push(req);
      if (req.name === '') return Promise.resolve({ apiVersion: 'v1', kind: 'SecretList', metadata: {}, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
      return Promise.resolve(req.name === 'db-auth' ? stored : undefined);
    };
    const r = await render(pool, secretChart, {}, {}, { release: { name: 'db', namespace: 'ns', revision: 7, isInstall: false, isUpgrade: true }, lookup });
    const secret = r.objects[0]?.object as unknown as { metadata: { annotations: Record<string, string> }; data: Record<string, string> };
    expect(secret.data.password).toBe('c2VjcmV0');
    expect(secret.metadata.annotations).toEqual({ revision: '7', upgrade: 'true', install: 'false', kube: 'v1.30.2', widgets: 'true', listed: '2' });
    expect(asked).toEqual([
      { apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: 'db-auth' },
      { apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: '' },
    ]);
  });

  it('without a lookup function, lookup finds nothing, as in helm template', async () => {
    const r = await render(pool, secretChart, {});
    const secret = r.objects[0]?.object as unknown as { data: Record<string, string> };
    expect(Buffer.from(secret.data.password ?? '', 'base64').toString()).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('reports template errors as RenderFailed naming file and line; a lookup error fails the render', async () => {
    const bad = memChart('web', { 'templates/cm.yaml': 'a: {{ fail "boom" }}\n' });
    await expect(render(pool, bad, {})).rejects.toThrow(/web\/templates\/cm\.yaml:1:.*boom/);
    const denied = () => Promise.reject(new Error('secrets is forbidden: User "system:serviceaccount:t:app" cannot get'));
    await expect(render(pool, secretChart, {}, {}, { lookup: denied })).rejects.toThrow(/lookup v1 Secret ns\/db-auth: secrets is forbidden/);
  });

  it('bounds lookups per render', async () => {
    const many = memChart('many', { 'templates/cm.yaml': 'a: "{{ range until 300 }}{{ lookup "v1" "ConfigMap" "ns" "x" }}{{ end }}"\n' });
    const r = new GoRenderer({ limits: { maxLookups: 10 } });
    try {
      const archive = await (await import('./helm-package.js')).packageChart(chartTree(many, {}));
      await expect(
        r.render({ archive, values: {}, release: { name: 'm', namespace: 'ns', revision: 1, isInstall: true, isUpgrade: false }, kubeVersion: 'v1.30.0', apiVersions: [], timeoutMs: 10_000, lookup: () => Promise.resolve(undefined) }),
      ).rejects.toThrow(/more than 10 lookup calls in one render/);
    } finally {
      await r.close();
    }
  });

  it('fails an output bomb when the engine hits its memory cap, and endless include recursion, then renders on', async () => {
    const bomb = memChart('bomb', { 'templates/cm.yaml': 'a: "{{ range until 120000000 }}xxxxxxxxxx{{ end }}"\n' });
    const err = await render(pool, bomb, {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(isMaglevError(err, ErrorCode.RenderFailed)).toBe(true);
    expect((err as MaglevError).terminal).toBe(true);
    expect((err as Error).message).toMatch(/more memory than the renderer allows/);
    const rec = memChart('rec', { 'templates/_h.tpl': '{{ define "x" }}{{ include "x" . }}{{ end }}', 'templates/cm.yaml': 'a: {{ include "x" . }}\n' });
    await expect(render(pool, rec, {})).rejects.toThrow(/^template: rec\/templates\/cm\.yaml:1:6: .*error calling include/);
    const r = await render(pool, memChart('ok', { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n' }), {});
    expect(r.objects).toHaveLength(1);
  }, 90_000);

  it('kills a render that passes its deadline and serves the next one from a new process', async () => {
    const slow = memChart('slow', { 'templates/cm.yaml': 'a: "{{ range until 200000000 }}{{ end }}"\n' });
    const started = Date.now();
    await expect(render(pool, slow, {}, { timeoutMs: 500 })).rejects.toThrow(/longer than 1s|longer than 0s/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const r = await render(pool, memChart('ok', { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n' }), {});
    expect(r.objects).toHaveLength(1);
  });
});
