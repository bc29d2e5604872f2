import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import type { Values } from './types.js';
import { composeValues, parseValuesPath, setValuesPath, type ValuesSource } from './valuesfrom.js';

const cm = (name: string, content: string | undefined, extra: Partial<ValuesSource> = {}): ValuesSource => ({ kind: 'ConfigMap', name, key: 'values.yaml', content, ...extra });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('composeValues', () => {
  it('merges sources in order, tables deep, inline highest', () => {
    const out = composeValues(
      [cm('base', 'a: 1\nm: {p: 1, q: 1}\nl: [1, 2]\n'), cm('env', 'a: 2\nm: {q: 2}\nl: [3]\n')],
      { m: { r: 3 }, b: true },
    );
    expect(out).toEqual({ a: 2, m: { p: 1, q: 2, r: 3 }, l: [3], b: true });
  });

  it('keeps nulls so that coalescing can delete chart defaults', () => {
    expect(composeValues([cm('a', 'x: 1')], { x: null })).toEqual({ x: null });
  });

  it('sets targetPath values as raw strings', () => {
    const out = composeValues(
      [
        cm('base', 'auth: {user: admin}'),
        { kind: 'Secret', name: 'pw', key: 'password', targetPath: 'auth.password', content: 'true\n' },
        { kind: 'Secret', name: 'tls', key: 'ca', targetPath: 'servers[1].tls.ca', content: 'PEM' },
        { kind: 'Secret', name: 'dot', key: 'k', targetPath: 'annotations.example\\.com/key', content: '42' },
      ],
      undefined,
    );
    expect(out).toEqual({ auth: { user: 'admin', password: 'true\n' }, servers: [null, { tls: { ca: 'PEM' } }], annotations: { 'example.com/key': '42' } });
  });

  it('skips a missing optional source and names a missing required one', () => {
    expect(composeValues([cm('gone', undefined, { optional: true })], { a: 1 })).toEqual({ a: 1 });
    const err = thrown(() => composeValues([cm('ok', 'a: 1'), cm('gone', undefined)], undefined));
    expect(isMaglevError(err, ErrorCode.ValuesInvalid)).toBe(true);
    expect((err as Error).message).toBe('spec.valuesFrom[1] (ConfigMap "gone" key "values.yaml") not found; create it or mark the reference optional');
  });

  it.each([
    ['content over the size cap', [cm('big', `a: "${'x'.repeat(2048)}"`)], { maxSourceBytes: 1024 }, /spec.valuesFrom\[0\] \(ConfigMap "big" key "values.yaml"\) is larger than the cap of 1024 bytes/],
    ['a merged result over the cap', [cm('a', `a: "${'x'.repeat(600)}"`), cm('b', `b: "${'x'.repeat(600)}"`)], { maxTotalBytes: 1000 }, /over the cap of 1000 bytes/],
    ['content that is not a mapping', [cm('list', '- 1\n')], {}, /values must be a YAML mapping/],
    ['invalid YAML', [cm('bad', 'a: [\n')], {}, /ConfigMap "bad" key "values.yaml"\):\d+: invalid YAML/],
    ['a huge list index', [{ ...cm('s', 'x'), targetPath: 'a[999999999]' }], {}, /list index 999999999 is over the cap/],
    ['a malformed path', [{ ...cm('s', 'x'), targetPath: 'a..b' }], {}, /has an empty key/],
  ] as [string, ValuesSource[], object, RegExp][])('refuses %s with ValuesInvalid', (_what, sources, opts, text) => {
    const err = thrown(() => composeValues(sources, undefined, opts));
    expect(isMaglevError(err, ErrorCode.ValuesInvalid)).toBe(true);
    expect((err as Error).message).toMatch(text);
  });

  it('refuses an alias bomb in a source and deep inline values', () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 7; i++) bomb += `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]\n`;
    expect((thrown(() => composeValues([cm('bomb', bomb)], undefined)) as Error).message).toMatch(/more than 1000000 nodes/);
    let deep: Values = {};
    for (let i = 0; i < 150; i++) deep = { d: deep };
    expect((thrown(() => composeValues([], deep)) as Error).message).toMatch(/nesting deeper than 100/);
  });
});

describe('values paths', () => {
  it.each([
    ['a', [{ key: 'a' }]],
    ['a.b[0].c', [{ key: 'a' }, { key: 'b' }, { index: 0 }, { key: 'c' }]],
    ['a\\.b.c', [{ key: 'a.b' }, { key: 'c' }]],
    ['list[2][1]', [{ key: 'list' }, { index: 2 }, { index: 1 }]],
  ])('parses %s', (path, want) => {
    expect(parseValuesPath(path)).toEqual(want);
  });

  it('replaces a scalar on the way with a table', () => {
    const v: Values = { a: 'scalar' };
    setValuesPath(v, 'a.b', 'x');
    expect(v).toEqual({ a: { b: 'x' } });
  });
});
