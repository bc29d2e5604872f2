import { describe, expect, it } from 'vitest';
import { ErrorCode, isMaglevError } from '../errors.js';
import { goScalar, parseManifestYaml } from './yaml.js';

describe('goScalar (go-yaml v2 plain scalars)', () => {
  it.each([
    ['', null],
    ['~', null],
    ['Null', null],
    ['yes', true],
    ['Off', false],
    ['y', true],
    ['0', 0],
    ['0777', 511],
    ['0o17', 15],
    ['0x1F', 31],
    ['0b101', 5],
    ['-12', -12],
    ['+7', 7],
    ['1_000', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['.inf', Infinity],
    ['9223372036854775807', 2 ** 63],
    ['18446744073709551615', 2 ** 64],
  ])('%j → %j', (s, v) => {
    expect(goScalar(s)).toBe(v);
  });

  it.each(['nginx', 'yesno', '2024-01-15', '12:30', '0xZZ', '1.2.3', 'True1', '.', '+', '-', 'v1', '0x'])('%j stays a string', (s) => {
    expect(typeof goScalar(s)).toBe('symbol');
  });
});

describe('parseManifestYaml', () => {
  it('keeps quoted scalars strings, honours explicit tags and merge keys, last duplicate wins', () => {
    const doc = parseManifestYaml(
      'a: "yes"\nb: yes\nc: !!str 5\nd: !!int "7"\nbase: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\nk: 1\nk: 2\nt: 2024-01-15\ny: 1\n',
      'w',
    );
    // `y` is a YAML 1.1 boolean, so the key reads as "true" (as in Helm).
    expect(doc).toEqual({ a: 'yes', b: true, c: '5', d: 7, base: { x: 1, z: 2 }, m: { x: 1, z: 3 }, k: 2, t: '2024-01-15', true: 1 });
  });

  it('cannot pollute prototypes', () => {
    const doc = parseManifestYaml('__proto__:\n  polluted: true\n', 'w') as Record<string, unknown>;
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('expands aliases into copies', () => {
    const doc = parseManifestYaml('a: &x [1]\nb: *x\n', 'w') as { a: unknown[]; b: unknown[] };
    expect(doc.a).toEqual(doc.b);
    expect(doc.a).not.toBe(doc.b);
  });

  it.each([
    ['a: [', /invalid YAML: .*\(line \d+\)/],
    ['a: ' + '['.repeat(300) + ']'.repeat(300), /nesting exceeded maxDepth \(201\)/],
  ])('rejects %j as ManifestInvalid', (text, msg) => {
    let err: unknown;
    try {
      parseManifestYaml(text, 'chart/templates/x.yaml (document 1)');
    } catch (e) {
      err = e;
    }
    expect(isMaglevError(err, ErrorCode.ManifestInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/^chart\/templates\/x\.yaml \(document 1\): /);
    expect((err as Error).message).toMatch(msg);
  });
});
