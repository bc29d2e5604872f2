import { describe, expect, it } from 'vitest';
import { byLevel, dependents, levels } from './graph.js';

describe('levels', () => {
  it.each([
    { name: 'no dependencies: all level 0', nodes: [{ name: 'a' }, { name: 'b' }], want: { a: 0, b: 0 } },
    { name: 'a chain', nodes: [{ name: 'c', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }, { name: 'a' }], want: { a: 0, b: 1, c: 2 } },
    { name: 'the deepest dependency wins', nodes: [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }, { name: 'c', dependsOn: ['a', 'b'] }], want: { a: 0, b: 1, c: 2 } },
    { name: 'unknown dependencies are ignored', nodes: [{ name: 'a', dependsOn: ['ghost'] }], want: { a: 0 } },
    { name: 'a cycle terminates', nodes: [{ name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }], want: { a: 2, b: 1 } },
  ])('$name', ({ nodes, want }) => {
    expect(Object.fromEntries(levels(nodes))).toEqual(want);
  });

  it('groups by level and lists dependents', () => {
    const nodes = [{ name: 'web', dependsOn: ['db', 'pki'] }, { name: 'db', dependsOn: ['pki'] }, { name: 'pki' }, { name: 'ui' }];
    expect(byLevel(levels(nodes))).toEqual([['pki', 'ui'], ['db'], ['web']]);
    expect(Object.fromEntries(dependents(nodes))).toEqual({ web: [], db: ['web'], pki: ['web', 'db'], ui: [] });
  });
});
