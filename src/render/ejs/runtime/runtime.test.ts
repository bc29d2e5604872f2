import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CODEC_SOURCE } from './codec.js';
import { GOYAML_EMIT_SOURCE } from './goyaml-emit.js';
import { GOYAML_SOURCE } from './goyaml.js';
import { HELPERS_SOURCE } from './helpers.js';
import { runtimeSource } from './index.js';
import { SCOPE_NAMES, wrapTemplate } from './wrap.js';

// The runtime pieces evaluated in a bare context, called with JSON in and JSON out (no host objects).
const ctx = vm.createContext(Object.create(null) as object);
vm.runInContext(runtimeSource(), ctx);

function call(fn: string, ...args: unknown[]): unknown {
  ctx.__maglevInput = JSON.stringify(args);
  const expr = fn.endsWith('SCOPE_NAMES') ? fn : `${fn}.apply(null, JSON.parse(__maglevInput))`;
  return JSON.parse(vm.runInContext(`JSON.stringify(${expr})`, ctx) as string) as unknown;
}
const helper = (name: string, ...args: unknown[]): unknown => call(`__maglev.helpers.${name}`, ...args);

const testdata = new URL('../../testdata/toyaml/', import.meta.url);
const cases = (JSON.parse(readFileSync(new URL('cases.json', testdata), 'utf8')) as { cases: Record<string, unknown> }).cases;
const expected = JSON.parse(readFileSync(new URL('expected.json', testdata), 'utf8')) as Record<string, { yaml: string; json: string }>;

describe('toYaml / toJson parity with Helm (golden output of helm v3.21 template)', () => {
  it.each(Object.keys(cases))('%s', (name) => {
    const want = expected[name];
    expect(call('__maglev.goyaml.toYaml', cases[name])).toBe(want?.yaml);
    expect(call('__maglev.goyaml.toJson', cases[name])).toBe(want?.json);
  });

  it.each([
    [{ b: 1, a: { d: [1, 'two'], c: null } }, 'a:\n  c: null\n  d:\n  - 1\n  - two\nb: 1'],
    [['x', { y: [] }], '- x\n- "y": []'],
    [{ k: 'v\n' }, 'k: |\n  v'],
    [{ del: 'a\u007fb' }, ''],
    [{ nel: 'a\u0085b' }, 'nel: a b'],
    [undefined, 'null'],
  ])('toYaml(%j) = %j', (value, yaml) => {
    expect(call('__maglev.goyaml.toYaml', value)).toBe(yaml);
  });
});

describe('helpers', () => {
  it.each([
    ['indent', ['a\nb', 2], '  a\n  b'],
    ['nindent', ['a', 4], '\n    a'],
    ['quote', ['a"b\\c'], '"a\\"b\\\\c"'],
    ['quote', ['tab\there é'], '"tab\\there é"'],
    ['quote', [null], ''],
    ['quote', [3], '"3"'],
    ['squote', ["it's"], "'it''s'"],
    ['b64enc', ['héllo'], 'aMOpbGxv'],
    ['b64dec', ['aMOpbGxv'], 'héllo'],
    ['sha256sum', [''], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['sha256sum', ['abc'], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['trunc', ['abcdef', 3], 'abc'],
    ['trunc', ['abcdef', -2], 'ef'],
    ['trunc', ['ab', 5], 'ab'],
    ['trimSuffix', ['name-', '-'], 'name'],
    ['trimSuffix', ['name', '-'], 'name'],
    ['fromJson', ['{"a":[1]}'], { a: [1] }],
    ['fromYaml', ['a: 1\nb: [x]\n'], { a: 1, b: ['x'] }],
    ['required', ['v', 'msg'], 'v'],
  ])('%s(%j) = %j', (name, args, want) => {
    expect(helper(name, ...args)).toEqual(want);
  });

  it.each([
    ['required', [undefined, 'image.repository is required']],
    ['required', ['', 'empty']],
    ['fail', ['stop here']],
    ['b64dec', ['not base64!']],
  ])('%s(%j) throws', (name, args) => {
    expect(() => helper(name, ...args)).toThrow();
  });

  it('sha256 handles multi-block input', () => {
    expect(helper('sha256sum', 'a'.repeat(1000))).toBe('41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3');
  });

  it.each([
    ['v1.29.3', '>=1.20.0', true],
    ['v1.19.0', '>=1.20.0', false],
    ['1.29.3+k3s1', '>=1.20.0 <1.30.0', true],
    ['v1.28.3-gke.1200', '>=1.20.0', false],
    ['v1.28.3-gke.1200', '>=1.20.0-0', true],
    ['1.2.3', '^1.2.0', true],
    ['2.0.0', '^1.2.0', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.4.2', '1.x', true],
    ['2.0.0', '1.x || 2.x', true],
    ['1.5.0', '1.2 - 1.4', false],
    ['1.4.9', '1.2 - 1.4', true],
    ['1.2.3', '!=1.2.3', false],
    ['1.2.3', '*', true],
  ])('semverSatisfies(%s, %s) = %s', (v, range, want) => {
    expect(helper('semverSatisfies', v, range)).toBe(want);
  });
});

describe('template wrapper', () => {
  it('is the same code on the host and in the sandbox', () => {
    const source = '    ; __line = 1\n    ; __append("x")\n';
    const names = [...SCOPE_NAMES, 'extra'];
    expect(call('__maglev.wrapTemplate', source, 'templates/a.yaml.ejs', 1234, names)).toBe(wrapTemplate(source, 'templates/a.yaml.ejs', 1234, names));
    expect(call('__maglev.SCOPE_NAMES')).toEqual(SCOPE_NAMES);
  });
});

describe('determinism', () => {
  it('freezes the clock and seeds Math.random; built-ins are frozen', () => {
    expect(vm.runInContext('Object.isFrozen(Array.prototype) && Object.isFrozen(__maglev.helpers) && typeof WeakRef', ctx)).toBe('undefined');
    expect(vm.runInContext('Date.now() + ":" + new Date().toISOString()', ctx)).toBe('0:1970-01-01T00:00:00.000Z');
    expect(vm.runInContext('new Date(86400000).toISOString()', ctx)).toBe('1970-01-02T00:00:00.000Z');
    const draws = (): unknown => {
      const fresh = vm.createContext(Object.create(null) as object);
      vm.runInContext(['globalThis.__maglev = {};', CODEC_SOURCE, GOYAML_SOURCE, GOYAML_EMIT_SOURCE, HELPERS_SOURCE].join('\n'), fresh);
      return vm.runInContext('Array.from({ length: 3 }, () => Math.random()).join(",")', fresh);
    };
    expect(draws()).toBe(draws());
  });
});
