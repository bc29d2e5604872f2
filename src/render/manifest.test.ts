import { describe, expect, it } from 'vitest';
import { ErrorCode, MaglevError } from '../errors.js';
import { hookWeight } from './hooks.js';
import { manifestText, objectKey, parseTemplateOutputs, splitManifests } from './manifest.js';
import type { TemplateOutput } from './types.js';

const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const out = (source: string, text: string): TemplateOutput => ({ source, text });

function failure(fn: () => unknown): MaglevError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MaglevError) return err;
    throw err;
  }
  throw new Error('expected a MaglevError');
}

describe('splitManifests', () => {
  it.each([
    ['---\na: 1\n---\nb: 2\n', ['a: 1', 'b: 2']],
    // Go's regexp.Split consumes the blank line, so the second marker stays (YAML then reads it as a start marker).
    ['a: 1\n---   \n\n---\nb: 2', ['a: 1', '---\nb: 2']],
    ['\n\n  \n', []],
    ['a: |\n  ---\n  x\n', ['a: |\n  ---\n  x']],
    ['a: 1\n--- # next\nb: 2', ['a: 1', '# next\nb: 2']],
  ])('splits %j like Helm', (text, docs) => {
    expect(splitManifests(text)).toEqual(docs);
  });
});

describe('parseTemplateOutputs', () => {
  it('drops empty and comment-only documents and sorts by file path, then kind', () => {
    const r = parseTemplateOutputs(
      [
        out('c/templates/z.yaml', `${cm('z1')}---\n# nothing\n---\n`),
        out('c/templates/a.yaml', `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\n${cm('a1')}`),
        out('c/templates/_helpers.tpl', 'not: [yaml'),
      ],
      'ns',
    );
    expect(r.objects.map((o) => `${o.source}:${o.object.metadata.name}`)).toEqual([
      'c/templates/a.yaml:a1',
      'c/templates/z.yaml:z1',
      'c/templates/a.yaml:d',
    ]);
    expect(r.hooks).toEqual([]);
  });

  it.each([
    ['a list', '- a\n- b', /expected a mapping .* got a list/],
    ['a scalar', 'just text', /expected a mapping .* got a string/],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: x', /missing kind/],
    ['no apiVersion', 'kind: ConfigMap\nmetadata:\n  name: x', /missing apiVersion/],
    ['no name', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}', /missing metadata.name/],
    ['no metadata', 'apiVersion: v1\nkind: ConfigMap', /missing metadata/],
    ['bad YAML', 'apiVersion: v1\nkind: [', /invalid YAML/],
  ])('rejects a document with %s as ManifestInvalid naming the template', (_what, text, msg) => {
    const err = failure(() => parseTemplateOutputs([out('mychart/templates/bad.yaml', `${cm('ok')}---\n${text}`)], 'ns'));
    expect(err.code).toBe(ErrorCode.ManifestInvalid);
    expect(err.message).toContain('mychart/templates/bad.yaml');
    expect(err.message).toContain('document 2');
    expect(err.message).toMatch(msg);
  });

  it('rejects duplicates across subcharts, naming both templates', () => {
    const err = failure(() =>
      parseTemplateOutputs(
        [out('p/templates/cm.yaml', cm('same')), out('p/charts/sub/templates/cm.yaml', cm('same', '  namespace: ns\n'))],
        'ns',
      ),
    );
    expect(err.code).toBe(ErrorCode.DuplicateObject);
    expect(err.message).toBe('ConfigMap ns/same is rendered twice: by p/charts/sub/templates/cm.yaml and by p/templates/cm.yaml');
  });

  it('allows the same name in different namespaces, kinds or groups', () => {
    const r = parseTemplateOutputs(
      [
        out('p/templates/a.yaml', cm('same', '  namespace: other\n')),
        out('p/templates/b.yaml', cm('same')),
        out('p/templates/c.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: same'),
      ],
      'ns',
    );
    expect(r.objects).toHaveLength(3);
  });

  it('separates hooks with events, weight and policies; skips manifests with an unknown hook event', () => {
    const hook = (name: string, ann: string) =>
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\n  annotations:\n${ann}`;
    const r = parseTemplateOutputs(
      [
        out(
          'p/templates/hooks.yaml',
          [
            hook('h1', '    helm.sh/hook: " Pre-Install , post-upgrade"\n    helm.sh/hook-weight: "-3"\n'),
            hook('h2', '    helm.sh/hook: test-success\n    helm.sh/hook-delete-policy: hook-succeeded,Hook-Failed\n'),
            hook('h3', '    helm.sh/hook: pre-install,someday\n'),
            hook('h4', '    helm.sh/hook: post-install\n    helm.sh/hook-weight: "1.5"\n    helm.sh/hook-output-log-policy: hook-failed\n'),
          ].join('---\n'),
        ),
      ],
      'ns',
    );
    expect(r.objects).toEqual([]);
    expect(r.hooks.map((h) => [h.name, h.events, h.weight, h.deletePolicies, h.outputLogPolicies])).toEqual([
      ['h1', ['pre-install', 'post-upgrade'], -3, ['before-hook-creation'], []],
      ['h2', ['test'], 0, ['hook-succeeded', 'hook-failed'], []],
      ['h4', ['post-install'], 0, ['before-hook-creation'], ['hook-failed']],
    ]);
  });

  it('rejects a non-string hook annotation', () => {
    const err = failure(() =>
      parseTemplateOutputs([out('p/templates/h.yaml', cm('x', '  annotations:\n    helm.sh/hook-weight: 5\n    helm.sh/hook: pre-install\n'))], 'ns'),
    );
    expect(err.code).toBe(ErrorCode.ManifestInvalid);
    expect(err.message).toMatch(/helm.sh\/hook-weight .* must be a string/);
  });

  it('reads scalars the way Helm (go-yaml v2) does', () => {
    const r = parseTemplateOutputs([out('p/t.yaml', cm('x', 'data:\n  a: yes\n  b: 0777\n  c: 2024-01-01\n  d: 1_000\n'))], 'ns');
    expect(r.objects[0]?.object.data).toEqual({ a: true, b: 511, c: '2024-01-01', d: 1000 });
  });

  it('rejects alias bombs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
    const err = failure(() => parseTemplateOutputs([out('p/t.yaml', cm('x', `data:\n${bomb.map((l) => `  ${l}`).join('\n')}\n`))], 'ns'));
    expect(err.code).toBe(ErrorCode.ManifestInvalid);
  });
});

describe('helpers', () => {
  it.each([
    [undefined, 0],
    ['5', 5],
    ['+7', 7],
    ['-12', -12],
    [' 3', 0],
    ['1.5', 0],
    ['abc', 0],
    ['99999999999999999999', 0],
  ])('hookWeight(%j) = %d', (v, w) => {
    expect(hookWeight(v)).toBe(w);
  });

  it('keys objects by group, kind, namespace and name', () => {
    const o = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } };
    expect(objectKey(o, 'ns')).toBe('apps/Deployment/ns/web');
    expect(objectKey({ ...o, apiVersion: 'v1', metadata: { name: 'web', namespace: 'x' } }, 'ns')).toBe('/Deployment/x/web');
  });

  it('writes Helm-style manifests', () => {
    const r = parseTemplateOutputs([out('p/templates/a.yaml', cm('a')), out('p/templates/b.yaml', cm('b'))], 'ns');
    expect(manifestText(r.objects)).toBe(
      '---\n# Source: p/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' +
        '---\n# Source: p/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
    );
  });
});
