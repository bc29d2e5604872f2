import { describe, expect, it } from 'vitest';
import type { KubeObject } from './object.js';
import { intentChanged } from './predicates.js';

const base: KubeObject = { metadata: { uid: 'u1', namespace: 'ns', name: 'a', generation: 1, resourceVersion: '1', annotations: { 'maglev.io/force-at': 't1', 'other.io/x': '1' } } };
const with_ = (meta: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({ ...base, ...extra, metadata: { ...base.metadata, ...meta } });

describe('intentChanged', () => {
  it.each<[string, KubeObject, boolean]>([
    ['status only (our own status write)', with_({ resourceVersion: '2' }, { status: { conditions: [] } }), false],
    ['an annotation outside our prefix', with_({ annotations: { 'maglev.io/force-at': 't1', 'other.io/x': '2' } }), false],
    ['a new generation', with_({ generation: 2 }), true],
    ['a new trigger token', with_({ annotations: { 'maglev.io/force-at': 't2', 'other.io/x': '1' } }), true],
    ['deletion requested', with_({ deletionTimestamp: '2026-01-01T00:00:00Z' }), true],
    ['a finalizer added (by the controller itself)', with_({ finalizers: ['maglev.io/helmrelease'] }), false],
    ['labels changed', with_({ labels: { team: 'a' } }), true],
  ])('update: %s → %s', (_what, next, passes) => {
    const p = intentChanged<KubeObject>('maglev.io/');
    expect(p('add', base)).toBe(true);
    expect(p('update', next)).toBe(passes);
  });

  it('always passes adds and deletes, and forgets deleted objects', () => {
    const p = intentChanged<KubeObject>('maglev.io/');
    expect(p('add', base)).toBe(true);
    expect(p('delete', base)).toBe(true);
    expect(p('add', base)).toBe(true);
    expect(p('update', base)).toBe(false);
  });
});
