import { describe, expect, it } from 'vitest';
import { compareKinds, hookExecutionOrder, InstallOrder, sortByKind, UninstallOrder, uninstallOrder } from './order.js';

const item = (kind: string, name = kind.toLowerCase()) => ({ object: { kind }, name });

describe('kind order', () => {
  it('installs in Helm InstallOrder with unknown kinds last, alphabetical, stable', () => {
    const input = [
      item('Widget', 'w1'),
      item('Deployment'),
      item('Alpha', 'a1'),
      item('Service'),
      item('Namespace'),
      item('Widget', 'w2'),
      item('ConfigMap', 'c1'),
      item('CustomResourceDefinition'),
      item('ConfigMap', 'c2'),
      item('Secret'),
    ];
    expect(sortByKind(input).map((i) => i.name)).toEqual([
      'namespace',
      'secret',
      'c1',
      'c2',
      'customresourcedefinition',
      'service',
      'deployment',
      'a1',
      'w1',
      'w2',
    ]);
  });

  it('uninstalls Services before workloads and Namespaces last', () => {
    const input = [item('Namespace'), item('Deployment'), item('Service'), item('ConfigMap'), item('Ingress'), item('Foo')];
    expect(uninstallOrder(input).map((i) => i.object.kind)).toEqual(['Ingress', 'Service', 'Deployment', 'ConfigMap', 'Namespace', 'Foo']);
  });

  it('keeps the two lists consistent (same kinds)', () => {
    expect([...UninstallOrder].sort()).toEqual([...InstallOrder].sort());
  });

  it.each([
    ['Namespace', 'Secret', -1],
    ['Job', 'Job', 0],
    ['Zeta', 'Job', 1],
    ['Alpha', 'Beta', -1],
  ])('compareKinds(%s, %s) has sign %d', (a, b, sign) => {
    expect(Math.sign(compareKinds(a, b))).toBe(sign);
  });
});

describe('hook execution order', () => {
  it('sorts by weight, then name, then install order of kind', () => {
    const hooks = [
      { ...item('Job', 'b'), weight: 0 },
      { ...item('ConfigMap', 'z'), weight: -1 },
      { ...item('Job', 'a'), weight: 0 },
      { ...item('Pod', 'same'), weight: 5 },
      { ...item('Secret', 'same'), weight: 5 },
    ];
    expect(hookExecutionOrder(hooks).map((h) => `${h.object.kind}/${h.name}`)).toEqual([
      'ConfigMap/z',
      'Job/a',
      'Job/b',
      'Secret/same',
      'Pod/same',
    ]);
  });
});
