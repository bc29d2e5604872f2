import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { mkChart } from './testdata/charts.js';
import type { Values } from './types.js';
import { coalesceValues, valuesDigest } from './values.js';

describe('coalesceValues (Helm CoalesceValues)', () => {
  it.each<[string, Values, Values, Values]>([
    ['maps deep-merge', { a: { b: 1, c: 2 } }, { a: { b: 3 } }, { a: { b: 3, c: 2 } }],
    ['lists replace', { l: [1, 2], m: [{ x: 1 }] }, { l: [3] }, { l: [3], m: [{ x: 1 }] }],
    ['scalars replace', { s: 'chart', n: 1 }, { s: 'user' }, { s: 'user', n: 1 }],
    ['null deletes a default (top level)', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['null deletes a default (nested)', { a: { b: 1, c: 2 } }, { a: { b: null } }, { a: { c: 2 } }],
    ['null deletes a whole default table', { a: { b: 1 }, k: 1 }, { a: null }, { k: 1 }],
    ['a top-level null without default is kept', { a: 1 }, { q: null }, { a: 1, q: null }],
    ['a nested null without default is kept (3.17.1+)', { a: { b: 1 } }, { a: { z: null } }, { a: { b: 1, z: null } }],
    ['user scalar wins over a default table', { a: { b: 1 } }, { a: 5 }, { a: 5 }],
    ['user table wins over a default scalar', { a: 5 }, { a: { x: 1 } }, { a: { x: 1 } }],
    ['user list wins over a default table', { a: { b: 1 } }, { a: [1] }, { a: [1] }],
    ['defaults fill absent keys', { a: 1, b: { c: 2 } }, {}, { a: 1, b: { c: 2 } }],
  ])('%s', (_name, defaults, user, want) => {
    expect(coalesceValues(mkChart('c', { values: defaults }), user)).toEqual(want);
  });

  it('keeps nulls in merge mode (Helm MergeValues)', () => {
    expect(coalesceValues(mkChart('c', { values: { a: 1 } }), { a: null }, { merge: true })).toEqual({ a: null });
  });

  it('warns like Helm on table/non-table conflicts', () => {
    const warnings: string[] = [];
    coalesceValues(mkChart('c', { values: { a: { b: { c: 1 } } } }), { a: { b: 5 } }, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(['warning: cannot overwrite table with non table for c.a.b ({"c":1})']);
  });

  it('does not modify its inputs', () => {
    const defaults = { a: { b: 1 } };
    const user = { a: { c: 2 } };
    coalesceValues(mkChart('c', { values: defaults }), user);
    expect(defaults).toEqual({ a: { b: 1 } });
    expect(user).toEqual({ a: { c: 2 } });
  });

  it('scopes subchart values and fills subchart defaults, with an empty global', () => {
    const sub = mkChart('sub', { values: { x: 1, y: 1 } });
    const parent = mkChart('parent', { values: { sub: { x: 2 } }, deps: [sub] });
    expect(coalesceValues(parent, { sub: { y: 3 } })).toEqual({ sub: { x: 2, y: 3, global: {} } });
  });

  it('propagates global parent → child: parent wins, tables merge, child-only keys stay', () => {
    const sub = mkChart('sub', { values: { global: { g: 2, h: 3, t: { b: 2, a: 9 } } } });
    const parent = mkChart('parent', { values: { global: { g: 1, t: { a: 1 } } }, deps: [sub] });
    const out = coalesceValues(parent, { global: { u: true } });
    expect(out.global).toEqual({ g: 1, t: { a: 1 }, u: true });
    expect((out.sub as Values).global).toEqual({ g: 1, h: 3, u: true, t: { a: 1, b: 2 } });
  });

  it('propagates globals through grandchildren', () => {
    const grand = mkChart('grand', { values: { global: { level: 'grand' } } });
    const sub = mkChart('sub', { deps: [grand] });
    const out = coalesceValues(mkChart('top', { deps: [sub] }), { global: { level: 'user' } });
    expect(((out.sub as Values).grand as Values).global).toEqual({ level: 'user' });
  });

  it('a user null reaches a subchart default through the parent (childChartMergeTrue)', () => {
    const sub = mkChart('sub', { values: { probe: { httpGet: { path: '/' }, tcpSocket: null } } });
    const parent = mkChart('parent', { values: { sub: { probe: { httpGet: { port: 80 } } } }, deps: [sub] });
    const out = coalesceValues(parent, { sub: { probe: { httpGet: null, tcpSocket: { port: 81 } } } });
    expect((out.sub as Values).probe).toEqual({ tcpSocket: { port: 81 } });
  });

  it("a null in the parent's values.yaml deletes a subchart default", () => {
    const sub = mkChart('sub', { values: { securityContext: { runAsUser: 1000, fsGroup: 1000 } } });
    const parent = mkChart('parent', { values: { sub: { securityContext: { runAsUser: null } } }, deps: [sub] });
    expect((coalesceValues(parent, {}).sub as Values).securityContext).toEqual({ fsGroup: 1000 });
  });

  it('refuses a non-map value for a subchart key', () => {
    const parent = mkChart('parent', { deps: [mkChart('sub')] });
    let err: unknown;
    try {
      coalesceValues(parent, { sub: 5 });
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.ValuesInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/values\.sub: type mismatch/);
  });

  it('treats __proto__ as an ordinary key and never pollutes prototypes', () => {
    const user = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"x": 1}}}') as Values;
    const out = coalesceValues(mkChart('c', { values: { a: { b: 1 } } }), user);
    expect(Object.keys(out)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
  });
});

describe('valuesDigest', () => {
  it('is stable across key order and changes with content', () => {
    const a = valuesDigest({ b: 1, a: { d: [1, 2], c: 'x' } });
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(valuesDigest({ a: { c: 'x', d: [1, 2] }, b: 1 })).toBe(a);
    expect(valuesDigest({ a: { c: 'x', d: [2, 1] }, b: 1 })).not.toBe(a);
  });
});
