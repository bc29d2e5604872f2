import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig, namespaceOf, parseFlags, parseTarget, kubeOptions, UsageError } from './kube.js';
import { startFakeCluster, type FakeCluster } from './testing.js';

let cluster: FakeCluster;
beforeAll(async () => {
  cluster = await startFakeCluster();
});
afterAll(async () => cluster.close());

describe('parseTarget', () => {
  it.each([
    ['release', 'release'],
    ['releases', 'release'],
    ['HelmReleases', 'release'],
    ['hr', 'release'],
    ['mhr', 'release'],
    ['distro', 'distro'],
    ['distros', 'distro'],
    ['maglevdistro', 'distro'],
    ['pods', undefined],
    [undefined, undefined],
  ])('%s -> %s', (word, target) => {
    expect(parseTarget(word)).toBe(target);
  });
});

describe('connection flags', () => {
  it('parses -n, --context and --kubeconfig like kubectl, and rejects unknown flags as usage errors', () => {
    const { values, positionals } = parseFlags(['distro', 'x', '-n', 'apps', '--context', 'other', '--kubeconfig', '/k'], kubeOptions);
    expect(positionals).toEqual(['distro', 'x']);
    expect(values).toMatchObject({ namespace: 'apps', context: 'other', kubeconfig: '/k' });
    expect(() => parseFlags(['--frobnicate'], kubeOptions)).toThrow(UsageError);
  });

  it('takes the namespace from -n, else from the context, else default', () => {
    const kc = loadKubeConfig({ kubeconfig: cluster.kubeconfig });
    expect(kc.getCurrentContext()).toBe('main');
    expect(namespaceOf(kc, undefined)).toBe('team');
    expect(namespaceOf(kc, 'apps')).toBe('apps');
    const other = loadKubeConfig({ kubeconfig: cluster.kubeconfig, context: 'other' });
    expect(namespaceOf(other, undefined)).toBe('other-ns');
    other.contexts = other.contexts.map((c) => ({ ...c, namespace: undefined }));
    expect(namespaceOf(other, undefined)).toBe('default');
  });

  it('fails naming a context that is not in the kubeconfig', () => {
    expect(() => loadKubeConfig({ kubeconfig: cluster.kubeconfig, context: 'nope' })).toThrow('context "nope" does not exist in the kubeconfig');
  });
});
