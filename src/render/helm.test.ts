import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { EjsPool } from './ejs/pool.js';
import { findHelm, helmCandidates } from './helm-bin.js';
import { parseHelmOutput } from './helm.js';
import { memChart, render } from './testdata/fixtures.js';
import { chartTree } from './tree.js';

const pool = new EjsPool({ size: 1 });
const dir = mkdtempSync(join(tmpdir(), 'maglev-helm-test-'));
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

function fakeHelm(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const goChart = memChart('web', {
  'templates/cm.yaml': 'x',
  'values.schema.json': '{}',
  'Chart.lock': 'x',
});

describe('finding helm', () => {
  it('looks at the option, MAGLEV_HELM_BIN, the tools cache, then PATH', () => {
    expect(helmCandidates('/opt/helm', { MAGLEV_HELM_BIN: '/env/helm', HOME: '/home/u', PATH: '/a:/b' })).toEqual([
      '/opt/helm',
      '/env/helm',
      '/home/u/.cache/maglev-operator/current/helm',
      '/a/helm',
      '/b/helm',
    ]);
  });

  it('fails with HelmUnavailable naming an explicit binary that is missing', async () => {
    await expect(findHelm(join(dir, 'nope'), { PATH: '' })).rejects.toThrow(/helm binary .*nope is missing/);
  });

  it('fails with HelmUnavailable when no helm is anywhere', async () => {
    const err = await findHelm(undefined, { HOME: dir, PATH: dir }).catch((e: unknown) => e);
    expect(isMaglevError(err, ErrorCode.HelmUnavailable)).toBe(true);
    expect((err as Error).message).toMatch(/need the helm v3 binary.*MAGLEV_HELM_BIN/);
  });
});

describe('helm output', () => {
  it('renames sources into the full tree and lifts out the NOTES carrier', () => {
    const root = chartTree(memChart('top', {}, { dependencies: [memChart('sub', { 'templates/a.yaml': '' })] }), {});
    const sub = root.children[0];
    if (sub === undefined) throw new Error('no subchart');
    const stdout =
      '---\n# Source: sub/templates/a.yaml\nkind: A\n' +
      '---\n# Source: sub/templates/zz-maglev-notes-carrier.yaml\nkind: MaglevRenderNotes\nnotes: aGk=\n';
    expect(parseHelmOutput(stdout, sub)).toEqual({ outputs: [{ source: 'top/charts/sub/templates/a.yaml', text: 'kind: A' }], notes: 'hi' });
  });
});

describe('running helm (fake binary)', () => {
  it('runs without a shell in a private temporary home, with only helm variables, values as a 0600 file', async () => {
    const bin = fakeHelm(
      'helm-dump',
      [
        'for a in "$@"; do case "$a" in --values=*) v="${a#--values=}";; esac; last="$a"; done',
        'printf -- "---\\n# Source: web/templates/cm.yaml\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: dump\\ndata:\\n"',
        'printf "  env: \\"%s\\"\\n" "$(env | sed "s/=.*//" | sort | tr "\\n" " ")"',
        'printf "  args: \\"%s\\"\\n" "$(echo "$@" | sed "s#$PWD#HOME#g")"',
        'printf "  valuesMode: \\"%s\\"\\n" "$(stat -c %a "$v")"',
        'printf "  values: %s\\n" "$(cat "$v")"',
        'printf "  entries: \\"%s\\"\\n" "$(tar tzf "$last" | sort | tr "\\n" " ")"',
        'printf "  home: \\"%s\\"\\n" "$PWD"',
      ].join('\n'),
    );
    const r = await render(pool, goChart, { a: 1 }, { helmBin: bin });
    const data = r.objects[0]?.object.data as Record<string, string>;
    const env = data.env?.trim().split(' ').filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n));
    expect(env).toEqual(['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HELM_NO_PLUGINS', 'HELM_PLUGINS', 'HOME', 'KUBECONFIG']);
    expect(data.args).toBe(
      'template --namespace=ns --kube-version=v1.30.2 --values=HOME/values.json --api-versions=example.com/v1 --api-versions=example.com/v1/Widget -- rel HOME/chart.tgz',
    );
    expect(data.valuesMode).toBe('600');
    expect(data.values).toEqual({ a: 1 });
    expect(data.entries?.trim().split(' ')).toEqual(['web/Chart.yaml', 'web/templates/cm.yaml', 'web/values.yaml']);
    expect(existsSync(data.home ?? '/')).toBe(false);
  });

  it('reports helm errors as RenderFailed with helm’s message', async () => {
    const bin = fakeHelm('helm-fail', 'echo "Error: template: web/templates/cm.yaml:3:4: executing: boom" >&2; exit 1');
    await expect(render(pool, goChart, {}, { helmBin: bin })).rejects.toThrow(/^template: web\/templates\/cm\.yaml:3:4: executing: boom$/);
  });

  it('stops helm at the time limit', async () => {
    const bin = fakeHelm('helm-slow', 'sleep 30');
    await expect(render(pool, goChart, {}, { helmBin: bin, timeoutMs: 300 })).rejects.toThrow(/did not finish within 300 ms/);
  });

  it('caps helm output', async () => {
    const bin = fakeHelm('helm-big', 'head -c 3000000 /dev/zero | tr "\\0" "x"');
    await expect(render(pool, goChart, {}, { helmBin: bin, maxOutputBytes: 1_000_000 })).rejects.toThrow(/helm output exceeds 1000000 bytes/);
  });

  it('needs no helm for EJS charts, even when none is installed', async () => {
    const r = await render(pool, memChart('e', { 'templates/a.yaml.ejs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' }), {}, { helmBin: join(dir, 'none') });
    expect(r.objects).toHaveLength(1);
    expect(() => execFileSync(join(dir, 'none'))).toThrow();
  });
});
